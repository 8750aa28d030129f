import { startSession, openPlayground, state, press } from "./playground.mjs";
import { screenshot } from "./harness.mjs";
const s = await startSession();
const page = await openPlayground(s.browser, s.server.url, { viewport: { width: 1280, height: 800 } });
await page.waitForTimeout(2500);
await press(page, " ");  // pause
await page.waitForTimeout(300);
const paused = await state(page);
for (let i = 0; i < 3; i++) { await press(page, "n"); await page.waitForTimeout(200); }
await page.waitForTimeout(300);
const stepped = await state(page);
await page.click("#tab-share");
await page.waitForTimeout(300);
await screenshot(page, "walk-share-after-steps");
const address = page.url();
const shareText = await page.locator(".hint").first().textContent();
const again = await openPlayground(s.browser, address, { viewport: { width: 1280, height: 800 } });
const opened = await state(again);
await screenshot(again, "walk-reopened");
console.log({ paused: [paused.until_ms, paused.events], stepped: [stepped.until_ms, stepped.events, stepped.state_hash], opened: [opened.until_ms, opened.events, opened.state_hash], address: address.slice(-50), shareText, errors: page.errors, errors2: again.errors });
await s.close();
