import { expect, test } from './support/fixtures';
import { memberAction } from './support/members';
import { PASSWORD, signUp, uniqueEmail, hydrated } from './support/accounts';
import { invite, inviteAndJoin, ownerWithOrg } from './support/invitations';
import { linkIn, waitForMail } from './support/mail';

test('invite with a team and custom permissions; the new member sees exactly the team’s projects', async ({ page, newPerson }) => {
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
  await team.getByLabel('Permission', { exact: true }).selectOption({ label: 'Projects: view' });
  await team.getByLabel('Where').selectOption({ label: 'Project Beta' });
  await team.getByRole('button', { name: 'Give permission' }).click();
  await expect(team.getByRole('list', { name: 'Permissions of Platform' })).toContainText('Projects: view on Beta');

  const dev = uniqueEmail('dev');
  await page.goto(`${base}/members`);
  await hydrated(page);
  await page.getByRole('button', { name: 'Invite member' }).click();
  const dialog = page.getByRole('dialog', { name: 'Invite member' });
  await dialog.getByLabel('Email address').fill(dev);
  await dialog.getByLabel('Platform').check();
  // The permission picker folds away so the dialog fits the window.
  await expect(dialog.getByLabel('Logs: view')).toBeHidden();
  await dialog.getByRole('button', { name: 'Customize permissions' }).click();
  await expect(dialog.getByLabel('Logs: view')).toBeChecked();
  await dialog.getByLabel('Databases: view').check();
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  await expect(dialog.getByText(`Invitation sent to ${dev}`)).toBeVisible();

  const link = linkIn(await waitForMail(dev, 'invited you'), '/invite/');
  const devPage = await newPerson();
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
  // Without members:view Dev sees names, never addresses: here and in the members directory.
  await expect(devPage.getByRole('table', { name: 'Access to Beta' })).not.toContainText('@');
  await devPage.goto(`${base}/members`);
  await hydrated(devPage);
  const directory = devPage.getByRole('table', { name: 'Members' });
  await expect(directory.getByRole('row', { name: /Olivia Owner/ })).toBeVisible();
  await expect(directory.getByRole('row', { name: /Dev Eloper/ })).toContainText('Platform');
  await expect(directory).not.toContainText('@');
  await expect(directory.getByRole('columnheader', { name: 'Email' })).toHaveCount(0);
  await expect(devPage.getByLabel('Role filter')).toHaveCount(0);
  await devPage.goto(`${base}/teams`);
  await hydrated(devPage);
  const devsTeam = devPage.getByRole('region', { name: 'Team Platform' });
  await expect(devsTeam).toContainText('Dev Eloper');
  await expect(devsTeam).not.toContainText('@');
  await expect(devsTeam).not.toContainText('Projects: view');

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
  await expect(page.getByRole('region', { name: 'Team Platform Crew' })).toContainText('Projects: view on Beta');
  await page.getByLabel('New team name').fill('Ops');
  await page.getByRole('button', { name: 'Create team' }).click();
  await expect(page.getByRole('region', { name: 'Team Ops' })).toBeVisible();

  // From the member's row: join Ops, leave Platform Crew.
  await page.goto(`${base}/members`);
  await hydrated(page);
  await memberAction(page, 'Dev Eloper', 'Teams of');
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

test('an admin narrowed while their console is open loses the invite button without a reload; a forged call is refused', async ({ page, newPerson }) => {
  const { base } = await ownerWithOrg(page, 'Narrow Admin');
  const bob = uniqueEmail('bob');
  const bobPage = await inviteAndJoin(page, newPerson, base, 'Bob Narrow', bob, 'Admin');
  await bobPage.goto(`${base}/members`);
  await hydrated(bobPage);
  await expect(bobPage.getByRole('button', { name: 'Invite member' })).toBeVisible();

  await page.goto(`${base}/members`);
  await hydrated(page);
  await expect(bobPage.getByRole('columnheader', { name: 'Actions' })).toBeVisible();
  await memberAction(page, 'Bob Narrow', 'Permissions of');
  const editor = page.getByRole('dialog', { name: 'Permissions of Bob Narrow' });
  await expect(editor.getByLabel('Members: invite people')).toBeChecked();
  await editor.getByLabel('Members: invite people').uncheck();
  await editor.getByLabel('Members: manage').uncheck();
  await editor.getByRole('button', { name: 'Save permissions' }).click();
  await expect(editor).toBeHidden();

  // Still an admin, but Bob's open console (not reloaded) soon offers neither inviting nor managing members.
  await expect(bobPage.getByRole('button', { name: 'Invite member' })).toHaveCount(0);
  await expect(bobPage.getByRole('heading', { name: 'Members' })).toBeVisible();
  await expect(bobPage.getByRole('row', { name: /Bob Narrow/ })).toContainText('Admin');
  await expect(bobPage.getByRole('button', { name: 'Invite member' })).toHaveCount(0);
  await expect(bobPage.getByRole('columnheader', { name: 'Actions' })).toHaveCount(0);
  await expect(bobPage.getByRole('button', { name: /^Change role of/ })).toHaveCount(0);
  await bobPage.goto(`${base}/teams`);
  await hydrated(bobPage);
  await expect(bobPage.getByRole('heading', { name: 'Teams' })).toBeVisible();
  await expect(bobPage.getByLabel('New team name')).toHaveCount(0);
  const slug = base.split('/')[2];
  const forged = await bobPage.request.post('/api/create_invitation', {
    data: {
      slug,
      request: { email: uniqueEmail('sneaky'), role: 'member', note: '', notify_email: '', teams: [], permissions: [] },
    },
  });
  expect(forged.status()).toBe(403);
  expect(await forged.text()).toContain('Members: invite people');
});

test('a team gives a permission org-wide; the editor locks it with the reason, and grants per project', async ({ page, newPerson }) => {
  const { base } = await ownerWithOrg(page, 'Scoped Access');
  await page.goto(`${base}/projects`);
  await hydrated(page);
  await page.getByLabel('New project name').fill('Alpha');
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByRole('heading', { name: 'Alpha' })).toBeVisible();
  const dev = uniqueEmail('dev');
  const devPage = await inviteAndJoin(page, newPerson, base, 'Dana Dev', dev);

  await page.goto(`${base}/teams`);
  await hydrated(page);
  await page.getByLabel('New team name').fill('Ops');
  await page.getByRole('button', { name: 'Create team' }).click();
  const ops = page.getByRole('region', { name: 'Team Ops' });
  await ops.getByLabel('Permission', { exact: true }).selectOption({ label: 'Databases: view' });
  await ops.getByLabel('Where').selectOption({ label: 'Whole organization' });
  await ops.getByRole('button', { name: 'Give permission' }).click();
  await expect(ops.getByRole('list', { name: 'Permissions of Ops' })).toContainText('Databases: view, whole organization');
  await ops.getByLabel('Add member by email').fill(dev);
  await ops.getByRole('button', { name: 'Add to team' }).click();
  await expect(ops.getByRole('list', { name: 'Members of Ops' })).toContainText('Dana Dev');
  // Billing cannot be given on one project: the server says why.
  await ops.getByLabel('Permission', { exact: true }).selectOption({ label: 'Billing: view' });
  await ops.getByLabel('Where').selectOption({ label: 'Project Alpha' });
  await ops.getByRole('button', { name: 'Give permission' }).click();
  await expect(ops.getByRole('alert')).toContainText('applies to the whole organization');

  // The editor shows the team's permission as held, locked, with its reason.
  await page.goto(`${base}/members`);
  await hydrated(page);
  await memberAction(page, 'Dana Dev', 'Permissions of');
  const editor = page.getByRole('dialog', { name: 'Permissions of Dana Dev' });
  const databases = editor.getByRole('checkbox', { name: /^Databases: view/ });
  await expect(databases).toBeChecked();
  await expect(databases).toBeDisabled();
  await expect(editor).toContainText('from team Ops');

  // A grant on one project changes nothing Dana's console offers: her open page checks
  // (my_permissions) when the heartbeat reports the change, but is not rebuilt (no organization reload).
  await devPage.goto(base);
  await hydrated(devPage);
  const rebuilt: string[] = [];
  devPage.on('request', (r) => { if (r.url().includes('/api/organization')) rebuilt.push(r.url()); });
  const checked = devPage.waitForResponse((r) => r.url().includes('/api/my_permissions'));

  // Per project: Dana may see Alpha, and nothing org-wide-only is offered there.
  await editor.getByLabel('Where').selectOption({ label: 'Project Alpha' });
  await expect(editor.getByRole('checkbox', { name: /^Billing/ })).toHaveCount(0);
  await expect(editor.getByRole('checkbox', { name: /^Databases: view/ })).toBeDisabled();
  await editor.getByRole('checkbox', { name: /^Projects: view/ }).check();
  await editor.getByRole('button', { name: 'Save permissions' }).click();
  await expect(editor).toBeHidden();
  await checked;
  await devPage.waitForRequest((r) => r.url().includes('/api/heartbeat'));
  expect(rebuilt).toEqual([]);
  await devPage.goto(`${base}/projects`);
  await hydrated(devPage);
  await expect(devPage.getByRole('heading', { name: 'Alpha' })).toBeVisible();

  // Taking the permission from the team unlocks it in the editor.
  await page.goto(`${base}/teams`);
  await hydrated(page);
  await page.getByRole('button', { name: 'Take Databases: view, whole organization from Ops' }).click();
  await expect(page.getByRole('list', { name: 'Permissions of Ops' })).not.toContainText('Databases: view');
  await page.goto(`${base}/members`);
  await hydrated(page);
  await memberAction(page, 'Dana Dev', 'Permissions of');
  const unlocked = page.getByRole('dialog', { name: 'Permissions of Dana Dev' }).getByRole('checkbox', { name: /^Databases: view/ });
  await expect(unlocked).not.toBeChecked();
  await expect(unlocked).toBeEnabled();
});

test('a member given members:invite invites, and follows up on their own invitations only', async ({ page, newPerson }) => {
  const { base } = await ownerWithOrg(page, 'Delegated');
  const lee = uniqueEmail('lee');
  const leePage = await inviteAndJoin(page, newPerson, base, 'Lee Lead', lee);
  await leePage.goto(`${base}/invitations`);
  await hydrated(leePage);
  await expect(leePage.getByRole('alert')).toContainText('Members: invite people');

  const theirs = uniqueEmail('theirs');
  await invite(page, base, theirs);
  await page.goto(`${base}/members`);
  await hydrated(page);
  await memberAction(page, 'Lee Lead', 'Permissions of');
  const editor = page.getByRole('dialog', { name: 'Permissions of Lee Lead' });
  await editor.getByLabel('Members: invite people').check();
  await editor.getByRole('button', { name: 'Save permissions' }).click();
  await expect(editor).toBeHidden();

  const mine = uniqueEmail('mine');
  const dialog = await invite(leePage, base, mine);
  await expect(dialog.getByText(`Invitation sent to ${mine}`)).toBeVisible();
  await leePage.goto(`${base}/invitations`);
  await hydrated(leePage);
  await expect(leePage.getByRole('row', { name: new RegExp(mine) })).toBeVisible();
  await expect(leePage.getByRole('row', { name: new RegExp(theirs) })).toHaveCount(0);
  await leePage.getByRole('button', { name: `Revoke invitation to ${mine}` }).click();
  await leePage.getByRole('dialog', { name: 'Revoke invitation?' }).getByRole('button', { name: 'Revoke invitation' }).click();
  await expect(leePage.getByRole('row', { name: new RegExp(mine) })).toContainText('Revoked');

  // The owner sees both and may act on both.
  await page.goto(`${base}/invitations`);
  await hydrated(page);
  await expect(page.getByRole('button', { name: `Revoke invitation to ${theirs}` })).toBeVisible();
  await expect(page.getByRole('row', { name: new RegExp(mine) })).toContainText('Revoked');
});

test('an Admin invited with a permission held back joins without it', async ({ page, newPerson }) => {
  const { base } = await ownerWithOrg(page, 'Held Back');
  const ada = uniqueEmail('ada');
  await page.goto(`${base}/members`);
  await hydrated(page);
  await page.getByRole('button', { name: 'Invite member' }).click();
  const dialog = page.getByRole('dialog', { name: 'Invite member' });
  await dialog.getByLabel('Email address').fill(ada);
  await dialog.getByLabel('Role').selectOption({ label: 'Owner' });
  await expect(dialog.getByText('Owners hold every permission.')).toBeVisible();
  await dialog.getByRole('button', { name: 'Customize permissions' }).click();
  await expect(dialog.getByLabel('Billing: manage')).toBeChecked();
  await expect(dialog.getByLabel('Billing: manage')).toBeDisabled();
  await dialog.getByLabel('Role').selectOption({ label: 'Admin' });
  await expect(dialog.getByLabel('Billing: manage')).not.toBeChecked();
  await expect(dialog.getByLabel('Environment variables: manage')).toBeChecked();
  await dialog.getByLabel('Environment variables: manage').uncheck();
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  await expect(dialog.getByText(`Invitation sent to ${ada}`)).toBeVisible();

  const link = linkIn(await waitForMail(ada, 'invited you'), '/invite/');
  const adaPage = await newPerson();
  await adaPage.goto(link);
  await hydrated(adaPage);
  await expect(adaPage.getByRole('region', { name: 'What you will get' })).toContainText('Not included with the role: Environment variables: manage');
  await signUp(adaPage, 'Ada Admin', ada, link);
  await adaPage.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(adaPage).toHaveURL(new RegExp(`${base}$`));

  await page.goto(`${base}/members`);
  await hydrated(page);
  await memberAction(page, 'Ada Admin', 'Permissions of');
  const editor = page.getByRole('dialog', { name: 'Permissions of Ada Admin' });
  await expect(editor.getByLabel('Environment variables: view')).toBeChecked();
  await expect(editor.getByLabel('Environment variables: manage')).not.toBeChecked();
});
