import AxeBuilder from '@axe-core/playwright';
import { expect, Page } from '@playwright/test';

/** Checks the page as it is now with axe-core, in the light and the dark scheme: no violations. */
export async function expectAccessible(page: Page, what: string) {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const { violations } = await new AxeBuilder({ page }).analyze();
    const found = violations.map((v) => `${v.id} (${v.help}): ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
    expect(found, `${what}, ${colorScheme}`).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: null });
}

/** Nothing on the page is wider than the window: no sideways scrolling of the page itself. */
export async function expectFitsWidth(page: Page, what: string) {
  const { scroll, client, wide } = await page.evaluate(() => {
    const client = document.documentElement.clientWidth;
    // The outermost elements that reach past the window, to say what overflows.
    const wide = [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > client + 0.5)
      .filter((e) => !(e.parentElement && e.parentElement.getBoundingClientRect().right > client + 0.5))
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} (${Math.round(e.getBoundingClientRect().right)}px)`);
    return { scroll: document.documentElement.scrollWidth, client, wide };
  });
  expect(scroll, `${what} is ${scroll}px wide in a ${client}px window: ${wide.join(', ')}`).toBeLessThanOrEqual(client);
}
