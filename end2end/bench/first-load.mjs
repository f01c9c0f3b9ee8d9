// First load of a page in Chromium, as a new visitor on a slow link: bytes on
// the wire (compressed, headers included), requests, and the time until the
// page's controls work (`body[data-hydrated]`: once hydrated, or as soon as
// the body arrives on a page served without code). Run by `make bench-first-load`
// against a release build; prints one Markdown table row per page and link.
//   node bench/first-load.mjs http://127.0.0.1:3200 /sign-in /invite/x
import { chromium } from '@playwright/test';

const [base, ...paths] = process.argv.slice(2);
const links = [
  { name: 'loopback', latency: 0, mbit: 0 },
  { name: '20 Mbit/s, 40 ms', latency: 40, mbit: 20 },
  { name: '5 Mbit/s, 40 ms', latency: 40, mbit: 5 },
];
const RUNS = 3;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
console.log('| page | link | transferred | requests | interactive (median of 3) |');
console.log('|---|---|---|---|---|');
for (const path of paths) {
  for (const link of links) {
    const times = [];
    let bytes = 0;
    let requests = 0;
    for (let run = 0; run < RUNS; run++) {
      // A fresh context each run: nothing cached, as for a first visit.
      const context = await browser.newContext();
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
      if (link.mbit > 0) {
        await cdp.send('Network.emulateNetworkConditions', {
          offline: false,
          latency: link.latency,
          downloadThroughput: (link.mbit * 1e6) / 8,
          uploadThroughput: (link.mbit * 1e6) / 8,
        });
      }
      let sum = 0;
      let count = 0;
      cdp.on('Network.loadingFinished', (e) => {
        sum += e.encodedDataLength;
        count += 1;
      });
      const started = Date.now();
      await page.goto(base + path, { waitUntil: 'commit' });
      await page.locator('body[data-hydrated]').waitFor({ state: 'attached', timeout: 60_000 });
      times.push(Date.now() - started);
      await page.waitForLoadState('networkidle');
      bytes = sum;
      requests = count;
      await context.close();
    }
    times.sort((a, b) => a - b);
    const kb = (bytes / 1024).toFixed(0);
    // A link's secret is not worth printing.
    const shown = path.replace(/^\/invite\/[^/?]+/, '/invite/<token>');
    console.log(`| \`${shown}\` | ${link.name} | ${kb} KB | ${requests} | ${times[1]} ms |`);
  }
}
await browser.close();
