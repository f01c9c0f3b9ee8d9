import { APIRequestContext, Page } from '@playwright/test';
import { expect, test } from './support/fixtures';
import { hydrated, signUp, uniqueEmail } from './support/accounts';
import { ownerWithOrg } from './support/invitations';
import { allMails, linkIn, waitForMail } from './support/mail';
import { withReplicas } from './support/server';

// Two more server processes over the journeys' database beside the one the
// other journeys use: every process runs a mail worker on the one outbox and
// counts rate limits in the one table.

test.describe.configure({ timeout: 180_000 });

/** The Message-IDs of the invitations maildev received, per address of `addresses`. */
async function invitationMails(addresses: string[]): Promise<Map<string, string[]>> {
  const mailed = new Map(addresses.map((a) => [a.toLowerCase(), [] as string[]]));
  for (const mail of await allMails()) {
    if (!mail.subject.includes('invited you')) continue;
    for (const to of mail.to) mailed.get(to.address.toLowerCase())?.push(mail.messageId);
  }
  return mailed;
}

/** Waits (bounded) until every address has received its invitation, then lets late copies land. */
async function mailedEach(addresses: string[]): Promise<Map<string, string[]>> {
  await expect
    .poll(async () => [...(await invitationMails(addresses)).values()].filter((ids) => ids.length > 0).length, {
      timeout: 60_000,
      message: 'every invitation is delivered',
    })
    .toBe(addresses.length);
  await new Promise((r) => setTimeout(r, 2_000));
  return invitationMails(addresses);
}

/** Every invitation was delivered exactly once. */
async function expectMailedOnceEach(addresses: string[]) {
  const mailed = await mailedEach(addresses);
  expect([...mailed.entries()].filter(([, ids]) => ids.length !== 1)).toEqual([]);
}

/** An owner, an organization with room for 400 seats, and an API key that invites and reads. */
async function organizationWithKey(page: Page) {
  const { base } = await ownerWithOrg(page, 'Replicas Co');
  const slug = base.split('/').pop()!;
  await page.goto(`${base}/settings`);
  await hydrated(page);
  await page.getByLabel('Seat limit').fill('400');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Settings saved.')).toBeVisible();
  await page.getByLabel('Key name').fill('Replica load');
  for (const scope of ['members:read', 'invitations:read', 'invitations:write']) {
    await page.getByLabel(scope).check();
  }
  await page.getByRole('button', { name: 'Create API key' }).click();
  const key = await page.getByLabel('API key', { exact: true }).inputValue();
  return { base, slug, headers: { Authorization: `Bearer ${key}` } };
}

/** Invites `email` through `replica`'s REST API; answers the HTTP status and body, or the failure. */
async function inviteThrough(request: APIRequestContext, replica: string, slug: string, headers: Record<string, string>, email: string) {
  const res = await request.post(`${replica}/api/v1/orgs/${slug}/invitations`, {
    headers,
    data: { email, role: 'member', note: '', notify_email: '', teams: [], permissions: [] },
  });
  return { status: res.status(), body: await res.json() };
}

/** Runs `work` over `items`, `width` at a time. */
async function inParallel<T, R>(items: T[], width: number, work: (item: T, n: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const n = next++;
        results[n] = await work(items[n], n);
      }
    }),
  );
  return results;
}

test('two replicas: 200 invitations are each mailed once, 50 accepts of one link make one member', async ({ page, newPerson, request }) => {
  const { slug, headers } = await organizationWithKey(page);
  await withReplicas([{}, {}], async (replicas) => {
    const addresses = Array.from({ length: 200 }, (_, n) => uniqueEmail(`replica${n}`));
    const answers = await inParallel(addresses, 8, (email, n) =>
      inviteThrough(request, replicas[n % 2].url, slug, headers, email),
    );
    expect(answers.filter((a) => a.status !== 201)).toEqual([]);
    await expectMailedOnceEach(addresses);

    // One link, accepted fifty times at once through both replicas by its invitee.
    const joinerEmail = uniqueEmail('joiner');
    const issued = await inviteThrough(request, replicas[0].url, slug, headers, joinerEmail);
    expect(issued.status).toBe(201);
    // The mailed link (not the one the API answered to the inviter) proves
    // the invitee's address.
    const link = linkIn(await waitForMail(joinerEmail, 'invited you'), '/invite/');
    const joiner = await newPerson();
    await signUp(joiner, 'Jo Joiner', joinerEmail, link);
    await expect(joiner.getByRole('button', { name: 'Accept invitation' })).toBeVisible();
    const token = link.split('/').pop();
    const accepts = await Promise.all(
      Array.from({ length: 50 }, (_, n) =>
        joiner.request.post(`${replicas[n % 2].url}/api/accept_invitation`, { form: { token } }),
      ),
    );
    const statuses = accepts.map((a) => a.status());
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    const members = await request.get(`${replicas[1].url}/api/v1/orgs/${slug}/members?search=${encodeURIComponent(joinerEmail)}`, { headers });
    expect(members.status()).toBe(200);
    const page1 = await members.json();
    expect(page1.total).toBe(1);
    expect(page1.items.List.map((m: { email: string }) => m.email)).toEqual([joinerEmail]);
  });
});

test('a replica killed during an invitation load loses nothing that it answered', async ({ page, request }) => {
  const { slug, headers } = await organizationWithKey(page);
  // The victim leases the mail it claims for the shortest time it may (its
  // send deadline plus the wait to record the outcome), so the survivor
  // sends what it claimed and never sent within the test.
  const short = { MAIL_SEND_TIMEOUT_SECS: '2', MAIL_LEASE_SECS: '23' };
  await withReplicas([short, {}], async ([victim, survivor]) => {
    const addresses = Array.from({ length: 120 }, (_, n) => uniqueEmail(`survivor${n}`));
    let answered = 0;
    const outcomes = await inParallel(addresses, 8, async (email, n) => {
      const through = n % 2 === 0 ? victim.url : survivor.url;
      try {
        const answer = await inviteThrough(request, through, slug, headers, email);
        if (++answered === 40) await victim.kill();
        return answer.status;
      } catch {
        return 0; // The connection died with the victim: not answered, not promised.
      }
    });
    const succeeded = addresses.filter((_, n) => outcomes[n] === 201);
    // Both replicas answered some before the kill, and the survivor went on.
    expect(succeeded.length).toBeGreaterThanOrEqual(60);
    expect(outcomes.filter((s) => s !== 201 && s !== 0)).toEqual([]);

    // Every invitation answered 201 is stored ...
    const stored = new Set<string>();
    let after = '';
    for (let pages = 0; pages < 10; pages++) {
      const res = await request.get(`${survivor.url}/api/v1/orgs/${slug}/invitations?limit=200&after=${encodeURIComponent(after)}`, { headers });
      expect(res.status()).toBe(200);
      const list = await res.json();
      list.items.forEach((i: { email: string }) => stored.add(i.email.toLowerCase()));
      if (!list.next) break;
      after = list.next;
    }
    expect(succeeded.filter((e) => !stored.has(e.toLowerCase()))).toEqual([]);
    // ... and mailed. A mail the victim handed to the SMTP server but died
    // before recording is sent again by the survivor once its lease ends:
    // the copy carries the same Message-ID, so mail clients show it once.
    const mailed = await mailedEach(succeeded);
    expect([...mailed.entries()].filter(([, ids]) => new Set(ids).size !== 1)).toEqual([]);
  });
});

test('two replicas share one sign-in allowance per address', async ({ page, request }) => {
  const { email } = await ownerWithOrg(page, 'Allowance Co');
  await withReplicas([{}, {}], async (replicas) => {
    // RATE_LIMIT_SIGN_IN is 50 for the journeys: 50 wrong passwords, half
    // through each replica, are answered as wrong; the next is refused by both.
    const wrong = (n: number) =>
      request.post(`${replicas[n % 2].url}/sign-in`, { form: { email, password: `not it ${n}` } });
    const answers = await inParallel(Array.from({ length: 50 }, (_, n) => n), 4, (n) => wrong(n).then((r) => r.status()));
    expect(answers.filter((s) => s !== 401)).toEqual([]);
    for (const n of [50, 51]) {
      const refused = await wrong(n);
      expect(refused.status()).toBe(429);
    }
  });
});
