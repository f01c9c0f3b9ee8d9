import { test, expect } from './support/fixtures';
import type { Page } from '@playwright/test';
import { hydrated, onboard, signOut, signUpVerified, uniqueEmail } from './support/accounts';
import { invite, ownerWithOrg } from './support/invitations';
import { linkIn, waitForMail } from './support/mail';
import { ENTRA_PORT, GOOGLE_PORT } from './support/ports';

// Journeys through real OpenID Connect providers (oidc-provider-mock): one
// serves as Google, one as Microsoft Entra ID. Each person is a subject
// whose claims are set over the provider's HTTP API before they sign in.

async function setClaims(port: number, sub: string, claims: Record<string, unknown>) {
  const response = await fetch(`http://127.0.0.1:${port}/users/${encodeURIComponent(sub)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(claims),
  });
  expect(response.status).toBe(204);
}

/** At the provider's login form: signs in as `sub`. */
async function authorizeAs(page: Page, sub: string) {
  await page.getByPlaceholder('sub').fill(sub);
  await page.getByRole('button', { name: 'Authorize' }).click();
}

/** Invites through the dialog with a sign-in method; returns the mailed link. */
async function inviteWith(page: Page, base: string, email: string, method: string, tenant = '') {
  await page.goto(`${base}/members`);
  await hydrated(page);
  await page.getByRole('button', { name: 'Invite member' }).click();
  const dialog = page.getByRole('dialog', { name: /^Invite member/ });
  await dialog.getByLabel('Sign-in method').selectOption({ label: method });
  if (tenant) await dialog.getByLabel('Tenant ID (optional)').fill(tenant);
  await dialog.getByLabel('Email address').fill(email);
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  await expect(dialog.getByText(`Invitation sent to ${email}`)).toBeVisible();
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('tab', { name: /Invitations/ }).or(page.getByRole('link', { name: 'Invitations' })).first()).toBeVisible();
  return linkIn(await waitForMail(email, 'invited you'), '/invite/');
}

test('a Google-restricted invitation is redeemed by signing in with Google, with no further click', async ({ page, newPerson }) => {
  const { orgName, base } = await ownerWithOrg(page, 'Gcorp');
  const email = uniqueEmail('ann').replace('@example.com', '@gmail.com');
  const link = await inviteWith(page, base, email, 'Google');
  await page.goto(`${base}/invitations`);
  await expect(page.getByText('Sign in with Google').first()).toBeVisible();

  const sub = `google-${Date.now()}`;
  await setClaims(GOOGLE_PORT, sub, { email, email_verified: true, name: 'Ann Gmail' });
  const ann = await newPerson();
  await ann.goto(link);
  await hydrated(ann);
  await expect(ann.getByText(`asks you to sign in with Google as ${email}`)).toBeVisible();
  // Only the required provider, and no password way in.
  await expect(ann.getByRole('link', { name: 'Continue with Microsoft' })).toHaveCount(0);
  await expect(ann.getByRole('link', { name: 'Sign in to accept' })).toHaveCount(0);
  await ann.getByRole('link', { name: 'Continue with Google' }).click();
  await authorizeAs(ann, sub);
  await expect(ann).toHaveURL(new RegExp(`${base}$`));
  await expect(ann.getByRole('heading', { level: 1, name: orgName })).toBeVisible();

  // Her account page lists Google as her way in, which she cannot remove.
  await ann.goto('/account');
  await hydrated(ann);
  const ways = ann.getByRole('list', { name: 'Ways to sign in' });
  await expect(ways.getByText(`Google (${email})`)).toBeVisible();
  await expect(ann.getByRole('button', { name: `Remove Google (${email})` })).toBeDisabled();
});

test('an Entra invitation with a Tenant ID refuses another tenant, then opens for the right one', async ({ page, newPerson }) => {
  const tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const otherTenant = '0b5e1f1c-0000-4000-8000-000000000001';
  const { orgName, base } = await ownerWithOrg(page, 'Ecorp');
  const email = uniqueEmail('eve').replace('@example.com', '@contoso.test');

  // A Tenant ID that is not a GUID is refused beside its field.
  await page.goto(`${base}/members`);
  await hydrated(page);
  await page.getByRole('button', { name: 'Invite member' }).click();
  const dialog = page.getByRole('dialog', { name: /^Invite member/ });
  await dialog.getByLabel('Sign-in method').selectOption({ label: 'Microsoft Entra ID' });
  await dialog.getByLabel('Tenant ID (optional)').fill('contoso');
  await dialog.getByLabel('Email address').fill(email);
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  await expect(dialog.getByText('A Tenant ID is a GUID')).toBeVisible();
  await expect(dialog.getByLabel('Tenant ID (optional)')).toBeFocused();
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  const link = await inviteWith(page, base, email, 'Microsoft Entra ID', tenant);
  const wrong = `entra-other-${Date.now()}`;
  const right = `entra-right-${Date.now()}`;
  await setClaims(ENTRA_PORT, wrong, { email, tid: otherTenant, oid: wrong, xms_edov: true });
  await setClaims(ENTRA_PORT, right, { email, tid: tenant, oid: right, xms_edov: true, name: 'Eve Entra' });

  const eve = await newPerson();
  await eve.goto(link);
  await hydrated(eve);
  await expect(eve.getByText(`sign in with Microsoft Entra ID (tenant ${tenant}) as ${email}`)).toBeVisible();
  await eve.getByRole('link', { name: 'Continue with Microsoft' }).click();
  await authorizeAs(eve, wrong);
  await expect(eve.getByRole('heading', { name: 'This invitation is for another account' })).toBeVisible();
  await expect(eve.getByText(`of tenant ${otherTenant}`)).toBeVisible();
  await expect(eve.getByText('The invitation is still open.')).toBeVisible();

  await eve.getByRole('link', { name: 'Sign in with another account' }).click();
  await authorizeAs(eve, right);
  await expect(eve).toHaveURL(new RegExp(`${base}$`));
  await expect(eve.getByRole('heading', { level: 1, name: orgName })).toBeVisible();
});

test('sign-in offers each configured provider, and a refused sign-in leaves you signed out', async ({ page }) => {
  await page.goto('/sign-in');
  await hydrated(page);
  await expect(page.getByRole('link', { name: 'Continue with Google' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Continue with Microsoft' })).toBeVisible();
  // An Entra account without a verified domain vouches for no address.
  const sub = `entra-unvouched-${Date.now()}`;
  await setClaims(ENTRA_PORT, sub, { email: uniqueEmail('mallory'), tid: '72f988bf-86f1-41af-91ab-2d7cd011db47' });
  await page.getByRole('link', { name: 'Continue with Microsoft' }).click();
  await authorizeAs(page, sub);
  await expect(page.getByRole('heading', { name: 'Microsoft did not confirm an email address' })).toBeVisible();
  await page.goto('/account');
  await hydrated(page);
  await expect(page.getByRole('main').getByRole('link', { name: 'Sign in' })).toBeVisible();
});

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

/** An owner with a verified address at a fresh domain, whose organization signs in through Entra and claims that domain. */
async function ssoOrg(page: Page) {
  const domain = `corp${Date.now()}${Math.floor(Math.random() * 1e4)}.test`;
  await signUpVerified(page, 'Olivia Owner', `olivia@${domain}`);
  await page.goto('/onboarding');
  await hydrated(page);
  const orgName = `SSO Corp ${Math.floor(Math.random() * 1e9)}`;
  await onboard(page, orgName);
  const base = new URL(page.url()).pathname;
  await page.goto(`${base}/settings`);
  await hydrated(page);
  const sso = page.getByRole('region', { name: 'Single sign-on' });
  await sso.getByLabel('Identity provider').selectOption({ label: 'Microsoft' });
  await sso.getByLabel("Your organization's Tenant ID").fill(TENANT);
  await sso.getByRole('button', { name: 'Save single sign-on' }).click();
  await expect(sso.getByRole('heading', { name: 'Connected to Microsoft' })).toBeVisible();
  await sso.getByRole('textbox', { name: 'Domain' }).fill(domain);
  await sso.getByRole('button', { name: 'Claim domain' }).click();
  await expect(sso.getByRole('list', { name: 'Claimed domains' })).toContainText(domain);
  return { base, orgName, domain, sso };
}

async function signInWithMicrosoft(page: Page, sub: string) {
  await page.goto('/sign-in');
  await hydrated(page);
  await page.getByRole('link', { name: 'Continue with Microsoft' }).click();
  await authorizeAs(page, sub);
}

test('single sign-on adds a new person with the team of their group, and a sign-in without the group drops it', async ({ page, newPerson }) => {
  const { base, orgName, domain, sso } = await ssoOrg(page);
  await page.goto(`${base}/projects`);
  await hydrated(page);
  await page.getByLabel('New project name').fill('Churn model');
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByRole('heading', { name: 'Churn model' })).toBeVisible();
  await page.goto(`${base}/teams`);
  await hydrated(page);
  await page.getByLabel('New team name').fill('Data');
  await page.getByRole('button', { name: 'Create team' }).click();
  const team = page.getByRole('region', { name: 'Team Data' });
  await team.getByLabel('Permission', { exact: true }).selectOption({ label: 'Projects: view' });
  await team.getByLabel('Where').selectOption({ label: 'Project Churn model' });
  await team.getByRole('button', { name: 'Give permission' }).click();
  await expect(team.getByRole('list', { name: 'Permissions of Data' })).toContainText('Projects: view on Churn model');

  await page.goto(`${base}/settings`);
  await hydrated(page);
  await sso.getByLabel('Provider group').fill('data-scientists');
  await sso.getByLabel('Team', { exact: true }).selectOption({ label: 'Data' });
  await sso.getByRole('button', { name: 'Map group' }).click();
  await expect(sso.getByRole('list', { name: 'Group mappings' })).toContainText('data-scientists → Data');

  const sub = `entra-nia-${Date.now()}`;
  const nia = `nia@${domain}`;
  await setClaims(ENTRA_PORT, sub, { email: nia, tid: TENANT, oid: sub, xms_edov: true, groups: ['data-scientists'], name: 'Nia Data' });
  const niaPage = await newPerson();
  await signInWithMicrosoft(niaPage, sub);
  await expect(niaPage).toHaveURL(new RegExp(`${base}$`));
  await expect(niaPage.getByRole('heading', { level: 1, name: orgName })).toBeVisible();
  await niaPage.goto(`${base}/projects`);
  await hydrated(niaPage);
  await expect(niaPage.getByRole('heading', { name: 'Churn model' })).toBeVisible();

  // She left the group at the provider: her next sign-in takes the team away.
  await setClaims(ENTRA_PORT, sub, { email: nia, tid: TENANT, oid: sub, xms_edov: true, groups: [], name: 'Nia Data' });
  await signOut(niaPage);
  await signInWithMicrosoft(niaPage, sub);
  await expect(niaPage).toHaveURL(new RegExp(`${base}$`));
  await niaPage.goto(`${base}/projects`);
  await hydrated(niaPage);
  await expect(niaPage.getByRole('heading', { level: 1, name: 'Projects' })).toBeVisible();
  await expect(niaPage.getByRole('heading', { name: 'Churn model' })).toHaveCount(0);

  // Activity shows both changes.
  await page.goto(`${base}/activity`);
  await hydrated(page);
  await expect(page.getByText(/by their groups at single sign-on/).first()).toBeVisible();
});

test('an email invitation to an address in a claimed domain is accepted through single sign-on', async ({ page, newPerson }) => {
  const { base, orgName, domain } = await ssoOrg(page);
  const ivy = `ivy@${domain}`;
  const dialog = await invite(page, base, ivy);
  await dialog.getByRole('button', { name: 'Done' }).click();
  const link = linkIn(await waitForMail(ivy, 'invited you'), '/invite/');
  const sub = `entra-ivy-${Date.now()}`;
  await setClaims(ENTRA_PORT, sub, { email: ivy, tid: TENANT, oid: sub, xms_edov: true, name: 'Ivy Invited' });
  const ivyPage = await newPerson();
  await ivyPage.goto(link);
  await hydrated(ivyPage);
  await expect(ivyPage.getByText(`signs in ${ivy} through single sign-on (Microsoft)`)).toBeVisible();
  await expect(ivyPage.getByRole('link', { name: 'Sign in to accept' })).toHaveCount(0);
  await ivyPage.getByRole('link', { name: 'Continue with Microsoft' }).click();
  await authorizeAs(ivyPage, sub);
  await expect(ivyPage).toHaveURL(new RegExp(`${base}$`));
  await expect(ivyPage.getByRole('heading', { level: 1, name: orgName })).toBeVisible();
});

test("an organization's own OpenID Connect provider: the owner enters it, a new person finds it by their work address", async ({ page, newPerson }) => {
  const { base, orgName, domain, sso } = await ssoOrg(page);
  await sso.getByLabel('Identity provider').selectOption({ label: 'Your own OpenID Connect provider' });
  await expect(sso.getByText(/Register this redirect URI with your provider/)).toContainText('/callback');
  await sso.getByLabel('Issuer URL').fill('http://127.0.0.1:9');
  await sso.getByLabel('Client ID').fill('corp-app');
  await sso.getByLabel('Client secret').fill('corp-secret');
  await sso.getByRole('button', { name: 'Save single sign-on' }).click();
  await expect(sso.getByText(/did not answer with an OpenID Connect discovery document/)).toBeVisible();
  await expect(sso.getByRole('heading', { name: 'Connected to Microsoft' })).toBeVisible();
  // The Google-like test provider stands in for the organization's own.
  await sso.getByLabel('Issuer URL').fill(`http://127.0.0.1:${GOOGLE_PORT}`);
  await sso.getByRole('button', { name: 'Save single sign-on' }).click();
  await expect(sso.getByRole('heading', { name: `Connected to ${orgName} SSO` })).toBeVisible();

  const sub = `own-${Date.now()}`;
  const omar = `omar@${domain}`;
  await setClaims(GOOGLE_PORT, sub, { email: omar, email_verified: true, name: 'Omar Own' });
  const omarPage = await newPerson();
  await omarPage.goto('/sign-in');
  await hydrated(omarPage);
  await omarPage.getByLabel('Work address (single sign-on)').fill(omar);
  await omarPage.getByRole('button', { name: 'Continue with SSO' }).click();
  await authorizeAs(omarPage, sub);
  await expect(omarPage).toHaveURL(new RegExp(`${base}$`));
  await expect(omarPage.getByRole('heading', { level: 1, name: orgName })).toBeVisible();
});
