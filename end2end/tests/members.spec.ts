import { expect, test } from './support/fixtures';
import { memberAction } from './support/members';
import { uniqueEmail, hydrated } from './support/accounts';
import { inviteAndJoin, ownerWithOrg } from './support/invitations';
import { waitForMail } from './support/mail';

test('admin searches, changes a role and removes a member, who loses the organization at once', async ({ page, newPerson }) => {
  const { orgName, base } = await ownerWithOrg(page, 'Members Co');
  const bob = uniqueEmail('bob');
  const carol = uniqueEmail('carol');
  const bobPage = await inviteAndJoin(page, newPerson, base, 'Bob Baker', bob);
  const carolPage = await inviteAndJoin(page, newPerson, base, 'Carol Cook', carol);

  await page.goto(`${base}/members`);
  await hydrated(page);
  await expect(page.getByText('3 of 10 seats used')).toBeVisible();
  // The list follows typing: no Enter needed.
  await page.getByLabel('Search members').fill('carol');
  await expect(page.getByRole('row', { name: /Carol Cook/ })).toBeVisible();
  await expect(page.getByRole('row', { name: /Bob Baker/ })).toHaveCount(0);
  await page.getByLabel('Search members').fill('');
  await expect(page.getByRole('row', { name: /Bob Baker/ })).toBeVisible();

  // Change Bob's role to Admin.
  await memberAction(page, 'Bob Baker', 'Change role of');
  const edit = page.getByRole('dialog', { name: 'Change role of Bob Baker' });
  await edit.getByLabel('Role').selectOption({ label: 'Admin' });
  await edit.getByRole('button', { name: 'Save role' }).click();
  await expect(edit).toBeHidden();
  await expect(page.getByRole('row', { name: /Bob Baker/ })).toContainText('Admin');
  await page.getByLabel('Role filter').selectOption({ label: 'Admin' });
  await expect(page.getByRole('row', { name: /Bob Baker/ })).toBeVisible();
  await expect(page.getByRole('row', { name: /Carol Cook/ })).toHaveCount(0);
  await page.getByLabel('Role filter').selectOption({ label: 'All roles' });

  // Remove Carol, also from all projects; her open console is sent away.
  await expect(carolPage.getByRole('heading', { level: 1, name: orgName })).toBeVisible();
  await memberAction(page, 'Carol Cook', 'Remove');
  const confirm = page.getByRole('dialog', { name: 'Remove Carol Cook?' });
  await expect(confirm).toContainText(carol);
  await confirm.getByLabel('Also remove them from all projects in this organization').check();
  await confirm.getByRole('button', { name: 'Remove member' }).click();
  await expect(confirm).toBeHidden();
  await expect(page.getByRole('row', { name: /Carol Cook/ })).toHaveCount(0);
  await expect(carolPage).not.toHaveURL(new RegExp(base), { timeout: 15_000 });
  await carolPage.goto(base);
  await hydrated(carolPage);
  await expect(carolPage.getByRole('heading', { name: 'Organization not found' })).toBeVisible();

  const mail = await waitForMail(carol, `You were removed from ${orgName}`);
  expect(mail.text).toContain('no longer have access');

  // Bob's new role shows on his next request.
  await bobPage.goto(base);
  await hydrated(bobPage);
  await expect(bobPage.locator('.card-figure').first()).toHaveText('Admin');

  await page.goto(`${base}/activity`);
  await hydrated(page);
  await page.getByLabel('Action').selectOption({ label: 'Member removed' });
  // Events read as sentences, naming people rather than codes and addresses.
  const removal = page.getByRole('row').filter({ hasText: 'removed Carol Cook' });
  await expect(removal).toContainText(/removed from 0 project\(s\), \d grant\(s\) and 0 team\(s\)/);
  await expect(page.getByRole('row').filter({ hasText: ' invited ' })).toHaveCount(0);
  await expect(page.getByRole('table', { name: 'Activity' })).not.toContainText('member.removed');
  await expect(page.getByLabel('Activity').locator('xpath=ancestor::*[@aria-busy]')).toHaveAttribute('aria-busy', 'false');
});

test('nobody removes themselves, and the last owner cannot leave', async ({ page }) => {
  const { base } = await ownerWithOrg(page, 'Solo Org');
  await page.goto(`${base}/members`);
  await hydrated(page);
  // One's own row says so and offers no Remove (the server refuses it too); leaving is refused for the last owner.
  await expect(page.getByRole('row', { name: /Olivia Owner \(you\)/ })).toBeVisible();
  await page.getByRole('button', { name: 'Actions for Olivia Owner' }).click();
  await expect(page.getByRole('button', { name: 'Teams of Olivia Owner' })).toBeVisible();
  await expect(page.getByRole('button', { name: /^Remove Olivia/ })).toHaveCount(0);
  await page.getByRole('button', { name: 'Leave organization' }).click();
  await page.getByRole('dialog', { name: /^Leave / }).getByRole('button', { name: 'Leave organization' }).click();
  await expect(page.getByRole('alert')).toContainText('You are the last owner');
});
