import { expect, test } from './support/fixtures';
import { onboard, signUpVerified, uniqueEmail, hydrated } from './support/accounts';
import { invite, ownerWithOrg } from './support/invitations';

test('an existing user sees the badge appear without reload and accepts from the bell', async ({ page, newPerson }) => {
  const { orgName, base } = await ownerWithOrg(page, 'Bell Labs');
  const bob = uniqueEmail('bob');
  const bobPage = await newPerson();
  await signUpVerified(bobPage, 'Bob Bell', bob);
  await bobPage.goto('/');
  await hydrated(bobPage);
  await onboard(bobPage, `Bob Own ${Date.now()}`);
  const bell = bobPage.getByRole('button', { name: /^Notifications/ });
  await expect(bell).toHaveAccessibleName('Notifications');

  const started = Date.now();
  await invite(page, base, bob, 'Admin');
  // No reload: the badge polls.
  await expect(bell).toHaveAccessibleName('Notifications (1 open)', { timeout: 20_000 });
  console.log(`badge appeared ${Date.now() - started} ms after the invite was sent`);
  await expect(bobPage.getByTestId('bell-badge')).toHaveText('1');

  await bell.click();
  const panel = bobPage.getByRole('region', { name: 'Notifications panel' });
  await expect(panel).toContainText(`invited you to join ${orgName} as Admin`);
  await panel.getByRole('button', { name: `Accept invitation to ${orgName}` }).click();
  await expect(bobPage.getByRole('heading', { level: 1, name: orgName })).toBeVisible();
  const selector = bobPage.getByLabel('Organization', { exact: true });
  await expect(selector.locator('option', { hasText: orgName })).toHaveCount(1);
  await expect(selector).toHaveValue(new URL(base, 'http://x').pathname.split('/')[2]);
});

test('a user declines from the dashboard prompt and the inviter is told in the bell', async ({ page, newPerson }) => {
  const { orgName, base } = await ownerWithOrg(page, 'Prompt Corp');
  const carol = uniqueEmail('carol');
  const carolPage = await newPerson();
  await signUpVerified(carolPage, 'Carol Prompt', carol);
  await carolPage.goto('/');
  await hydrated(carolPage);
  await onboard(carolPage, `Carol Own ${Date.now()}`);

  const dialog = await invite(page, base, carol);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await carolPage.reload();
  await hydrated(carolPage);
  const prompt = carolPage.getByRole('region', { name: 'You have invitations' });
  await expect(prompt).toContainText(`invited you to join ${orgName}`);
  await prompt.getByRole('button', { name: `Decline invitation to ${orgName}` }).click();
  await prompt.getByRole('button', { name: 'Yes, decline' }).click();
  await expect(carolPage.getByRole('region', { name: 'You have invitations' })).toHaveCount(0);

  const bell = page.getByRole('button', { name: /^Notifications/ });
  await expect(bell).toHaveAccessibleName(/Notifications \(\d+ open\)/, { timeout: 20_000 });
  await bell.click();
  const panel = page.getByRole('region', { name: 'Notifications panel' });
  // Notices name people, not addresses.
  await expect(panel).toContainText(`Carol Prompt declined your invitation to ${orgName}.`);
  await panel.getByRole('button', { name: 'Mark all as read' }).click();
  await expect(bell).toHaveAccessibleName('Notifications');
});

test('a new member with no projects is told why and who the admins are', async ({ page, newPerson }) => {
  const { base } = await ownerWithOrg(page, 'Empty Projects');
  const dave = uniqueEmail('dave');
  const davePage = await newPerson();
  await signUpVerified(davePage, 'Dave Empty', dave);
  await invite(page, base, dave);
  await davePage.goto('/onboarding');
  await hydrated(davePage);
  const prompt = davePage.getByRole('region', { name: 'You have invitations' });
  await prompt.getByRole('button', { name: /^Accept invitation to/ }).click();
  const explanation = davePage.getByRole('region', { name: 'No projects to show' });
  await expect(explanation).toContainText('This organization has no projects yet.');
  await expect(explanation).toContainText('Olivia Owner');
});
