import { test as base, BrowserContext, Page } from '@playwright/test';

export { expect } from '@playwright/test';

/** Opens a page in a fresh browser context: another person, with their own cookies. */
export type NewPerson = () => Promise<Page>;

/**
 * `newPerson` opens pages for the other people of a journey and closes them when the test ends,
 * so their consoles stop polling and later journeys do not run beside a growing crowd of tabs.
 */
export const test = base.extend<{ newPerson: NewPerson }>({
  newPerson: async ({ browser }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async () => {
      const context = await browser.newContext();
      contexts.push(context);
      return context.newPage();
    });
    await Promise.all(contexts.map((c) => c.close()));
  },
});
