import { expect, test } from './support/fixtures';
import { hydrated, PASSWORD, signUp, uniqueEmail } from './support/accounts';
import { linkIn, waitForMail } from './support/mail';

const NEW_PASSWORD = 'a brand new sentence';

test('the owner of an address claims it from an unconfirmed sign-up by resetting the password', async ({ page, newPerson }) => {
  const email = uniqueEmail('claimed');

  // Someone else signs up with the address and never confirms it.
  const squatter = await newPerson();
  await signUp(squatter, 'Not The Owner', email);

  // The real owner cannot sign up; the form points to the reset.
  await page.goto('/sign-up');
  await hydrated(page);
  await page.getByLabel('Name').fill('Real Owner');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByText('An account with this email exists but was never confirmed.', { exact: false })).toBeVisible();
  await page.getByRole('link', { name: 'Reset the password to claim it' }).click();

  // Forgot password: the answer does not say whether the account exists.
  await expect(page).toHaveURL(/\/forgot-password$/);
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'If an account exists for that address, we sent a link to reset its password.' })).toBeVisible();

  // The mail's link: a new password, then signed in to the console.
  const mail = await waitForMail(email, 'Reset your Gatehouse password');
  await page.goto(linkIn(mail, '/reset-password/'));
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
  await page.getByLabel('New password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Set password and sign in' }).click();
  await expect(page).toHaveURL(/\/onboarding$/);
  await expect(page.getByRole('heading', { name: /organization/i })).toBeVisible();

  // The link works once.
  await page.goto(linkIn(mail, '/reset-password/'));
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'This link did not work' })).toBeVisible();
  await expect(page.getByRole('alert')).toContainText('already used');
  await expect(page.getByRole('link', { name: 'Ask for a new link' })).toBeVisible();

  // The squatter's session has ended: their open page goes to sign-in by
  // itself at its next heartbeat (every 3 s; a goto of ours raced that
  // navigation and was aborted), and the old password no longer works.
  await expect(squatter).toHaveURL(/\/sign-in/);
  await hydrated(squatter);
  await squatter.getByLabel('Email').fill(email);
  await squatter.getByLabel('Password').fill(PASSWORD);
  await squatter.getByRole('button', { name: 'Sign in' }).click();
  await expect(squatter.getByRole('alert')).toHaveText('Email or password is wrong.');

  // The new one does, from the "Forgot your password?" sign-in page.
  await expect(squatter.getByRole('link', { name: 'Forgot your password?' })).toBeVisible();
  await squatter.getByLabel('Password').fill(NEW_PASSWORD);
  await squatter.getByRole('button', { name: 'Sign in' }).click();
  await expect(squatter).toHaveURL(/\/onboarding$/);
});
