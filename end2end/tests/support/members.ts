import { Page } from '@playwright/test';

/** Opens a member row's Actions menu and chooses one, e.g. `memberAction(page, 'Bob Baker', 'Change role of')`. */
export async function memberAction(page: Page, member: string, action: string) {
  await page.getByRole('button', { name: `Actions for ${member}` }).click();
  const name = action === 'Remove' ? `Remove ${member}` : `${action} ${member}`;
  await page.getByRole('button', { name, exact: true }).click();
}
