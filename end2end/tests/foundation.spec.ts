import { expect, test } from './support/fixtures';
import { onboard, PASSWORD, signIn, signOut, signUp, uniqueEmail, hydrated } from './support/accounts';
import { linkIn, waitForMail } from './support/mail';

test('sign up, verify by mail, onboard, sign out and in, two organizations', async ({ page }) => {
  const email = uniqueEmail('ann');
  await signUp(page, 'Ann Admin', email);

  // Onboarding: the first member is added when the organization is named.
  await expect(page).toHaveURL(/onboarding/);
  await onboard(page, 'Acme Rockets');
  await expect(page.getByLabel('Organization', { exact: true })).toHaveValue(/acme-rockets/);
  await expect(page.getByText('Your role')).toBeVisible();
  await expect(page.getByText('Confirm your email address')).toBeVisible();

  // The verification mail arrived at the SMTP server; follow its link.
  const mail = await waitForMail(email, 'Confirm your email address');
  expect(mail.html).toContain('Confirm email');
  await page.goto(linkIn(mail, '/verify-email/'));
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Email confirmed' })).toBeVisible();
  await page.getByRole('link', { name: 'Continue to the console' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Acme Rockets' })).toBeVisible();
  await expect(page.getByText('Confirm your email address')).toHaveCount(0);

  await signOut(page);
  await signIn(page, email);
  await expect(page.getByRole('heading', { level: 1, name: 'Acme Rockets' })).toBeVisible();

  // A second organization, then switch between the two with the selector.
  await page.getByRole('link', { name: 'New organization' }).click();
  await page.getByLabel('Organization name').fill('Globex Labs');
  await page.getByRole('button', { name: 'Create organization' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Globex Labs' })).toBeVisible();
  await hydrated(page);
  await page.getByLabel('Organization', { exact: true }).selectOption({ label: 'Acme Rockets' });
  await expect(page.getByRole('heading', { level: 1, name: 'Acme Rockets' })).toBeVisible();
  await expect(page).toHaveURL(/\/orgs\/acme-rockets$/);
  await hydrated(page);
  await page.getByLabel('Organization', { exact: true }).selectOption({ label: 'Globex Labs' });
  await expect(page.getByRole('heading', { level: 1, name: 'Globex Labs' })).toBeVisible();
  // The console reopens on the last organization chosen.
  await page.goto('/');
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1, name: 'Globex Labs' })).toBeVisible();
});

test('bad input is answered beside the field', async ({ page }) => {
  await page.goto('/sign-up');
  await hydrated(page);
  await page.getByLabel('Name').fill('Bo');
  await page.getByLabel('Email').fill('not-an-email');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByText('Enter an email address like name@example.com.')).toBeVisible();
  await expect(page.getByLabel('Email')).toHaveAttribute('aria-invalid', 'true');

  await page.getByLabel('Email').fill(uniqueEmail('bo'));
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByText('Use at least 8 characters.')).toBeVisible();

  await page.goto('/sign-in');
  await hydrated(page);
  await page.getByLabel('Email').fill(uniqueEmail('nobody'));
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Email or password is wrong.');
});

test('an organization the user does not belong to is not found', async ({ page, newPerson }) => {
  const owner = uniqueEmail('olga');
  await signUp(page, 'Olga Owner', owner);
  await onboard(page, 'Private Corp');
  const url = new URL(page.url()).pathname;

  const stranger = await newPerson();
  await signUp(stranger, 'Sam Stranger', uniqueEmail('sam'));
  await stranger.goto(url);
  await hydrated(stranger);
  await expect(stranger.getByRole('heading', { name: 'Organization not found' })).toBeVisible();
  await expect(stranger.getByText('Private Corp')).toHaveCount(0);
});
