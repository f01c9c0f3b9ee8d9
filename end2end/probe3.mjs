import { chromium } from '@playwright/test';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
for (let i = 0; i < 3; i++) {
  const context = await browser.newContext(); const page = await context.newPage();
  await page.addInitScript(() => { new MutationObserver(() => { if (document.body?.hasAttribute('data-hydrated') && !window.__h) window.__h = performance.now(); }).observe(document, { attributes: true, subtree: true }); });
  await page.goto(process.argv[2]);
  await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
  const r = await page.evaluate(() => {
    const res = performance.getEntriesByType('resource');
    const wasm = res.filter(e => e.name.endsWith('.wasm'));
    const nav = performance.getEntriesByType('navigation')[0];
    return { html: Math.round(nav.responseEnd), dcl: Math.round(nav.domContentLoadedEventEnd), firstWasmStart: Math.round(Math.min(...wasm.map(e => e.startTime))), lastWasmEnd: Math.round(Math.max(...wasm.map(e => e.responseEnd))), js: res.filter(e => e.name.endsWith('.js')).map(e => Math.round(e.responseEnd)), hydrated: Math.round(window.__h), n: wasm.length };
  });
  console.log(JSON.stringify(r));
  await context.close();
}
await browser.close();
