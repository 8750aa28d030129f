// The built page in Firefox ESR beside Chromium: a scenario reaches the same state in both, a
// link made in one opens at the same moment in the other, and in Firefox the page plays on its
// animation frames, draws its canvas, answers the keyboard, refuses a bad link without losing
// the run, drives an embedded playground from a course page through postMessage, and logs no
// error.
//
// Playwright's Firefox support over WebDriver BiDi needs a newer Firefox than Debian's ESR, so
// Firefox is driven by selenium-webdriver through geckodriver (scripts/test installs both).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Builder, By } from "selenium-webdriver";
import firefox from "selenium-webdriver/firefox.js";
import LogInspector from "selenium-webdriver/bidi/logInspector.js";
import { countCanvasPixels, openPage, SCREENSHOTS } from "./harness.mjs";
import { sessionForFile, openPlayground, load, state, call, summary } from "./playground.mjs";

const FIREFOX = process.env.FIREFOX ?? "/usr/bin/firefox-esr";

// Loss, duplicates, snapshots, compare-and-sets, a partition and a crash: enough that any
// difference between the two engines' runs would show in the state hash.
const SCENARIO = {
  format: 1,
  seed: 11,
  nodes: 5,
  config: { loss: 0.02, duplicate: 0.02, snapshot_every: 20 },
  workload: { writes_per_sec: 20, reads_per_sec: 10, cas_percent: 20 },
  timeline: [
    { at_ms: 1500, do: "partition", groups: [[1, 2], [3, 4, 5]] },
    { at_ms: 3000, do: "heal" },
    { at_ms: 3500, do: "crash", node: 3 },
    { at_ms: 4500, do: "restart", node: 3 },
  ],
  until_ms: 6000,
};

const chromium = sessionForFile();
const fox = { driver: null, errors: [] };

/** geckodriver from `GECKODRIVER`, the PATH, or where `cargo install` puts it. */
function geckodriverPath() {
  if (process.env.GECKODRIVER) return process.env.GECKODRIVER;
  try {
    return execFileSync("sh", ["-c", "command -v geckodriver"], { encoding: "utf8" }).trim();
  } catch {
    const installed = join(process.env.HOME ?? "/root", ".cargo", "bin", "geckodriver");
    if (existsSync(installed)) return installed;
    throw new Error("geckodriver is not installed: scripts/test installs it (cargo install geckodriver)");
  }
}

before(async () => {
  if (!existsSync(FIREFOX)) throw new Error(`no Firefox at ${FIREFOX}: scripts/test installs firefox-esr`);
  const options = new firefox.Options()
    .setBinary(FIREFOX)
    .addArguments("-headless")
    .windowSize({ width: 1280, height: 800 })
    .enableBidi();
  fox.driver = await new Builder()
    .forBrowser("firefox")
    .setFirefoxOptions(options)
    .setFirefoxService(new firefox.ServiceBuilder(geckodriverPath()))
    .build();
  const logs = await LogInspector(fox.driver);
  await logs.onConsoleEntry((entry) => {
    if (entry.level === "error") fox.errors.push(`console: ${entry.text}`);
  });
  await logs.onJavascriptException((entry) => fox.errors.push(`page: ${entry.text}`));
}, { timeout: 60_000 });

after(async () => fox.driver?.quit());

/**
 * Opens `url` in Firefox (from a blank page, so a link differing only in its fragment loads)
 * and waits until `ready`, a script returning a boolean, says the playground has started.
 */
async function foxOpen(
  url,
  ready = "return typeof window.raftPlayground?.state === 'function' && document.querySelector('canvas.cluster-canvas')?.width > 100",
) {
  await fox.driver.get("about:blank");
  await fox.driver.get(url);
  await fox.driver.wait(() => fox.driver.executeScript(ready), 15_000, `the page starts in Firefox: ${url}`);
}

/** Calls one method of the script API in Firefox. */
function foxCall(method, ...args) {
  return fox.driver.executeScript(
    "const [method, args] = arguments; return window.raftPlayground[method](...args);",
    method,
    args,
  );
}

/** Waits in Firefox until `predicate(state)` holds; returns that state. */
async function foxWaitForState(predicate, message) {
  let last = null;
  await fox.driver.wait(async () => predicate((last = await foxCall("state"))), 15_000, message).catch((error) => {
    throw new Error(`${error.message}\nlast state: ${last ? summary(last) : "none"}`);
  });
  return last;
}

/** What two engines must agree on. */
function outcome(state) {
  const { until_ms, events, state_hash, leader, term, nodes, violations } = state;
  const { ok, failed, unknown, linearizable } = state.history;
  return { until_ms, events, state_hash, leader, term, nodes, violations, history: { ok, failed, unknown, linearizable } };
}

async function foxScreenshot(name) {
  await mkdir(SCREENSHOTS, { recursive: true });
  await writeFile(join(SCREENSHOTS, `${name}.png`), await fox.driver.takeScreenshot(), "base64");
}

test("a scenario reaches the same state in Firefox as in Chromium, and links open across them", async () => {
  await foxOpen(chromium.server.url);
  await foxCall("load", JSON.stringify(SCENARIO));
  const inFirefox = await foxCall("state");
  const page = await openPlayground(chromium.browser, chromium.server.url);
  await load(page, SCENARIO);
  const inChromium = await state(page);
  assert.equal(inFirefox.until_ms, SCENARIO.until_ms);
  assert.ok(inFirefox.history.ok > 50, `the workload ran: ${inFirefox.history.ok} operations answered`);
  assert.deepEqual(outcome(inFirefox), outcome(inChromium),
    `same run:\n firefox:  ${summary(inFirefox)}\n chromium: ${summary(inChromium)}`);

  // Firefox's link opens in Chromium at the same moment, and Chromium's in Firefox.
  const foxLink = await foxCall("link");
  const opened = await openPlayground(chromium.browser, foxLink);
  assert.equal((await state(opened)).state_hash, inFirefox.state_hash, "Firefox's link, in Chromium");
  await call(page, "seek", 4200);
  const chromiumLink = await call(page, "link");
  const atChromium = await state(page);
  await foxOpen(chromiumLink);
  const reopened = await foxCall("state");
  assert.equal(reopened.until_ms, 4200);
  assert.equal(reopened.state_hash, atChromium.state_hash, "Chromium's link, in Firefox");

  assert.deepEqual(page.errors, [], "no console errors in Chromium");
  assert.deepEqual(opened.errors, [], "no console errors in Chromium");
  assert.deepEqual(fox.errors, [], "no console errors in Firefox");
});

test("in Firefox the page plays, draws, answers the keyboard and refuses a bad link", async () => {
  await foxOpen(chromium.server.url);
  await foxCall("load", JSON.stringify({ ...SCENARIO, until_ms: 500 }));

  // Playing runs on animation frames: virtual time moves, and pausing stops it.
  await foxCall("play");
  await foxWaitForState((s) => s.until_ms >= 700 && s.leader !== null, "the run plays in Firefox");
  await foxCall("pause");
  const paused = await foxCall("state");
  await fox.driver.sleep(400);
  assert.equal((await foxCall("state")).until_ms, paused.until_ms, "paused, time stands still");

  // The canvas is drawn: most of it painted, in more than a few colours.
  const pixels = await fox.driver.executeScript(countCanvasPixels, "canvas.cluster-canvas");
  assert.ok(pixels.painted > pixels.total / 2, `the canvas is painted: ${JSON.stringify(pixels)}`);
  assert.ok(pixels.colours >= 4, `the canvas shows more than a background: ${JSON.stringify(pixels)}`);

  // The keyboard: v switches the canvas to the space-time view.
  await fox.driver.executeScript("document.activeElement?.blur?.()");
  await fox.driver.actions().sendKeys("v").perform();
  const spaceTime = await fox.driver.findElement(By.css('[aria-label="Space-time view (v)"]'));
  await fox.driver.wait(async () => (await spaceTime.getAttribute("aria-pressed")) === "true", 5000, "v shows the space-time view");
  await fox.driver.actions().sendKeys("v").perform();

  // A tab, by a click.
  await fox.driver.findElement(By.id("tab-metrics")).click();
  const metrics = await fox.driver.findElement(By.css(".metrics-panel"));
  assert.match(await metrics.getText(), /Elections/);

  // A bad link: an Error that names the problem, and the run stays as it was. (WebDriver's
  // script runs in a realm of its own, where the page's Error is not `instanceof Error`.)
  const refused = await fox.driver.executeScript(`
    try { window.raftPlayground.load("#s=not*a*link"); return null; }
    catch (error) { return { isError: Object.prototype.toString.call(error) === "[object Error]", message: error.message }; }`);
  assert.ok(refused?.isError, `load throws an Error: ${JSON.stringify(refused)}`);
  assert.match(refused.message, /link/, `the message names the problem: ${refused.message}`);
  assert.equal((await foxCall("state")).state_hash, paused.state_hash, "the run is untouched");

  await foxScreenshot("firefox-metrics");
  assert.deepEqual(fox.errors, [], "no console errors in Firefox");
});

/** Clicks the embedding example's buttons in order; returns its log's "state at" lines. */
async function embedStates(click, logText) {
  const states = [];
  for (const button of ["state", "seek", "state"]) {
    const before = await logText();
    await click(button);
    const deadline = Date.now() + 10_000;
    while ((await logText()) === before) {
      if (Date.now() > deadline) throw new Error(`no answer to "${button}"; log:\n${before}`);
      await new Promise((done) => setTimeout(done, 50));
    }
  }
  for (const line of (await logText()).split("\n")) if (line.startsWith("state at")) states.unshift(line);
  return states;
}

test("in Firefox a course page drives the embedded playground through postMessage, as in Chromium", async () => {
  const url = `${chromium.server.url}embed-example.html`;
  await foxOpen(url, "return typeof document.getElementById('playground').contentWindow.raftPlayground?.state === 'function'");
  const foxLog = () => fox.driver.findElement(By.id("log")).getText();
  const inFirefox = await embedStates((id) => fox.driver.findElement(By.id(id)).click(), foxLog);

  const page = await openPage(chromium.browser, url);
  await page.waitForFunction(
    () => typeof document.getElementById("playground").contentWindow.raftPlayground?.state === "function",
  );
  const inChromium = await embedStates((id) => page.click(`#${id}`), () => page.locator("#log").innerText());

  assert.equal(inFirefox.length, 2, `two answers to "Read state": ${JSON.stringify(inFirefox)}`);
  assert.match(inFirefox[0], /^state at 1000 ms: leader \d, term \d+, hash [0-9a-f]{16}$/);
  assert.match(inFirefox[1], /^state at 3000 ms: /);
  assert.deepEqual(inFirefox, inChromium, "the same answers in both browsers");
  assert.match(await foxLog(), /event leader: \{"leader":\d,"term":\d+\}/, "leader events reach the host");

  await foxScreenshot("firefox-embed");
  assert.deepEqual(page.errors, [], "no console errors in Chromium");
  assert.deepEqual(fox.errors, [], "no console errors in Firefox");
});
