// Helpers for the end-to-end tests that drive the playground through its script API
// (`window.raftPlayground`, a contract in ARCHITECTURE.md) and its keyboard shortcuts.
// Every helper works on a page opened with harness.mjs's `openPage`.

import { before, after } from "node:test";
import { launchBrowser, openPage, serveDist } from "./harness.mjs";

/**
 * One server and browser for the calling test file: started before its first test, closed
 * after its last. The returned object is filled in by then (`session.browser`,
 * `session.server.url`).
 */
export function sessionForFile({ timeout } = {}) {
  const session = {};
  before(async () => Object.assign(session, await startSession()), { timeout });
  after(async () => session.close?.());
  return session;
}

/** Starts the static server and the browser for one test file: `{ server, browser, close }`. */
export async function startSession() {
  const server = await serveDist();
  const browser = await launchBrowser();
  return {
    server,
    browser,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

/** Opens the page and waits for the script API and a sized cluster canvas. */
export async function openPlayground(browser, url, options) {
  const page = await openPage(browser, url, options);
  await page.waitForFunction(() => typeof window.raftPlayground?.state === "function");
  await page.waitForFunction(() => document.querySelector("canvas.cluster-canvas")?.width > 100);
  return page;
}

/** `load(scenario)`: an object is sent as JSON text, a string as it is (a link or JSON). */
export async function load(page, scenario) {
  const text = typeof scenario === "string" ? scenario : JSON.stringify(scenario);
  await page.evaluate((text) => window.raftPlayground.load(text), text);
}

/** `state()`: the `raft-sim run` object for the current moment. */
export function state(page) {
  return page.evaluate(() => window.raftPlayground.state());
}

/** Calls one method of the script API with the given arguments. */
export function call(page, method, ...args) {
  return page.evaluate(([method, args]) => window.raftPlayground[method](...args), [method, args]);
}

/** How much the canvas magnifies its drawing, as `view::canvas_zoom` says. */
export function canvasZoom(page, box) {
  const window = page.viewportSize();
  const byWindow = Math.min(window.width / 1280, window.height / 800);
  const room = Math.min(box.width / 520, box.height / 380);
  return Math.min(Math.max(Math.min(byWindow, room), 1), 1.5);
}

/** Where node `id` (1-based, of `count`) sits on the ring, in page coordinates. */
export async function nodeCentre(page, id, count) {
  const box = await page.locator("canvas.cluster-canvas").boundingBox();
  // As `view::ring_geometry` and `view::ring_position` place them, magnified by the canvas's
  // zoom (which scales the ring with the canvas, so only the centre's offset changes). This is
  // the ring's widest radius, which a 5-node ring has at the 1280x800 viewport the tests use
  // (a crowded or short canvas shrinks it to leave room for captions: then mirror that too).
  const [cx, cy] = [box.width / 2, box.height / 2 - 8 * canvasZoom(page, box)];
  const radius = Math.max(Math.min(box.width, box.height) * 0.36, 40);
  const angle = -Math.PI / 2 + (2 * Math.PI * (id - 1)) / count;
  return { x: box.x + cx + radius * Math.cos(angle), y: box.y + cy + radius * Math.sin(angle) };
}

/** Presses a key with focus on the page body (shortcuts ignore keys typed into fields). */
export async function press(page, key, times = 1) {
  await page.evaluate(() => document.activeElement?.blur?.());
  for (let i = 0; i < times; i += 1) await page.keyboard.press(key);
}

/**
 * Shows `view` ("ring" or "spacetime") on the canvas, switching with the v key if another is
 * shown, and waits until the page says it is shown.
 */
export async function showView(page, view) {
  const label = view === "spacetime" ? "Space-time view (v)" : "Ring view (v)";
  const shown = (label) => document.querySelector(`[aria-label="${label}"]`)?.getAttribute("aria-pressed") === "true";
  if (!(await page.evaluate(shown, label))) await press(page, "v");
  await page.waitForFunction(shown, label);
}

/**
 * Waits until `predicate(state, arg)` holds, polling `state()` in the page; `predicate` runs in
 * the page, so it must be self-contained (pass what it needs as `arg`, JSON data). Returns the
 * state that satisfied it, or throws with the last state seen.
 */
export async function waitForState(page, predicate, { timeout = 15_000, polling = 100, arg = null } = {}) {
  try {
    const handle = await page.waitForFunction(
      ([source, arg]) => {
        const state = window.raftPlayground.state();
        // eslint-disable-next-line no-new-func
        return new Function("state", "arg", `return (${source})(state, arg);`)(state, arg) ? state : null;
      },
      [predicate.toString(), arg],
      { timeout, polling },
    );
    return handle.jsonValue();
  } catch (error) {
    const last = await state(page);
    throw new Error(`${error.message}\nlast state: ${summary(last)}`);
  }
}

/** A one-line summary of a state, for failure messages. */
export function summary(state) {
  const nodes = state.nodes
    .map((n) => `S${n.id}:${n.up ? n.role : "down"}/t${n.term}/c${n.commit_index}/log${n.log_start}..${n.last_index}`)
    .join(" ");
  return `at ${state.until_ms} ms leader=${state.leader} term=${state.term} events=${state.events} ${nodes} violations=${JSON.stringify(state.violations)}`;
}

/** Records every `on(name)` event in `window.__events[name]`. */
export async function recordEvents(page, ...names) {
  await page.evaluate((names) => {
    window.__events ??= {};
    for (const name of names) {
      window.__events[name] = [];
      window.raftPlayground.on(name, (event) => window.__events[name].push(event));
    }
  }, names);
}

export function recordedEvents(page, name) {
  return page.evaluate((name) => window.__events[name], name);
}

/**
 * A fingerprint of the cluster canvas's pixels (a cheap rolling hash), to tell whether the
 * picture changed.
 */
export function canvasFingerprint(page) {
  return page.evaluate(() => {
    const canvas = document.querySelector("canvas.cluster-canvas");
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let hash = 0;
    for (let i = 0; i < data.length; i += 16) hash = (Math.imul(hash, 31) + data[i] + (data[i + 1] << 8)) | 0;
    return hash;
  });
}

/** A short wall-clock pause, for letting the page play. */
export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
