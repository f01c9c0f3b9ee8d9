import { expect, Page } from '@playwright/test';

/**
 * Waits until the page's controls work: once its WASM has hydrated it (lib.rs
 * marks the body), or at once on a page served without code (app.rs).
 */
export async function hydrated(page: Page) {
  await page.locator('body[data-hydrated]').waitFor({ state: 'attached', timeout: 30_000 });
}

/** A unique address per run so journeys never collide. */
export function uniqueEmail(name: string): string {
  return `${name}.${Date.now()}.${Math.floor(Math.random() * 1e6)}@example.com`;
}

export const PASSWORD = 'correct horse battery';

/** Signs up through the form; lands wherever `next` (or the console) leads. */
export async function signUp(page: Page, name: string, email: string, next?: string) {
  await page.goto(next ? `/sign-up?next=${encodeURIComponent(next)}` : '/sign-up');
  await hydrated(page);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).not.toHaveURL(/sign-up/);
  await hydrated(page);
}

/** Signs in through the form. */
export async function signIn(page: Page, email: string) {
  await page.goto('/sign-in');
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).not.toHaveURL(/sign-in/);
  await hydrated(page);
}

/** Names the first organization during onboarding. */
export async function onboard(page: Page, orgName: string) {
  await expect(page.getByRole('heading', { name: /organization/i })).toBeVisible();
  await page.getByLabel('Organization name').fill(orgName);
  await page.getByRole('button', { name: 'Create organization' }).click();
  await expect(page.getByRole('heading', { level: 1, name: orgName })).toBeVisible();
  await hydrated(page);
}

/** Signs out through the user menu. */
export async function signOut(page: Page) {
  await page.getByRole('button', { name: /^Account menu for / }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/sign-in/);
}

/** Signs up and follows the verification link from the mail. */
export async function signUpVerified(page: Page, name: string, email: string) {
  await signUp(page, name, email);
  const { linkIn, waitForMail } = await import('./mail');
  const mail = await waitForMail(email, 'Confirm your email address');
  await page.goto(linkIn(mail, '/verify-email/'));
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Email confirmed' })).toBeVisible();
}
