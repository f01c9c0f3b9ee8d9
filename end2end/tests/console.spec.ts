import type { Page } from '@playwright/test';
import { expect, test } from './support/fixtures';
import { memberAction } from './support/members';
import { hydrated, uniqueEmail, signUp, PASSWORD } from './support/accounts';
import { inviteAndJoin, ownerWithOrg, invite } from './support/invitations';
import { linkIn, waitForMail } from './support/mail';
import { expectAccessible, expectFitsWidth } from './support/axe';

test('on a 390px phone: every page fits, the navigation is a menu, an owner invites someone and removes a member', async ({ page, newPerson }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  for (const path of ['/sign-in', '/sign-up', '/forgot-password']) {
    await page.goto(path);
    await hydrated(page);
    await expectFitsWidth(page, `${path} on a phone`);
  }
  // Signing up, onboarding and inviting all happen at phone size.
  const { orgName, base } = await ownerWithOrg(page, 'Pocket Co');
  const bob = uniqueEmail('bob');
  await inviteAndJoin(page, newPerson, base, 'Bob Baker', bob);

  for (const path of ['', '/members', '/invitations', '/teams', '/projects', '/settings', '/activity']) {
    await page.goto(`${base}${path}`);
    await hydrated(page);
    await expectFitsWidth(page, `${path || 'dashboard'} on a phone`);
  }

  // The side navigation folds into a menu.
  await page.goto(`${base}/members`);
  await hydrated(page);
  const nav = page.getByRole('navigation', { name: 'Organization pages' });
  await expect(nav.getByRole('link', { name: 'Invitations' })).toBeHidden();
  await nav.getByRole('button', { name: 'Pages' }).click();
  await nav.getByRole('link', { name: 'Invitations' }).click();
  await expect(page).toHaveURL(new RegExp(`${base}/invitations$`));
  await expect(nav.getByRole('link', { name: 'Invitations' })).toBeHidden();

  // Inviting fits the screen: the dialog and its Send button.
  const carol = uniqueEmail('carol');
  const dialog = await invite(page, base, carol);
  await expect(dialog.getByText(`Invitation sent to ${carol}`)).toBeVisible();
  await expectFitsWidth(page, 'the invite dialog');
  await dialog.getByRole('button', { name: 'Done' }).click();

  // The bell's panel stays on screen.
  await page.getByRole('button', { name: /^Notifications/ }).click();
  const panel = page.getByRole('region', { name: 'Notifications panel' });
  await expect(panel).toBeVisible();
  const box = (await panel.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  await page.keyboard.press('Escape');
  await expect(panel).toBeHidden();
  await expect(page.getByRole('button', { name: /^Notifications/ })).toBeFocused();

  // Removing a member: the row's button is reachable (the table scrolls in its box).
  await page.goto(`${base}/members`);
  await hydrated(page);
  const actions = page.getByRole('button', { name: 'Actions for Bob Baker' });
  await actions.scrollIntoViewIfNeeded();
  await memberAction(page, 'Bob Baker', 'Remove');
  const confirm = page.getByRole('dialog', { name: 'Remove Bob Baker?' });
  await confirm.getByRole('button', { name: 'Remove member' }).click();
  await expect(confirm).toBeHidden();
  await expect(page.getByRole('status').filter({ hasText: `Bob Baker was removed from ${orgName}.` })).toBeVisible();
  await expect(page.getByRole('row', { name: /Bob Baker/ })).toHaveCount(0);
  await expectFitsWidth(page, 'members after removal');
  await expectAccessible(page, 'members on a phone');
});

test('every page has a title and no axe-core violations, light and dark', async ({ page, newPerson }) => {
  // Thirteen pages and panels, each scanned by axe-core in two color schemes, and two sign-ups:
  // 32-56 s on this machine, too close to the 60 s a journey gets by default.
  test.setTimeout(120_000);
  await page.goto('/sign-up');
  await hydrated(page);
  await expect(page).toHaveTitle('Create your account · Gatehouse');
  await expectAccessible(page, 'sign-up');
  await page.goto('/sign-in');
  await hydrated(page);
  await expect(page).toHaveTitle('Sign in · Gatehouse');
  await expectAccessible(page, 'sign-in');

  const { orgName, base } = await ownerWithOrg(page, 'Titled Co');
  const titles: [string, string][] = [
    ['', 'Dashboard'], ['/members', 'Members'], ['/invitations', 'Invitations'], ['/teams', 'Teams'],
    ['/projects', 'Projects'], ['/settings', 'Settings'], ['/activity', 'Activity'],
  ];
  for (const [path, title] of titles) {
    await page.goto(`${base}${path}`);
    await hydrated(page);
    await expect(page).toHaveTitle(`${title} · ${orgName} · Gatehouse`);
    await expectAccessible(page, title);
  }
  await page.goto('/account');
  await hydrated(page);
  await expect(page).toHaveTitle('Your account · Gatehouse');
  await expect(page.getByRole('list', { name: 'Ways to sign in' })).toContainText('Password');
  await expectAccessible(page, 'account');
  // A new owner's dashboard offers first steps, never "ask an admin" pointing at themselves.
  await page.goto(base);
  await hydrated(page);
  await expect(page.getByRole('region', { name: 'Getting started' })).toContainText('Invite someone');
  await expect(page.getByRole('region', { name: 'No projects to show' })).toHaveCount(0);
  await page.getByRole('button', { name: /^Notifications/ }).click();
  await expect(page.getByRole('region', { name: 'Notifications panel' })).toBeVisible();
  await expectAccessible(page, 'the bell open');
  // The account menu is a real button; opening it closes the bell.
  const account = page.getByRole('button', { name: /^Account menu for / });
  await account.click();
  await expect(page.getByRole('region', { name: 'Notifications panel' })).toBeHidden();
  await expect(account).toHaveAttribute('aria-expanded', 'true');
  await page.mouse.click(5, 400);
  await expect(account).toHaveAttribute('aria-expanded', 'false');

  const dana = uniqueEmail('dana');
  const dialog = await invite(page, base, dana);
  await expectAccessible(page, 'the invite dialog, sent');
  await dialog.getByRole('button', { name: 'Done' }).click();
  const link = linkIn(await waitForMail(dana, 'invited you'), '/invite/');
  const invitee = await newPerson();
  await invitee.goto(link);
  await hydrated(invitee);
  await expect(invitee).toHaveTitle('Invitation · Gatehouse');
  await expectAccessible(invitee, 'the invitation page');
  // The header's entries come back to the invitation too.
  const path = new URL(link, 'http://localhost').pathname;
  await expect(invitee.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Sign up' }))
    .toHaveAttribute('href', `/sign-up?next=${path}`);
  await invitee.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Sign up' }).click();
  await hydrated(invitee);
  await invitee.getByLabel('Name').fill('Dana Doe');
  await invitee.getByLabel('Email').fill(dana);
  await invitee.getByLabel('Password').fill(PASSWORD);
  await invitee.getByRole('button', { name: 'Create account' }).click();
  await expect(invitee).toHaveURL(new RegExp(`${path}$`));
  await invitee.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(invitee.getByRole('status').filter({ hasText: `You joined ${orgName}.` })).toBeVisible();
});

test('your own row says so, ownership moves only after its own confirmation, and changes are announced', async ({ page, newPerson }) => {
  const { orgName, base } = await ownerWithOrg(page, 'Careful Co');
  await inviteAndJoin(page, newPerson, base, 'Bob Baker', uniqueEmail('bob'));
  await inviteAndJoin(page, newPerson, base, 'Cy Cole', uniqueEmail('cy'));
  await page.goto(`${base}/members`);
  await hydrated(page);
  await expect(page.getByRole('row', { name: /Olivia Owner \(you\)/ })).toBeVisible();
  await page.getByRole('button', { name: 'Actions for Olivia Owner' }).click();
  await expect(page.getByRole('button', { name: 'Change role of Olivia Owner' })).toBeVisible();
  await expect(page.getByRole('button', { name: /^Remove Olivia/ })).toHaveCount(0);
  await page.keyboard.press('Escape');
  await expect(page.getByRole('button', { name: 'Change role of Olivia Owner' })).toBeHidden();
  await expect(page.getByRole('button', { name: 'Actions for Olivia Owner' })).toBeFocused();
  await expect(page.getByText('3 members')).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Pages', exact: true })).toHaveCount(0);
  // Column headers sort, both ways.
  const names = page.getByRole('table', { name: 'Members' }).locator('tbody tr td:first-child');
  await expect(names).toHaveText(['Bob Baker', 'Cy Cole', 'Olivia Owner (you)']);
  await page.getByRole('button', { name: 'Name', exact: true }).click();
  await expect(page.getByRole('columnheader', { name: 'Name' })).toHaveAttribute('aria-sort', 'descending');
  await expect(names).toHaveText(['Olivia Owner (you)', 'Cy Cole', 'Bob Baker']);
  await page.getByRole('button', { name: 'Joined', exact: true }).click();
  await expect(names).toHaveText(['Olivia Owner (you)', 'Bob Baker', 'Cy Cole']);
  await page.getByRole('button', { name: 'Joined', exact: true }).click();
  await expect(names).toHaveText(['Cy Cole', 'Bob Baker', 'Olivia Owner (you)']);

  // A role change is announced.
  await memberAction(page, 'Bob Baker', 'Change role of');
  const edit = page.getByRole('dialog', { name: 'Change role of Bob Baker' });
  await edit.getByLabel('Role').selectOption({ label: 'Admin' });
  await edit.getByRole('button', { name: 'Save role' }).click();
  await expect(edit).toBeHidden();
  await expect(page.getByRole('status').filter({ hasText: 'Bob Baker is now Admin.' })).toBeVisible();

  await memberAction(page, 'Cy Cole', 'Change role of');
  const editCy = page.getByRole('dialog', { name: 'Change role of Cy Cole' });
  await editCy.getByRole('button', { name: 'Transfer ownership…' }).click();
  const transfer = page.getByRole('dialog', { name: `Make Cy Cole the owner of ${orgName}?` });
  await expect(transfer).toContainText('You become an admin at once');
  await expect(transfer.getByRole('button', { name: 'Transfer ownership' })).toHaveClass(/button-danger/);
  await transfer.getByRole('button', { name: 'Cancel' }).click();
  await expect(transfer).toBeHidden();
  await editCy.getByRole('button', { name: 'Cancel' }).click();
  // Nothing changed: still the owner.
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole('row', { name: /Olivia Owner/ })).toContainText('Owner');

  await memberAction(page, 'Cy Cole', 'Change role of');
  await editCy.getByRole('button', { name: 'Transfer ownership…' }).click();
  await transfer.getByRole('button', { name: 'Transfer ownership' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Cy Cole is now the owner of ${orgName}. You are an admin.` })).toBeVisible();
  await expect(page.getByRole('row', { name: /Cy Cole/ })).toContainText('Owner');
  await expect(page.getByRole('row', { name: /Olivia Owner/ })).toContainText('Admin');
});

test('a refused removal does not follow the admin into the next person’s dialog', async ({ page, newPerson }) => {
  const { base } = await ownerWithOrg(page, 'Clean Slate');
  const bobPage = await inviteAndJoin(page, newPerson, base, 'Bob Baker', uniqueEmail('bob'));
  await inviteAndJoin(page, newPerson, base, 'Cy Cole', uniqueEmail('cy'));
  await page.goto(`${base}/members`);
  await hydrated(page);
  await memberAction(page, 'Bob Baker', 'Remove');
  const removeBob = page.getByRole('dialog', { name: 'Remove Bob Baker?' });
  // Bob leaves meanwhile, so this removal is refused.
  await bobPage.goto(`${base}/members`);
  await hydrated(bobPage);
  await bobPage.getByRole('button', { name: 'Leave organization' }).click();
  await bobPage.getByRole('dialog', { name: /^Leave / }).getByRole('button', { name: 'Leave organization' }).click();
  await expect(bobPage.getByRole('status').filter({ hasText: /^You left / })).toBeVisible();
  await removeBob.getByRole('button', { name: 'Remove member' }).click();
  await expect(removeBob.getByRole('alert')).toContainText('changed since the page was loaded');
  await removeBob.getByRole('button', { name: 'Cancel' }).click();
  await memberAction(page, 'Cy Cole', 'Remove');
  const removeCy = page.getByRole('dialog', { name: 'Remove Cy Cole?' });
  await expect(removeCy).toBeVisible();
  await expect(removeCy.getByRole('alert')).toHaveCount(0);
});

test('the invite dialog shows errors where the person looks and keeps focus inside', async ({ page }) => {
  const { base } = await ownerWithOrg(page, 'Focus Co');
  const dana = uniqueEmail('dana');
  const first = await invite(page, base, dana);
  await first.getByRole('button', { name: 'Done' }).click();
  await page.getByRole('button', { name: 'Invite member' }).click();
  const dialog = page.getByRole('dialog', { name: 'Invite member' });
  await dialog.getByLabel('Email address').fill('not an address');
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  await expect(dialog.getByLabel('Email address')).toBeFocused();
  await expect(dialog.getByLabel('Email address')).toHaveAttribute('aria-invalid', 'true');
  await dialog.getByLabel('Email address').fill(dana);
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  // Already invited: said beside Send, with the way on, and focus moves to it.
  const problem = dialog.getByRole('alert').filter({ hasText: 'already has a pending invitation' });
  await expect(problem).toBeVisible();
  await expect(problem.getByRole('button', { name: 'Resend invitation' })).toBeVisible();
  const focusedInDialog = await dialog.evaluate((d) => d.contains(document.activeElement) && document.activeElement !== document.body);
  expect(focusedInDialog).toBe(true);
  // The dialog's content fits an 800px window with the permissions folded: no scrolling inside it.
  const height = await dialog.evaluate((d) => d.scrollHeight);
  expect(height).toBeLessThanOrEqual(800 - 32);
  await problem.getByRole('button', { name: 'Resend invitation' }).click();
  await expect(dialog.getByText(`Invitation sent to ${dana}`)).toBeFocused();
});

test('sign-up shows every refused field at once', async ({ page }) => {
  await page.goto('/sign-up');
  await hydrated(page);
  await page.getByLabel('Email').fill('not an address');
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  for (const field of ['Name', 'Email', 'Password']) {
    await expect(page.getByLabel(field)).toHaveAttribute('aria-invalid', 'true');
  }
});

test('sign-in works as a plain form with no code loaded, keeping the address when refused', async ({ page }) => {
  const { email } = await ownerWithOrg(page, 'Plain Co');
  await page.context().clearCookies();
  const wasm: string[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith('.wasm')) wasm.push(request.url());
  });
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Email or password is wrong.');
  await expect(page.getByLabel('Email')).toHaveValue(email);
  await expect(page.getByLabel('Password')).toHaveValue('');
  expect(wasm).toEqual([]);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('Password').press('Enter');
  await expect(page).toHaveURL(/\/orgs\//);
  await hydrated(page);
  expect(wasm.length).toBeGreaterThan(0);
});

test('a signed-in browser\'s refused sign-in comes back hydrated: its menus still work', async ({ page }) => {
  const { email } = await ownerWithOrg(page, 'Menu Co');
  await page.goto('/sign-in');
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Email or password is wrong.');
  await expect(page.getByLabel('Email')).toHaveValue(email);
  await hydrated(page);
  await page.getByRole('button', { name: /^Account menu for / }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
});

test('the browser gets a favicon, and compressed code under content-hashed names kept for good', async ({ page }) => {
  const icon = await page.request.get('/favicon.svg');
  expect(icon.status()).toBe(200);
  await page.goto('/sign-up');
  await expect(page.locator('link[rel="icon"]')).toHaveAttribute('href', '/favicon.svg');
  const css = await page.locator('link#leptos').getAttribute('href');
  expect(css).toMatch(/^\/pkg\/gatehouse\.[A-Za-z0-9_-]{6,}\.css$/);
  // The sign-up page is in the shell (as are the other pages opened from
  // outside the console): its first load fetches one WASM file, no route's piece.
  const wasm = await page.locator('link[rel="preload"][as="fetch"]').evaluateAll(
    (links) => links.map((l) => l.getAttribute('href') ?? ''));
  expect(wasm).toHaveLength(1);
  expect(wasm[0]).toMatch(/^\/pkg\/gatehouse\.[A-Za-z0-9_-]{6,}\.wasm$/);
  await expectServedForGood(page, wasm[0]);
});

/** `url` comes brotli-compressed, cached for good under its content-hashed name. */
async function expectServedForGood(page: Page, url: string) {
  const built = await page.request.get(url, { headers: { 'accept-encoding': 'br' } });
  expect(built.status()).toBe(200);
  expect(built.headers()['content-encoding']).toBe('br');
  expect(built.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
}

test('an organization page preloads its own code in its head, and no other page\'s', async ({ page }) => {
  const { base } = await ownerWithOrg(page, 'Preload Co');
  for (const [path, route] of [['/members', 'members'], ['/teams', 'teams'], ['', 'dashboard']]) {
    // A full load, as from a bookmark: what the server put in the head.
    const html = await (await page.request.get(`${base}${path}`)).text();
    const head = html.slice(0, html.indexOf('</head>'));
    const routes = [...head.matchAll(/href="([^"]*_route_view_[^"]*)"/g)].map((m) => m[1]);
    expect(routes, `route pieces preloaded by ${path || 'the dashboard'}`).toHaveLength(1);
    expect(routes[0]).toMatch(new RegExp(`^/pkg/split___${route}_route_view_\\w+\\.[A-Za-z0-9_-]{6,}\\.wasm$`));
    await expectServedForGood(page, routes[0]);
    await page.goto(`${base}${path}`);
    await hydrated(page);
    await expect(page.getByRole('navigation', { name: 'Organization pages' })).toBeVisible();
  }
});
