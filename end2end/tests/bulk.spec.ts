import { expect, test } from './support/fixtures';
import { hydrated, uniqueEmail } from './support/accounts';
import { ownerWithOrg } from './support/invitations';
import { waitForMail } from './support/mail';

test('invite many: paste 20 addresses (3 bad), check, send; the Invitations tab lists 17 pending', async ({ page }) => {
  const { orgName, base } = await ownerWithOrg(page, 'Bulk Co');
  // The default limit of 10 seats would stop the batch: raise it first.
  await page.goto(`${base}/settings`);
  await hydrated(page);
  await page.getByLabel('Seat limit').fill('50');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Settings saved.')).toBeVisible();

  const good = Array.from({ length: 17 }, (_, i) => uniqueEmail(`bulk${i}`));
  const bad = ['not-an-address', 'someone@', '@example.com'];
  // One per line, then commas and semicolons, the bad ones among them.
  const pasted = [
    good.slice(0, 8).join('\n'),
    bad[0],
    good.slice(8, 12).join(', '),
    bad[1],
    good.slice(12).join('; '),
    bad[2],
  ].join('\n');

  await page.goto(`${base}/members`);
  await hydrated(page);
  await page.getByRole('button', { name: 'Invite many' }).click();
  const dialog = page.getByRole('dialog', { name: `Invite many people to ${orgName}` });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('Upload CSV')).toBeVisible();
  await dialog.getByLabel('Addresses').fill(pasted);
  await expect(dialog.getByLabel('Default role')).toHaveValue('member');
  await dialog.getByRole('button', { name: 'Check' }).click();

  const checked = dialog.getByRole('table', { name: 'Check: 17 of 20 rows will be invited' });
  await expect(checked).toBeVisible();
  await expect(checked.getByRole('row', { name: new RegExp(good[0]) })).toContainText('Will invite');
  for (const address of bad) {
    await expect(checked.getByRole('row').filter({ has: page.getByRole('rowheader', { name: address, exact: true }) })).toContainText('Invalid');
  }
  await expect(checked.getByRole('row').filter({ hasText: 'Invalid' })).toHaveCount(3);

  await dialog.getByRole('button', { name: 'Send 17 invitations' }).click();
  const sent = dialog.getByRole('table', { name: '17 invitations sent' });
  await expect(sent).toBeVisible();
  await expect(sent.getByRole('row').filter({ hasText: 'Invited' })).toHaveCount(17);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(dialog).toBeHidden();

  await waitForMail(good[16], `invited you to join ${orgName}`);
  await page.goto(`${base}/invitations`);
  await hydrated(page);
  await expect(page.getByRole('row').filter({ hasText: 'Pending' })).toHaveCount(17);
});

test('the Invitations tab pages through 55 invitations, 50 at a time, losing and repeating none', async ({ page }) => {
  const { orgName, base } = await ownerWithOrg(page, 'Paging Co');
  await page.goto(`${base}/settings`);
  await hydrated(page);
  await page.getByLabel('Seat limit').fill('60');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Settings saved.')).toBeVisible();

  const addresses = Array.from({ length: 55 }, (_, i) => uniqueEmail(`page${i}`));
  await page.goto(`${base}/members`);
  await hydrated(page);
  await page.getByRole('button', { name: 'Invite many' }).click();
  const dialog = page.getByRole('dialog', { name: `Invite many people to ${orgName}` });
  await dialog.getByLabel('Addresses').fill(addresses.join('\n'));
  await dialog.getByRole('button', { name: 'Check' }).click();
  await dialog.getByRole('button', { name: 'Send 55 invitations' }).click();
  await expect(dialog.getByRole('table', { name: '55 invitations sent' })).toBeVisible();
  await dialog.getByRole('button', { name: 'Done' }).click();

  await page.goto(`${base}/invitations`);
  await hydrated(page);
  const pages = page.getByRole('navigation', { name: 'Invitation pages' });
  const table = page.getByRole('table', { name: 'Invitations' });
  const shown = async () => (await table.getByRole('row').filter({ hasText: 'Pending' }).allInnerTexts())
    .map((text) => addresses.find((a) => text.includes(a)));
  await expect(pages).toContainText('Invitations 1–50');
  await expect(pages.getByRole('button', { name: 'Newer invitations' })).toBeDisabled();
  const first = await shown();
  expect(first).toHaveLength(50);

  await pages.getByRole('button', { name: 'Older invitations' }).click();
  await expect(pages).toContainText('Invitations 51–55');
  await expect(pages.getByRole('button', { name: 'Older invitations' })).toBeDisabled();
  const second = await shown();
  expect(second).toHaveLength(5);
  expect(new Set([...first, ...second])).toEqual(new Set(addresses));

  await pages.getByRole('button', { name: 'Newer invitations' }).click();
  await expect(pages).toContainText('Invitations 1–50');
  await pages.getByRole('button', { name: 'Older invitations' }).click();
  await expect(pages).toContainText('Invitations 51–55');
  // Another status starts again from its newest page.
  await page.getByLabel('Status').selectOption('pending');
  await expect(pages).toContainText('Invitations 1–50');
});
