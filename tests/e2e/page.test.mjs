// The built page loads in headless Chromium, draws its canvas and logs no error.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveDist, launchBrowser, openPage, screenshot, canvasPixels } from "./harness.mjs";

let server;
let browser;

before(async () => {
  server = await serveDist();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test("the page draws its canvas, shows its version, and logs no error", async () => {
  const page = await openPage(browser, server.url);
  await page.waitForSelector("canvas.cluster-canvas");
  await page.waitForFunction(() => document.querySelector("canvas.cluster-canvas").width > 300);

  const pixels = await canvasPixels(page, "canvas.cluster-canvas");
  assert.ok(pixels.painted / pixels.total > 0.9, `canvas mostly painted: ${JSON.stringify(pixels)}`);
  assert.ok(pixels.colours > 1, `canvas has more than one colour: ${JSON.stringify(pixels)}`);

  const version = await page.textContent(".build-version");
  assert.match(version, /^v\d+\.\d+\.\d+/);
  assert.equal(await page.title(), "Raft Playground");

  await screenshot(page, "page");
  assert.deepEqual(page.errors, [], "no console errors");
});
