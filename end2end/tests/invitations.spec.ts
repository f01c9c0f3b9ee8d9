import { expect, test } from './support/fixtures';
import { PASSWORD, uniqueEmail, hydrated } from './support/accounts';
import { invite, ownerWithOrg } from './support/invitations';
import { linkIn, waitForMail } from './support/mail';

test('admin invites, the invitee signs up from the mailed link and accepts, the member appears', async ({ page, newPerson }) => {
  const { orgName, base } = await ownerWithOrg(page, 'Rocket Works');
  const bob = uniqueEmail('bob');
  const dialog = await invite(page, base, bob, 'Admin', 'Needs the deploy logs');
  // The dialog names the organization the person is invited into.
  await expect(page.getByRole('dialog', { name: `Invite member to ${orgName}` })).toBeVisible();
  await expect(dialog.getByText(`Invitation sent to ${bob}`)).toBeVisible();
  await expect(dialog.getByLabel('Invitation link')).toHaveValue(/\/invite\/[A-Za-z0-9_-]{43}$/);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(dialog).toBeHidden();
  // Focus went back to the button that opened the dialog.
  await expect(page.getByRole('button', { name: 'Invite member' })).toBeFocused();

  const mail = await waitForMail(bob, `invited you to join ${orgName}`);
  expect(mail.text).toContain('as Admin');
  expect(mail.text).toContain('Needs the deploy logs');
  expect(mail.html).toContain('View invitation');
  const link = linkIn(mail, '/invite/');

  const invitee = await newPerson();
  await invitee.goto(link);
  await hydrated(invitee);
  await expect(invitee.getByRole('heading', { name: `Join ${orgName}` })).toBeVisible();
  await expect(invitee.getByText('Needs the deploy logs')).toBeVisible();
  await invitee.getByRole('link', { name: 'Create an account' }).click();
  await expect(invitee.getByLabel('Email')).toHaveValue(bob);
  await invitee.getByLabel('Name').fill('Bob Builder');
  await invitee.getByLabel('Password').fill(PASSWORD);
  await invitee.getByRole('button', { name: 'Create account' }).click();
  // Back on the same invitation, now signed in.
  await expect(invitee).toHaveURL(new RegExp(link.replace(/[-/]/g, '\\$&') + '$'));
  await invitee.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(invitee.getByRole('heading', { level: 1, name: orgName })).toBeVisible();
  await expect(invitee.getByText('Your role')).toBeVisible();
  await expect(invitee.locator('.card-figure').first()).toHaveText('Admin');
  // The emailed link verified the address: no reminder.
  await expect(invitee.getByText('Confirm your email address')).toHaveCount(0);

  await page.goto(`${base}/members`);
  await hydrated(page);
  const row = page.getByRole('row', { name: /Bob Builder/ });
  await expect(row).toContainText(bob);
  await expect(row).toContainText('Admin');
  await page.goto(`${base}/invitations`);
  await hydrated(page);
  await expect(page.getByRole('row', { name: new RegExp(bob) })).toContainText('Accepted');
  // Why they needed access stays on record for the admins.
  await expect(page.getByRole('row', { name: new RegExp(bob) })).toContainText('Why: Needs the deploy logs');
});

test('the invitee declines; the admin sees it', async ({ page, newPerson }) => {
  const { orgName, base } = await ownerWithOrg(page, 'Decline Co');
  const carol = uniqueEmail('carol');
  await invite(page, base, carol);
  const link = linkIn(await waitForMail(carol, 'invited you'), '/invite/');
  const invitee = await newPerson();
  await invitee.goto(link);
  await hydrated(invitee);
  await invitee.getByRole('button', { name: 'Decline' }).click();
  await invitee.getByRole('button', { name: 'Yes, decline' }).click();
  await expect(invitee.getByRole('heading', { name: 'Invitation declined' })).toBeVisible();
  await expect(invitee.getByRole('status').filter({
    hasText: `You declined the invitation to ${orgName}. We let them know nothing else about you.`,
  })).toBeVisible();
  await invitee.goto(link);
  await hydrated(invitee);
  await expect(invitee.getByRole('heading', { name: 'Invitation declined' })).toBeVisible();
  await expect(invitee.getByText(`ask an admin of ${orgName} to invite you again`)).toBeVisible();

  await page.goto(`${base}/invitations`);
  await hydrated(page);
  await page.getByLabel('Status').selectOption('pending');
  await expect(page.getByText('No invitations with this status.')).toBeVisible();
  await page.getByLabel('Status').selectOption('declined');
  await expect(page.getByRole('row', { name: new RegExp(carol) })).toContainText('Declined');
});

test('revoke kills the link; resend replaces it', async ({ page, newPerson }) => {
  const { base } = await ownerWithOrg(page, 'Revoke Ltd');
  const dan = uniqueEmail('dan');
  const erin = uniqueEmail('erin');
  await invite(page, base, dan);
  await invite(page, base, erin);
  const danLink = linkIn(await waitForMail(dan, 'invited you'), '/invite/');
  const erinOld = linkIn(await waitForMail(erin, 'invited you'), '/invite/');

  await page.goto(`${base}/invitations`);
  await hydrated(page);
  await page.getByRole('button', { name: `Revoke invitation to ${dan}` }).click();
  const confirm = page.getByRole('dialog', { name: 'Revoke invitation?' });
  await expect(confirm).toContainText(dan);
  await confirm.getByRole('button', { name: 'Revoke invitation' }).click();
  await expect(page.getByRole('row', { name: new RegExp(dan) })).toContainText('Revoked');

  await page.getByRole('button', { name: `Resend invitation to ${erin}` }).click();
  await expect(page.getByText(`Sent again to ${erin}`)).toBeVisible();
  const erinNew = linkIn(await waitForMail(erin, 'invited you', 2), '/invite/');
  expect(erinNew).not.toEqual(erinOld);
  await expect(page.getByLabel('Invitation link')).toHaveValue(/\/invite\/[A-Za-z0-9_-]{43}$/);

  const visitor = await newPerson();
  await visitor.goto(danLink);
  await hydrated(visitor);
  await expect(visitor.getByRole('heading', { name: 'Invitation withdrawn' })).toBeVisible();
  await visitor.goto(erinOld);
  await hydrated(visitor);
  await expect(visitor.getByRole('heading', { name: 'This link was replaced' })).toBeVisible();
  await visitor.goto(erinNew);
  await hydrated(visitor);
  await expect(visitor.getByRole('heading', { name: /^Join / })).toBeVisible();
  await visitor.goto('/invite/not-a-real-token');
  await hydrated(visitor);
  await expect(visitor.getByRole('heading', { name: 'This invitation link is not valid' })).toBeVisible();
});

test('duplicate and seat-limit errors are shown in the dialog', async ({ page }) => {
  const { base } = await ownerWithOrg(page, 'Seats Inc');
  const frank = uniqueEmail('frank');
  let dialog = await invite(page, base, frank);
  await expect(dialog.getByText(`Invitation sent to ${frank}`)).toBeVisible();
  await dialog.getByRole('button', { name: 'Invite someone else' }).click();
  await dialog.getByLabel('Email address').fill(frank);
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  await expect(dialog.getByRole('alert')).toContainText(`${frank} already has a pending invitation`);
  await expect(dialog.getByRole('button', { name: 'Resend invitation' })).toBeVisible();
  await dialog.getByRole('button', { name: 'Revoke invitation' }).click();
  await expect(dialog.getByText('The pending invitation was revoked')).toBeVisible();
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  await expect(dialog.getByText(`Invitation sent to ${frank}`)).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  // Owner + one pending invitation fill two seats.
  await page.goto(`${base}/settings`);
  await hydrated(page);
  await expect(page.getByRole('status').filter({ hasText: 'seats used' })).toHaveText('2 of 10 seats used (1 pending invitation)');
  await page.getByLabel('Seat limit').fill('1');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('2 seats are in use')).toBeVisible();
  await page.getByLabel('Seat limit').fill('2');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Settings saved.')).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'seats used' })).toHaveText('2 of 2 seats used (1 pending invitation)');

  dialog = await invite(page, base, uniqueEmail('gina'));
  await expect(dialog.getByRole('alert')).toContainText('2 of 2 seats used');
  await dialog.getByLabel('Email address').fill('not an email');
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  await expect(dialog.getByText('Enter an email address like name@example.com.')).toBeVisible();
});

test('signed in as someone else: the invitation says so and is not used up', async ({ page }) => {
  const { base } = await ownerWithOrg(page, 'Mismatch Org');
  const hank = uniqueEmail('hank');
  await invite(page, base, hank);
  const link = linkIn(await waitForMail(hank, 'invited you'), '/invite/');
  // The owner (a different account) opens Hank's link.
  await page.goto(link);
  await hydrated(page);
  await expect(page.getByRole('alert')).toContainText(`This invitation is for ${hank}, you are signed in as`);
  await expect(page.getByRole('button', { name: `Switch to ${hank}` })).toBeVisible();
  await page.goto(`${base}/invitations`);
  await hydrated(page);
  await expect(page.getByRole('row', { name: new RegExp(hank) })).toContainText('Pending');
});
