import { expect, test } from '@playwright/test';
import { PASSWORD, uniqueEmail, hydrated } from './support/accounts';
import { inviteAndJoin, ownerWithOrg } from './support/invitations';
import { linkIn, waitForMail } from './support/mail';

test('invite with a team and custom permissions; the new member sees exactly the team’s projects', async ({ page, browser }) => {
  const { base } = await ownerWithOrg(page, 'Access Works');
  await page.goto(`${base}/projects`);
  await hydrated(page);
  for (const name of ['Alpha', 'Beta']) {
    await page.getByLabel('New project name').fill(name);
    await page.getByRole('button', { name: 'Create project' }).click();
    await expect(page.getByRole('heading', { name })).toBeVisible();
  }
  await page.goto(`${base}/teams`);
  await hydrated(page);
  await page.getByLabel('New team name').fill('Platform');
  await page.getByRole('button', { name: 'Create team' }).click();
  const team = page.getByRole('region', { name: 'Team Platform' });
  await expect(team).toBeVisible();
  await team.getByLabel('Give access to project').selectOption({ label: 'Beta' });
  await team.getByRole('button', { name: 'Give access' }).click();
  await expect(team).toContainText('Projects: Beta');

  const dev = uniqueEmail('dev');
  await page.goto(`${base}/members`);
  await hydrated(page);
  await page.getByRole('button', { name: 'Invite member' }).click();
  const dialog = page.getByRole('dialog', { name: 'Invite member' });
  await dialog.getByLabel('Email address').fill(dev);
  await dialog.getByLabel('Platform').check();
  await expect(dialog.getByLabel('Logs: view')).toBeChecked();
  await dialog.getByLabel('Databases: view').check();
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  await expect(dialog.getByText(`Invitation sent to ${dev}`)).toBeVisible();

  const link = linkIn(await waitForMail(dev, 'invited you'), '/invite/');
  const devPage = await (await browser.newContext()).newPage();
  await devPage.goto(link);
  await hydrated(devPage);
  const offer = devPage.getByRole('region', { name: 'What you will get' });
  await expect(offer).toContainText('Teams: Platform');
  await expect(offer).toContainText('Databases: view');
  await devPage.getByRole('link', { name: 'Create an account' }).click();
  await devPage.getByLabel('Name').fill('Dev Eloper');
  await devPage.getByLabel('Password').fill(PASSWORD);
  await devPage.getByRole('button', { name: 'Create account' }).click();
  await devPage.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(devPage).toHaveURL(new RegExp(`${base}$`));
  await devPage.goto(`${base}/projects`);
  await hydrated(devPage);
  await expect(devPage.getByRole('heading', { name: 'Beta' })).toBeVisible();
  await expect(devPage.getByRole('heading', { name: 'Alpha' })).toHaveCount(0);
  await devPage.getByRole('button', { name: 'Who has access to Beta' }).click();
  await expect(devPage.getByRole('row', { name: /Dev Eloper/ })).toContainText('Team Platform');

  await page.goto(`${base}/members`);
  await hydrated(page);
  await expect(page.getByRole('row', { name: /Dev Eloper/ })).toContainText('Platform');

  await page.goto(`${base}/teams`);
  await hydrated(page);
  const platform = page.getByRole('region', { name: 'Team Platform' });
  await expect(platform).toContainText('Dev Eloper');
  await platform.getByRole('button', { name: 'Rename team' }).click();
  await platform.getByLabel('Team name').fill('Platform Crew');
  await platform.getByRole('button', { name: 'Save name' }).click();
  await expect(page.getByRole('region', { name: 'Team Platform Crew' })).toContainText('Projects: Beta');
  await page.getByLabel('New team name').fill('Ops');
  await page.getByRole('button', { name: 'Create team' }).click();
  await expect(page.getByRole('region', { name: 'Team Ops' })).toBeVisible();

  // From the member's row: join Ops, leave Platform Crew.
  await page.goto(`${base}/members`);
  await hydrated(page);
  await page.getByRole('button', { name: 'Teams of Dev Eloper' }).click();
  const teams = page.getByRole('dialog', { name: 'Teams of Dev Eloper' });
  await teams.getByLabel('Ops').check();
  await expect(page.getByRole('row', { name: /Dev Eloper/ })).toContainText('Ops');
  await teams.getByLabel('Platform Crew').uncheck();
  await expect(page.getByRole('row', { name: /Dev Eloper/ })).not.toContainText('Platform Crew');
  await teams.getByRole('button', { name: 'Done' }).click();
  await expect(teams).toBeHidden();

  // A direct project grant: Dev now sees Alpha too, "Granted directly".
  await page.goto(`${base}/projects`);
  await hydrated(page);
  const alpha = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Alpha' }) });
  await alpha.getByLabel('Give a member access (email)').fill(dev);
  await alpha.getByRole('button', { name: 'Give access' }).click();
  await expect(alpha.getByRole('row', { name: /Dev Eloper/ })).toContainText('Granted directly');
  await devPage.goto(`${base}/projects`);
  await hydrated(devPage);
  await expect(devPage.getByRole('heading', { name: 'Alpha' })).toBeVisible();
});

test('an admin without members:invite has no invite button and a forged call is refused', async ({ page, browser }) => {
  const { base } = await ownerWithOrg(page, 'Narrow Admin');
  const bob = uniqueEmail('bob');
  const bobPage = await inviteAndJoin(page, browser, base, 'Bob Narrow', bob, 'Admin');
  await bobPage.goto(`${base}/members`);
  await hydrated(bobPage);
  await expect(bobPage.getByRole('button', { name: 'Invite member' })).toBeVisible();

  await page.goto(`${base}/members`);
  await hydrated(page);
  await page.getByRole('button', { name: 'Permissions of Bob Narrow' }).click();
  const editor = page.getByRole('dialog', { name: 'Permissions of Bob Narrow' });
  await expect(editor.getByLabel('Members: invite people')).toBeChecked();
  await editor.getByLabel('Members: invite people').uncheck();
  await editor.getByRole('button', { name: 'Save permissions' }).click();
  await expect(editor).toBeHidden();

  await bobPage.reload();
  await hydrated(bobPage);
  await expect(bobPage.getByRole('heading', { name: 'Members' })).toBeVisible();
  await expect(bobPage.getByRole('row', { name: /Bob Narrow/ })).toBeVisible();
  await expect(bobPage.getByRole('button', { name: 'Invite member' })).toHaveCount(0);
  const slug = base.split('/')[2];
  const forged = await bobPage.request.post('/api/create_invitation', {
    form: { slug, email: uniqueEmail('sneaky'), role: 'member', note: '', notify_email: '', teams: '', permissions: '' },
  });
  expect(forged.status()).toBe(403);
  expect(await forged.text()).toContain('Members: invite people');
});
