import { expect, test } from './support/fixtures';
import { hydrated } from './support/accounts';
import { ownerWithOrg } from './support/invitations';

test('owner creates an API key, sees it once, uses it from a script and revokes it', async ({ page }) => {
  const { orgName, base } = await ownerWithOrg(page, 'Keys Co');
  const slug = base.split('/').pop();

  await page.goto(`${base}/settings`);
  await hydrated(page);
  await page.getByLabel('Key name').fill('Onboarding script');
  await page.getByLabel('invitations:read').check();
  await page.getByLabel('Expires after').selectOption({ label: '30 days' });
  await page.getByRole('button', { name: 'Create API key' }).click();
  await expect(page.getByText('API key Onboarding script created. Copy it now: it is not shown again.')).toBeVisible();
  const secret = await page.getByLabel('API key', { exact: true }).inputValue();
  expect(secret).toMatch(/^ghk_[0-9A-Za-z]{38}$/);

  // A script reads the organization with it.
  const headers = { Authorization: `Bearer ${secret}` };
  const org = await page.request.get(`/api/v1/orgs/${slug}`, { headers });
  expect(org.status()).toBe(200);
  expect((await org.json()).name).toBe(orgName);

  // Shown once: after a reload only its last four characters remain.
  await page.reload();
  await hydrated(page);
  const row = page.getByRole('row', { name: /Onboarding script/ });
  await expect(row).toContainText(`ghk_…${secret.slice(-4)}`);
  await expect(page.getByText(secret)).toHaveCount(0);

  await page.getByRole('button', { name: 'Revoke API key Onboarding script' }).click();
  await expect(row).toContainText('Revoked');
  const refused = await page.request.get(`/api/v1/orgs/${slug}`, { headers });
  expect(refused.status()).toBe(401);
  expect(refused.headers()['content-type']).toBe('application/problem+json');
});
