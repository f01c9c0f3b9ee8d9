import { expect, Page } from '@playwright/test';
import type { NewPerson } from './fixtures';
import { linkIn, waitForMail } from './mail';
import { hydrated, onboard, signUp, uniqueEmail } from './accounts';

/** A new owner with a new organization; returns the org's name and slug path. */
export async function ownerWithOrg(page: Page, orgPrefix: string) {
  const orgName = `${orgPrefix} ${Math.floor(Math.random() * 1e9)}`;
  const email = uniqueEmail('owner');
  await signUp(page, 'Olivia Owner', email);
  await onboard(page, orgName);
  const base = new URL(page.url()).pathname;
  return { orgName, base, email };
}

/**
 * Opens the invite dialog on the Members page and sends an invitation; returns once the dialog
 * has answered (sent, or an error), so a navigation that follows cannot cancel the request.
 */
export async function invite(page: Page, base: string, email: string, role = 'Member', note = '') {
  await page.goto(`${base}/members`);
  await hydrated(page);
  await page.getByRole('button', { name: 'Invite member' }).click();
  const dialog = page.getByRole('dialog', { name: 'Invite member' });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('Email address').fill(email);
  await dialog.getByLabel('Role').selectOption({ label: role });
  if (note) await dialog.getByLabel('Why do they need access? (optional)').fill(note);
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  await expect(dialog.getByText(`Invitation sent to ${email}`).or(dialog.getByRole('alert'))).toBeVisible();
  return dialog;
}

/** Invites `email`, then signs them up and accepts as a new person; returns their page. */
export async function inviteAndJoin(page: Page, newPerson: NewPerson, base: string, name: string, email: string, role = 'Member') {
  const dialog = await invite(page, base, email, role);
  await expect(dialog.getByText(`Invitation sent to ${email}`)).toBeVisible();
  await dialog.getByRole('button', { name: 'Done' }).click();
  const link = linkIn(await waitForMail(email, 'invited you'), '/invite/');
  const invitee = await newPerson();
  await signUp(invitee, name, email, link);
  await invitee.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(invitee).toHaveURL(new RegExp(`${base}$`));
  return invitee;
}
