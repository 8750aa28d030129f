// A seeded "monkey": a few hundred random interactions, the same choices on every run (a
// mulberry32 stream per seed; the page's fresh cluster is seeded too, only wall-clock timing
// varies). It clicks whatever button, tab, checkbox or select is visible and enabled, presses
// the shortcuts and random keys, types hostile text and numbers into the fields, moves the
// sliders and the timeline, clicks, drags and wheels on the canvases, resizes the window, opens
// mutated links and lessons, imports bad files, calls the script API and postMessage with bad
// arguments, and acts while a long link is still replaying; on a desktop, a phone, an embed,
// and a run already busy with a leader, snapshots and clients.
// After every action the page must have logged no error, shown no panic panel and answered
// within seconds; every few actions `state()` must answer and frames must keep coming while it
// plays; bad links must leave the run untouched and say why; a run's own link and a trip back
// and forth in time must give the same state; at the end, a violation only with a bug switch on.
// A failure names the seed, the step and the action; the whole sequence is in
// target/e2e/monkey-seed-N.log, and a screenshot of the end in target/e2e/monkey-seed-N.png.
// MONKEY_SEEDS=5,6 runs other seeds, MONKEY_VARIANT one variant (see the end of the file).

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import { SCREENSHOTS, screenshot } from "./harness.mjs";
import { sessionForFile, openPlayground, summary, sleep } from "./playground.mjs";

const session = sessionForFile({ timeout: 60_000 });

/** The runs: one per seed, each in its own page and window. */
const RUNS = [
  // `longLinkAt`: the step at which the run opens the long link (besides by chance).
  { seed: 1, actions: 120, viewport: { width: 1280, height: 800 }, longLinkAt: 60 },
  { seed: 2, actions: 90, viewport: { width: 390, height: 844 }, phone: true },
  { seed: 3, actions: 70, viewport: { width: 800, height: 520 }, embed: "?embed&controls=play,step,speed,timeline,logs", longLinkAt: 40 },
  // Opens on a long link and acts at once, while the page replays it a slice per frame.
  { seed: 4, actions: 80, viewport: { width: 1920, height: 1080 }, startOnLongLink: true },
  // Starts 8 s into a busy run (a leader, snapshots, a client history): a fresh cluster has
  // none of these for its first few hundred milliseconds, where most random runs stay.
  { seed: 5, actions: 100, viewport: { width: 1440, height: 900 }, busy: true },
];

/** How long Playwright may wait for an element to be clickable (covered, moving: skipped). */
const CLICK_MS = 1_000;
/** How long the page may take to answer a call before it counts as frozen. */
const ANSWER_MS = 5_000;
/** `state()` finishes a replay in progress first: a long link takes seconds. */
const STATE_MS = 15_000;
/** Actions after opening the long link during which `state()` is not called (it would finish the replay). */
const REPLAY_WINDOW = 12;

/** The busy run's scenario, with the monkey run's own seed. */
const busyScenario = (seed) => ({
  format: 1,
  seed,
  nodes: 5,
  config: { loss: 0.02, duplicate: 0.01, snapshot_every: 25 },
  workload: { writes_per_sec: 30, reads_per_sec: 15, keys: 4, cas_percent: 20 },
  timeline: [{ at_ms: 3000, do: "crash", node: 1 + (seed % 5) }, { at_ms: 5000, do: "restart", node: 1 + (seed % 5) }],
  until_ms: 8000,
});

// A long, busy run: replaying it takes a few seconds, a slice per frame.
const LONG = { format: 1, seed: 4, nodes: 9, workload: { writes_per_sec: 200, reads_per_sec: 100 }, until_ms: 100_000 };
let longFragment = null;

/** Builds the long link once (loading it takes a few seconds), for the runs that open it. */
async function ensureLongFragment() {
  if (longFragment) return longFragment;
  const page = await openPlayground(session.browser, session.server.url);
  await page.evaluate((text) => window.raftPlayground.load(text), JSON.stringify(LONG));
  const link = await page.evaluate(() => window.raftPlayground.link());
  longFragment = link.slice(link.indexOf("#"));
  assert.deepEqual(page.errors, [], "no console errors while building the long link");
  await page.close();
  return longFragment;
}

// --- the seeded random stream -------------------------------------------------------------

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomTools(rng) {
  const int = (low, high) => low + Math.floor(rng() * (high - low + 1));
  const pick = (list) => list[Math.floor(rng() * list.length)];
  const chance = (p) => rng() < p;
  /** Picks a key of `weights` ({ name: weight }) in proportion to its weight. */
  const weighted = (weights) => {
    const entries = Object.entries(weights).filter(([, weight]) => weight > 0);
    let roll = rng() * entries.reduce((sum, [, weight]) => sum + weight, 0);
    for (const [name, weight] of entries) {
      roll -= weight;
      if (roll < 0) return name;
    }
    return entries.at(-1)[0];
  };
  return { int, pick, chance, weighted };
}

// --- what the monkey types and presses ------------------------------------------------------

const HOSTILE_TEXT = [
  "",
  " ",
  "0",
  "-1",
  "NaN",
  "Infinity",
  "1e309",
  "99999999999999999999999",
  "18446744073709551616",
  "-0",
  "0x10",
  "3.5",
  "١٢٣",
  "🦀🔥 ünïcödé",
  "\u202Eevil\u202C",
  "<script>alert(1)</script>",
  "'\"\\`${}",
  "key\u0000nul",
  "x".repeat(10_000),
  "👩‍👩‍👧‍👦".repeat(300),
  "null",
  "{}",
  "#s=AAAA",
  "\n\t",
];

const HOSTILE_NUMBERS = ["", "-1", "-999999", "0", "1", "2", "3", "15", "16", "100", "1e3", "1e309", "99999999999999999999999", "18446744073709551616", "3.7", "-0", "NaN", "Infinity", "abc", " 7 "];

/** The documented shortcuts (Help panel), with the node digits. */
const SHORTCUTS = [" ", "k", "n", "ArrowRight", "ArrowLeft", ",", "+", "=", "-", "_", "v", "Escape", "?", "h", "a", "1", "2", "3", "4", "5", "6", "7", "8", "9", "c", "r", "p", "t", "s"];
/** Other keys a person might hit. */
const RANDOM_KEYS = ["Tab", "Shift+Tab", "Enter", "Home", "End", "PageUp", "PageDown", "ArrowUp", "ArrowDown", "Backspace", "Delete", "0", "x", "z", "Q", "!", "/", "F2", "Shift+?", "Alt+1"];

const LESSONS = ["leader-election", "split-votes", "log-replication", "commit-rule-figure-8", "partition-minority", "crash-recovery", "log-compaction", "membership-change", "pre-vote-check-quorum", "linearizable-reads", "coordinated-backup"];

const IMPORT_FILES = [
  ["empty.json", ""],
  ["broken.json", '{"format": 1, "seed": '],
  ["wrong.json", '{"format": 1, "nodes": 0, "until_ms": 5}'],
  ["huge-nodes.json", '{"format": 1, "nodes": 1000000, "until_ms": 5}'],
  ["far.json", '{"format": 1, "nodes": 3, "until_ms": 99999999999999}'],
  ["array.json", "[1, 2, 3]"],
  ["link.txt", "#s=AAAA"],
  ["binary.bin", "\u0000\u0001\u0002\u00ff\ufffd"],
  ["unicode.json", '{"format": 1, "seed": "🦀"}'],
  ["ok.json", '{"format": 1, "seed": 9, "nodes": 3, "until_ms": 700}'],
];

// --- the page ---------------------------------------------------------------------------------

/**
 * Installed before the page runs: counts its frame requests in `window.__monkeyFrames`, and
 * seeds `Math.random` (which picks a fresh page's run) so that every load of a monkey run
 * starts the same cluster.
 */
function prepare(seed) {
  let a = seed >>> 0;
  Math.random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  window.__monkeyFrames = 0;
  const request = window.requestAnimationFrame.bind(window);
  window.requestAnimationFrame = (callback) => {
    window.__monkeyFrames += 1;
    return request(callback);
  };
}

/** Waits for the script API and a sized canvas after a navigation. */
async function waitReady(page) {
  await page.waitForFunction(() => typeof window.raftPlayground?.state === "function", null, { timeout: ANSWER_MS * 2 });
  await page.waitForFunction(() => document.querySelector("canvas.cluster-canvas")?.width > 0, null, { timeout: ANSWER_MS * 2 });
}

/** A promise that fails with `message` after `ms`. */
function withTimeout(promise, ms, message) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]);
}

/** What the page shows now, read in one call (no script API: it must not finish a replay). */
function glance(page) {
  return page.evaluate(() => {
    const panel = document.getElementById("error-panel");
    const pause = document.querySelector('button[aria-label="Pause (space)"], .embed-bar button[aria-label="Pause"]');
    return {
      panel: panel ? panel.textContent : null,
      playing: Boolean(pause),
      replaying: Boolean(document.querySelector(".replaying")),
      bugs: document.querySelector(".bugs-on")?.textContent ?? null,
      notice: document.querySelector(".notice-text")?.textContent ?? null,
      verdict: document.querySelector(".verdict")?.textContent ?? null,
    };
  });
}

/** Marks the visible, enabled elements matching `selector` with data-monkey=N; returns their descriptions. */
function tagCandidates(page, selector) {
  return page.evaluate((selector) => {
    for (const old of document.querySelectorAll("[data-monkey]")) old.removeAttribute("data-monkey");
    const found = [];
    for (const element of document.querySelectorAll(selector)) {
      if (element.disabled || element.readOnly) continue;
      if (element.closest("#error-panel")) continue;
      const box = element.getBoundingClientRect();
      if (box.width < 1 || box.height < 1) continue;
      if (element.checkVisibility && !element.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
      element.dataset.monkey = String(found.length);
      const label = element.closest("label")?.textContent || (element.id && document.querySelector(`label[for="${element.id}"]`)?.textContent);
      const name = (element.getAttribute("aria-label") || label || element.textContent || element.id || "").trim().replace(/\s+/g, " ");
      found.push({
        tag: element.tagName.toLowerCase(),
        type: element.type ?? "",
        name: name.slice(0, 50),
        inForm: Boolean(element.closest("form")),
        value: "value" in element ? String(element.value).slice(0, 40) : null,
        min: element.min ?? null,
        max: element.max ?? null,
        options: element.tagName === "SELECT" ? [...element.options].map((option) => option.value) : null,
      });
    }
    return found;
  }, selector);
}

const tagged = (index) => `[data-monkey="${index}"]`;

/** Whether `error` is Playwright giving up on an element (covered, detached, re-rendered): not the page's fault. */
function benign(error) {
  return /Timeout \d+ms exceeded|not attached|detached|Element is not|element is outside|Cannot type text into input\[type=number\]|Malformed value|strict mode violation|not an <input>|Element is not an <input>/i.test(error.message);
}

/** Where node `id` of `count` sits on the ring, roughly (as `view::ring_geometry` places a widest ring). */
function nodePoint(box, id, count) {
  const [cx, cy] = [box.width / 2, box.height / 2 - 8];
  const radius = Math.max(Math.min(box.width, box.height) * 0.36, 40);
  const angle = -Math.PI / 2 + (2 * Math.PI * (id - 1)) / count;
  return { x: box.x + cx + radius * Math.cos(angle), y: box.y + cy + radius * Math.sin(angle) };
}

/**
 * Pauses (through the API, or with the Space key like a person: a playing run stops on a whole
 * millisecond, and a paused one stays, perhaps just after a single step inside a millisecond:
 * a link names either exactly), then reads the link and the state hash of the current moment.
 */
async function snapshotRun(page, { byHand = false } = {}) {
  if (byHand && (await glance(page)).playing) {
    await page.evaluate(() => document.activeElement?.blur?.());
    await page.keyboard.press(" ");
  } else {
    await page.evaluate(() => window.raftPlayground.pause());
  }
  // A link's moment is at least 1 ms (`until_ms` ≥ 1): at 0 ms, move on to 1 ms first, the
  // moment the link will name.
  await page.evaluate(() => window.raftPlayground.state().until_ms === 0 && window.raftPlayground.seek(1));
  return page.evaluate(() => {
    const state = window.raftPlayground.state();
    return { link: window.raftPlayground.link(), hash: state.state_hash, until: state.until_ms, summary: state };
  });
}

/** Whether two link fragments (`#s=…`) hold the same scenario: the same version byte and the
 * same bytes once inflated. False if either does not decode. */
function sameScenario(a, b) {
  const decode = (fragment) => {
    const bytes = Buffer.from(fragment.slice("#s=".length), "base64url");
    return Buffer.concat([bytes.subarray(0, 1), inflateSync(bytes.subarray(1))]);
  };
  try {
    return decode(a).equals(decode(b));
  } catch {
    return false;
  }
}

async function dismissNotice(page) {
  await page.evaluate(() => document.querySelector(".notice-dismiss")?.click());
  await page.waitForFunction(() => !document.querySelector(".notice-text"), null, { timeout: ANSWER_MS });
}

/** Tags what `selector` finds and picks one at random: `{ target, index, locator }`, or null. */
async function pickTagged({ page, r }, selector) {
  const found = await tagCandidates(page, selector);
  if (found.length === 0) return null;
  const index = r.int(0, found.length - 1);
  return { target: found[index], index, locator: page.locator(tagged(index)) };
}

// --- the actions ------------------------------------------------------------------------------
//
// Each takes the run's context and returns a description of what it did (for the log). A
// consistency check inside an action throws an AssertionError; the caller adds seed and step.

const ACTIONS = {
  async click(ctx) {
    const { page, r } = ctx;
    const picked = await pickTagged(ctx, 'button, [role="tab"], input[type="checkbox"], input[type="radio"], summary, select');
    if (!picked) return "click: nothing to click";
    const { target, locator } = picked;
    if (target.tag === "select") {
      const value = r.pick(target.options);
      await locator.selectOption(value, { timeout: CLICK_MS });
      return `select "${target.name}" = ${JSON.stringify(value)}`;
    }
    const description = `click ${target.tag}${target.type === "checkbox" ? "[checkbox]" : ""} "${target.name}"`;
    ctx.doing = description;
    await locator.click({ timeout: CLICK_MS });
    return description;
  },

  async key(ctx) {
    const { page, r } = ctx;
    const key = r.chance(0.75) ? r.pick(SHORTCUTS) : r.pick(RANDOM_KEYS);
    const blur = r.chance(0.7);
    if (blur) await page.evaluate(() => document.activeElement?.blur?.());
    const times = r.chance(0.15) ? r.int(2, 6) : 1;
    for (let i = 0; i < times; i += 1) await page.keyboard.press(key);
    return `key ${JSON.stringify(key)}${times > 1 ? ` ×${times}` : ""}${blur ? "" : " (focus kept)"}`;
  },

  async type(ctx) {
    const { page, r } = ctx;
    // The fields live in a few tabs: open one of them now and then (what a person would do).
    if (!ctx.run.embed && r.chance(0.6)) {
      await page.locator(`#tab-${r.pick(["clients", "network", "config", "share"])}`).click({ timeout: CLICK_MS });
    }
    const picked = await pickTagged(ctx, 'input[type="text"], input[type="number"], input:not([type]), textarea');
    if (!picked) return "type: no field";
    const { target: field, index, locator } = picked;
    const number = field.type === "number";
    const text = number ? r.pick(HOSTILE_NUMBERS) : r.pick(HOSTILE_TEXT);
    const before = field.value;
    const hadNotice = await page.evaluate(() => Boolean(document.querySelector(".notice-text")));
    // A number field that acts when it changes (not one of a form's, sent on submit).
    const onChange = number && !field.inForm;
    let typedByHand = false;
    if (/^\d{1,6}$/.test(text)) {
      // Digits, typed at a person's pace: the field must show them until they are committed,
      // also while the run plays (the panels re-render every 150 ms then).
      if (onChange && r.chance(0.5)) await page.evaluate(() => window.raftPlayground.play());
      await locator.click({ timeout: CLICK_MS });
      await locator.press("ControlOrMeta+a", { timeout: CLICK_MS });
      await page.keyboard.type(text, { delay: 120 });
      typedByHand = true;
      await sleep(200); // a person looks at what they typed before pressing Enter
      const shown = await locator.inputValue({ timeout: CLICK_MS });
      assert.equal(shown, text, `typing ${JSON.stringify(text)} into ${field.type} "${field.name}": the field shows ${JSON.stringify(shown)} before it is committed`);
    } else {
      try {
        await locator.fill(text, { timeout: CLICK_MS });
      } catch (error) {
        if (!/Cannot type text into input\[type=number\]/.test(error.message)) throw error;
        // What a person typing letters into a number field gets: the browser empties it.
        await locator.evaluate((element, text) => {
          element.value = text;
          element.dispatchEvent(new Event("input", { bubbles: true }));
        }, text);
      }
    }
    const commit = r.pick(["Enter", "Tab"]);
    await locator.press(commit, { timeout: CLICK_MS });
    const label = JSON.stringify(text.length > 24 ? `${text.slice(0, 24)}…(${text.length} chars)` : text);
    const how = typedByHand ? "type by hand" : "fill";
    const description = `${how} ${label} into ${field.type || "text"} "${field.name}" (was ${JSON.stringify(before)}) then ${commit}`;
    // A value the page refuses must not stay in the field, as if it held.
    if (onChange && !hadNotice) {
      await sleep(50);
      const after = await page.evaluate(
        (selector) => ({
          notice: document.querySelector(".notice-text")?.textContent ?? null,
          value: document.querySelector(selector)?.value ?? null,
        }),
        tagged(index),
      );
      if (after.notice && after.value !== null) {
        assert.equal(after.value, before, `${description}: the page refused it ("${after.notice.slice(0, 120)}") but the field shows ${JSON.stringify(after.value)}, not the value in force`);
      }
    }
    return description;
  },

  async slider(ctx) {
    const { page, r } = ctx;
    const picked = await pickTagged(ctx, 'input[type="range"]');
    if (!picked) return "slider: none";
    const { target: slider, locator } = picked;
    const [min, max] = [Number(slider.min || 0), Number(slider.max || 100)];
    const how = r.pick(["fill", "drag", "keys"]);
    if (how === "fill") {
      const value = String(r.int(min, max));
      await locator.fill(value, { timeout: CLICK_MS });
      return `slider "${slider.name}" fill ${value}`;
    }
    if (how === "keys") {
      const key = r.pick(["ArrowRight", "ArrowLeft", "Home", "End", "PageUp", "PageDown"]);
      await locator.press(key, { timeout: CLICK_MS });
      return `slider "${slider.name}" key ${key}`;
    }
    const box = await locator.boundingBox();
    if (!box) return `slider "${slider.name}": gone`;
    const from = { x: box.x + box.width * r.rng(), y: box.y + box.height / 2 };
    const to = { x: box.x + box.width * (r.rng() * 1.4 - 0.2), y: box.y + box.height / 2 + r.int(-30, 30) };
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(to.x, to.y, { steps: 5 });
    await page.mouse.up();
    return `slider "${slider.name}" drag ${Math.round(from.x)},${Math.round(from.y)} → ${Math.round(to.x)},${Math.round(to.y)}`;
  },

  async canvasClick(ctx) {
    const { page, r } = ctx;
    const box = await page.locator("canvas.cluster-canvas").boundingBox();
    if (!box) return "canvas click: no canvas";
    const point = r.chance(0.5)
      ? nodePoint(box, r.int(1, ctx.nodes), ctx.nodes)
      : { x: box.x + r.rng() * box.width, y: box.y + r.rng() * box.height };
    if (ctx.phone && r.chance(0.5)) {
      await page.touchscreen.tap(point.x, point.y);
      return `tap canvas at ${Math.round(point.x)},${Math.round(point.y)}`;
    }
    await page.mouse.click(point.x, point.y);
    return `click canvas at ${Math.round(point.x)},${Math.round(point.y)}`;
  },

  async canvasDrag(ctx) {
    const { page, r } = ctx;
    const box = await page.locator("canvas.cluster-canvas").boundingBox();
    if (!box) return "canvas drag: no canvas";
    const node = r.int(1, ctx.nodes);
    const from = r.chance(0.75) ? nodePoint(box, node, ctx.nodes) : { x: box.x + r.rng() * box.width, y: box.y + r.rng() * box.height };
    const to = r.chance(0.5)
      ? nodePoint(box, r.int(1, ctx.nodes), ctx.nodes)
      : { x: box.x + (r.rng() * 1.3 - 0.15) * box.width, y: box.y + (r.rng() * 1.3 - 0.15) * box.height };
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 3 });
    await page.mouse.move(to.x, to.y, { steps: 3 });
    await page.mouse.up();
    return `drag canvas ${Math.round(from.x)},${Math.round(from.y)} (near S${node}) → ${Math.round(to.x)},${Math.round(to.y)}`;
  },

  async wheel(ctx) {
    const { page, r } = ctx;
    const target = r.pick(["canvas.cluster-canvas", "canvas.log-canvas"]);
    const box = await page.locator(target).first().boundingBox().catch(() => null);
    if (!box) return `wheel: no ${target}`;
    const [dx, dy] = [r.pick([0, 0, -40, 40, 500]), r.pick([-3000, -120, -5, 5, 120, 3000])];
    await page.mouse.move(box.x + r.rng() * box.width, box.y + r.rng() * box.height);
    await page.mouse.wheel(dx, dy);
    return `wheel on ${target} by ${dx},${dy}`;
  },

  async logDrag(ctx) {
    const { page, r } = ctx;
    const box = await page.locator("canvas.log-canvas").first().boundingBox().catch(() => null);
    if (!box) return "log drag: no logs";
    const from = { x: box.x + r.rng() * box.width, y: box.y + r.rng() * box.height };
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(from.x + r.int(-600, 600), from.y + r.int(-80, 80), { steps: 4 });
    await page.mouse.up();
    return `drag logs from ${Math.round(from.x)},${Math.round(from.y)}`;
  },

  async scrub(ctx) {
    const { page, r } = ctx;
    const scrubber = page.locator("#timeline-scrubber");
    if ((await scrubber.count()) === 0 || !(await scrubber.isVisible())) return "scrub: no timeline";
    const box = await scrubber.boundingBox();
    const x = box.x + r.rng() * box.width;
    await page.mouse.move(x, box.y + box.height / 2);
    await page.mouse.down();
    const to = box.x + r.rng() * box.width;
    await page.mouse.move(to, box.y + box.height / 2, { steps: r.int(1, 6) });
    await page.mouse.up();
    return `scrub timeline ${Math.round(((x - box.x) / box.width) * 100)}% → ${Math.round(((to - box.x) / box.width) * 100)}%`;
  },

  async resize(ctx) {
    const { page, r } = ctx;
    const sizes = ctx.phone
      ? [[390, 844], [844, 390], [320, 568], [414, 896], [360, 640]]
      : [[1280, 800], [1920, 1080], [1024, 768], [800, 600], [640, 480], [2560, 1440], [1366, 700], [300, 300]];
    const [width, height] = r.pick(sizes);
    await page.setViewportSize({ width, height });
    return `resize to ${width}×${height}`;
  },

  async wait(ctx) {
    const ms = ctx.r.int(30, 300);
    await sleep(ms);
    return `wait ${ms} ms`;
  },

  async importFile(ctx) {
    const { page, r } = ctx;
    const input = page.locator('input[type="file"]');
    if ((await input.count()) === 0 || !(await input.isVisible())) return "import: no file input (Share tab closed)";
    const [name, content] = r.pick(IMPORT_FILES);
    await input.setInputFiles({ name, mimeType: "application/json", buffer: Buffer.from(content) });
    return `import file ${name}`;
  },

  /** Opens a mutated or nonsense address; a bad one must leave the run untouched and say why. */
  async badLink(ctx) {
    const { page, r } = ctx;
    const before = await snapshotRun(page);
    const fragment = before.link.slice(before.link.indexOf("#"));
    const payload = fragment.slice("#s=".length);
    const kind = r.pick(["truncate", "flip", "append", "garbage", "empty", "long", "unicode", "lesson-missing", "parameter"]);
    if (kind === "parameter") {
      // Not a bad link: the fragment may carry other `&` parameters, which are ignored. It
      // opens the same run at the same moment, with no complaint.
      const link = `${fragment}&${r.pick(["step=2", "x=1", "lesson=nonexistent", "s"])}`;
      await dismissNotice(page);
      await page.evaluate((link) => {
        location.hash = link;
      }, link);
      await sleep(100);
      const after = await page.evaluate(() => ({
        notice: document.querySelector(".notice-text")?.textContent ?? null,
        hash: window.raftPlayground.state().state_hash,
      }));
      assert.equal(after.hash, before.hash, `open ${link}: the same run with a parameter added is another state`);
      assert.equal(after.notice, null, `open ${link}: a complaint about a good link`);
      return `open own link with a parameter: …${link.slice(-20)} → same run`;
    }
    let bad;
    if (kind === "truncate") bad = fragment.slice(0, r.int(3, fragment.length - 2));
    else if (kind === "flip") {
      const at = r.int(3, fragment.length - 1);
      const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
      let replacement = r.pick([...alphabet]);
      if (replacement === fragment[at]) replacement = fragment[at] === "A" ? "B" : "A";
      bad = fragment.slice(0, at) + replacement + fragment.slice(at + 1);
    } else if (kind === "append") {
      // ("%21" is "!"; a space, "%20", would be trimmed as pasted whitespace, and "==" may be the
      // padding the link leaves out: both good links. "===" never is.)
      bad = fragment + r.pick(["A", "AAAA", "x", "===", "%21", "zzzzzzzz"]);
    }
    else if (kind === "garbage") bad = `#s=${r.pick(["garbage", "AAAA", "%%%", "!!", "Ag", "CQ", "A".repeat(r.int(1, 60))])}`;
    else if (kind === "empty") bad = r.pick(["#s=", "#s", "#=", "#&", "#foo"]);
    else if (kind === "long") bad = `#s=${payload}${"B".repeat(r.int(5_000, 30_000))}`;
    else if (kind === "unicode") bad = `#s=${payload.slice(0, 10)}🦀ü${payload.slice(10)}`;
    else bad = `#lesson=nonexistent&step=999`;
    // The same address again is no navigation at all (no hashchange): nothing to check.
    // (The address holds it percent-encoded: compare it so.)
    if (await page.evaluate((bad) => new URL(bad, location.href).hash === location.hash, bad)) {
      return `open bad link ${kind}: skipped, the address is ${bad} already`;
    }
    await dismissNotice(page);
    await page.evaluate((bad) => {
      location.hash = bad;
    }, bad);
    const description = `open bad link ${kind}: ${bad.length > 60 ? `${bad.slice(0, 60)}…(${bad.length} chars)` : bad}`;
    await page.waitForFunction(() => Boolean(document.querySelector(".notice-text")), null, { timeout: ANSWER_MS }).catch(() => {});
    const after = await page.evaluate(() => ({
      notice: document.querySelector(".notice-text")?.textContent ?? null,
      hash: window.raftPlayground.state().state_hash,
      until: window.raftPlayground.state().until_ms,
    }));
    assert.equal(after.hash, before.hash, `${description}: the bad link changed the run (at ${after.until} ms, was ${before.until} ms)`);
    if (!after.notice && sameScenario(fragment, bad)) {
      // A changed character can land on bits deflate ignores (those after a stored block's
      // header, say): then the link is good, and names the same run.
      return `${description} → the same scenario (the change hit unused bits), same run`;
    }
    assert.ok(after.notice, `${description}: no message names the problem`);
    assert.match(after.notice, /could not be opened|lesson/i, `${description}: the message: ${after.notice}`);
    return `${description} → "${after.notice.slice(0, 80)}"`;
  },

  /** Opens a lesson by its address, perhaps at a step that does not exist. */
  async lessonLink(ctx) {
    const { page, r } = ctx;
    const id = r.pick(LESSONS);
    const step = r.pick(["", "&step=0", "&step=2", "&step=999", "&step=-1", "&step=abc", "&step=99999999999999999999"]);
    const before = await snapshotRun(page);
    await dismissNotice(page);
    await page.evaluate((hash) => {
      location.hash = hash;
    }, `#lesson=${id}${step}`);
    await page
      .waitForFunction(() => document.querySelector(".lesson-card") || document.querySelector(".notice-text"), null, { timeout: ANSWER_MS })
      .catch(() => {});
    const after = await page.evaluate(() => ({
      notice: document.querySelector(".notice-text")?.textContent ?? null,
      card: Boolean(document.querySelector(".lesson-card")),
      hash: window.raftPlayground.state().state_hash,
    }));
    const description = `open #lesson=${id}${step}`;
    assert.ok(after.card || after.notice, `${description}: neither the lesson nor a message shows`);
    if (!after.card) assert.equal(after.hash, before.hash, `${description}: refused (${after.notice}) but the run changed`);
    return `${description} → ${after.card ? "lesson shown" : `"${after.notice}"`}${after.notice && after.card ? ` and "${after.notice}"` : ""}`;
  },

  /** Opens the long link: the page replays it a slice per frame while the monkey goes on. */
  async longLink(ctx) {
    const { page, step } = ctx;
    // The same address again is no navigation (no hashchange).
    if ((await page.evaluate(() => location.hash)) === longFragment) return "open the long link: skipped, the address is that link already";
    await page.evaluate((hash) => {
      location.hash = hash;
    }, longFragment);
    await page.waitForFunction(() => Boolean(document.querySelector(".replaying")), null, { timeout: ANSWER_MS }).catch(() => {});
    ctx.replayUntil = step + REPLAY_WINDOW;
    ctx.longOpened = true;
    const seen = await glance(page);
    const where = await page.evaluate(() => ({ hash: location.hash.slice(0, 30), clock: document.querySelector(".clock")?.textContent }));
    assert.ok(seen.replaying, `the long link shows its replay progress (it replays a slice per frame); instead: ${JSON.stringify({ ...seen, ...where })}`);
    return `open the long link (${LONG.until_ms / 1000} s of 9 busy nodes): replaying`;
  },

  /** The current run's own link, opened in a fresh load: the same state. */
  async reopen(ctx) {
    const { page, r } = ctx;
    const byHand = r.chance(0.5);
    const before = await snapshotRun(page, { byHand });
    if (before.until > 60_000) return `reopen: skipped, run at ${before.until} ms is long to replay`;
    await page.goto("about:blank");
    await page.goto(before.link);
    await waitReady(page);
    const after = await withTimeout(
      page.evaluate(() => window.raftPlayground.state()),
      STATE_MS,
      "state() did not answer after reopening the link",
    );
    assert.equal(after.state_hash, before.hash, `reopening the run's own link gives another state: ${summary(after)} vs ${summary(before.summary)}`);
    return `reopen own link at ${before.until} ms (${before.link.length} chars, paused ${byHand ? "by hand" : "by the API"}): same state`;
  },

  /** Back in time and forward again to the same moment: the same state. */
  async timeTravel(ctx) {
    const { page, r } = ctx;
    // Seeking names whole milliseconds: a run paused just after a single step (inside one, or
    // before the rest of its events) first goes to the millisecond `state()` reports.
    await page.evaluate(() => window.raftPlayground.seek(window.raftPlayground.state().until_ms));
    const before = await snapshotRun(page);
    const back = Math.max(0, before.until - r.int(1, 3000));
    const hash = await page.evaluate(
      ([back, until]) => {
        window.raftPlayground.seek(back);
        window.raftPlayground.seek(until);
        return window.raftPlayground.state().state_hash;
      },
      [back, before.until],
    );
    assert.equal(hash, before.hash, `seek ${before.until} → ${back} → ${before.until} ms gives another state`);
    return `time travel ${before.until} → ${back} → ${before.until} ms: same state`;
  },

  /** Calls the script API with a bad argument: an Error with a message, never a trap. */
  async api(ctx) {
    const { page, r } = ctx;
    const [method, args] = r.pick([
      ["seek", [-1]],
      ["seek", [NaN]],
      ["seek", ["soon"]],
      ["seek", [1e12]],
      ["seek", [null]],
      ["seek", [{}]],
      ["load", [""]],
      ["load", ["{"]],
      ["load", [42]],
      ["load", ['{"format": 1, "nodes": 0}']],
      ["load", ['{"format": 2}']],
      ["load", ["x".repeat(200_000)]],
      ["load", ["#lesson=leader-election"]],
      ["on", ["nope", () => {}]],
      ["on", ["leader", null]],
      ["step", []],
      ["frameStats", []],
      ["link", []],
    ]);
    const outcome = await page.evaluate(
      ([method, args]) => {
        try {
          const value = window.raftPlayground[method](...args);
          return { ok: true, value: typeof value };
        } catch (error) {
          return { ok: false, name: error?.name, isError: error instanceof Error, message: String(error?.message ?? error) };
        }
      },
      [method, args.map((arg) => (typeof arg === "function" ? undefined : arg))],
    );
    const call = `${method}(${args.map((arg) => (typeof arg === "string" && arg.length > 30 ? `"${arg.slice(0, 10)}…"` : JSON.stringify(arg) ?? String(arg))).join(", ")})`;
    if (!outcome.ok) {
      assert.ok(outcome.isError, `${call} threw something that is not an Error: ${outcome.message}`);
      assert.notEqual(outcome.name, "RuntimeError", `${call} trapped in wasm: ${outcome.message}`);
      assert.ok(outcome.message.length > 10, `${call} threw without a message`);
      return `api ${call} → ${outcome.name}: ${outcome.message.slice(0, 80)}`;
    }
    return `api ${call} → ${outcome.value}`;
  },

  /** Sends the page a bad postMessage call, as a host page could: it must answer with an error. */
  async postMessage(ctx) {
    const { page, r } = ctx;
    const message = r.pick([
      // Names every object inherits: not methods of the API.
      { raftPlayground: "constructor" },
      { raftPlayground: "toString" },
      { raftPlayground: "valueOf", args: [] },
      { raftPlayground: "hasOwnProperty", args: ["seek"] },
      { raftPlayground: "seek", args: "x" },
      { raftPlayground: "seek", args: [-5] },
      { raftPlayground: "seek", args: [1e300] },
      { raftPlayground: "load", args: [123] },
      { raftPlayground: "load", args: ["#s=AAAA"] },
      { raftPlayground: "load", args: [{ format: 1 }] },
      { raftPlayground: "on", args: ["leader"] },
      { raftPlayground: "__proto__" },
      { raftPlayground: "nope", args: [1, 2, 3] },
      { raftPlayground: "", args: null },
    ]);
    const id = `monkey-${ctx.step}`;
    const reply = await page.evaluate(
      (message) =>
        new Promise((resolve) => {
          const listener = (event) => {
            if (event.data?.id !== message.id || event.data.raftPlayground === message.raftPlayground) return;
            window.removeEventListener("message", listener);
            resolve(event.data);
          };
          window.addEventListener("message", listener);
          window.postMessage(message, "*");
          setTimeout(() => resolve(null), 2000);
        }),
      { ...message, id },
    );
    const sent = JSON.stringify(message);
    assert.ok(reply, `postMessage ${sent}: no answer within 2 s`);
    assert.equal(reply.raftPlayground, "error", `postMessage ${sent}: answered ${JSON.stringify(reply)}, not an error`);
    assert.ok(reply.message?.length > 10, `postMessage ${sent}: an error without a message`);
    return `postMessage ${sent} → error: ${reply.message.slice(0, 80)}`;
  },

  async learn(ctx) {
    const name = await clickOneInTab(ctx, "#tab-learn", ".lesson-open");
    return name === null ? "learn: no Learn tab or no lessons" : `open the lesson "${name}" from the Learn tab`;
  },

  async bug(ctx) {
    const name = await clickOneInTab(ctx, "#tab-config", ".bug-switch input", ".bug-switch");
    return name === null ? "bug: no Config tab or no switches" : `toggle the bug switch "${name}"`;
  },
};

/**
 * Opens a side panel's tab, then clicks one of its `targets` at random. Returns the text of
 * the same item of `labels` (the target itself by default), or null if there was no tab or
 * nothing to click (embedded, the side panels are not there).
 */
async function clickOneInTab({ page, r }, tabSelector, targets, labels = targets) {
  const tab = page.locator(tabSelector);
  if ((await tab.count()) === 0) return null;
  await tab.click({ timeout: CLICK_MS });
  const items = page.locator(targets);
  const count = await items.count();
  if (count === 0) return null;
  const index = r.int(0, count - 1);
  const name = await page.locator(labels).nth(index).textContent();
  await items.nth(index).click({ timeout: CLICK_MS });
  return name;
}

/** How often each action is chosen; embedded, the side panels are not there. */
function weightsFor(run, replaying, longOpened) {
  const weights = {
    click: 30,
    key: 16,
    type: 8,
    slider: 6,
    canvasClick: 6,
    canvasDrag: 6,
    wheel: 4,
    logDrag: 2,
    scrub: 5,
    resize: 2,
    wait: 3,
    importFile: 2,
    badLink: 3,
    lessonLink: 2,
    longLink: 0.5,
    reopen: 1.5,
    timeTravel: 2,
    api: 3,
    postMessage: 1.5,
    learn: 1.5,
    bug: 1,
  };
  if (run.embed) Object.assign(weights, { type: 0, importFile: 0, learn: 0, bug: 0 });
  // A busy run stays busy longer: lessons replace the scenario with one that starts at 0.
  if (run.busy) Object.assign(weights, { lessonLink: 0.4, learn: 0.4 });
  // While a long link replays, only what a person does: the script API and the checks that
  // read the state would finish the replay at once.
  if (longOpened) weights.longLink = 0; // once a run: each costs seconds of replay
  if (replaying) Object.assign(weights, { badLink: 0, lessonLink: 0, longLink: 0, reopen: 0, timeTravel: 0, api: 0, postMessage: 0 });
  return weights;
}

// --- the checks after each action -------------------------------------------------------------

async function checkHealth(ctx, where, { full }) {
  const { page } = ctx;
  const seen = await withTimeout(glance(page), ANSWER_MS, `${where}: the page did not answer within ${ANSWER_MS} ms (frozen)`);
  assert.equal(seen.panel, null, `${where}: the error panel is shown: ${seen.panel}`);
  assert.deepEqual(page.errors, [], `${where}: errors in the page`);
  if (!full) return seen;

  const current = await withTimeout(
    page.evaluate(() => window.raftPlayground.state()),
    STATE_MS,
    `${where}: state() did not answer within ${STATE_MS} ms`,
  );
  assert.ok(Number.isFinite(current.until_ms) && current.until_ms >= 0, `${where}: state() until_ms ${current.until_ms}`);
  // Up to 15 nodes to start with, and the timeline may add more: a lesson that adds a node,
  // with its node count then raised to 15, has 16. Node ids stop at 64 (NODE_ID_MAX).
  assert.ok(Array.isArray(current.nodes) && current.nodes.length >= 1 && current.nodes.length <= 64, `${where}: state() nodes ${current.nodes?.length}`);
  assert.match(String(current.state_hash), /\w/, `${where}: state() has a state hash`);
  for (const node of current.nodes) {
    if (node.up) assert.ok(node.commit_index <= node.last_index, `${where}: S${node.id} committed past its log: ${summary(current)}`);
  }
  ctx.nodes = current.nodes.length;

  // Playing, the page keeps asking for frames (the loop did not stop or die).
  const frames = await withTimeout(
    page.evaluate(
      () =>
        new Promise((resolve) => {
          const playing = () => Boolean(document.querySelector('button[aria-label="Pause (space)"], .embed-bar button[aria-label="Pause"]'));
          const [before, wasPlaying] = [window.__monkeyFrames, playing()];
          setTimeout(() => resolve({ wasPlaying, stillPlaying: playing(), count: window.__monkeyFrames - before }), 300);
        }),
    ),
    ANSWER_MS,
    `${where}: the page did not answer within ${ANSWER_MS} ms (frozen)`,
  );
  if (frames.wasPlaying && frames.stillPlaying) {
    assert.ok(frames.count >= 2, `${where}: playing, but only ${frames.count} frames requested in 300 ms`);
  }
  return seen;
}

// --- one run ----------------------------------------------------------------------------------

async function monkey(run, t) {
  const rng = mulberry32(run.seed);
  const r = { ...randomTools(rng), rng };
  await ensureLongFragment();
  const base = `${session.server.url}${run.embed ?? ""}`;
  const context = await session.browser.newContext({
    viewport: run.viewport,
    ...(run.phone ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
    acceptDownloads: true,
  });
  const page = await context.newPage();
  page.errors = [];
  page.on("console", (message) => {
    if (message.type() === "error") page.errors.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => page.errors.push(`page: ${error.message}`));
  page.on("dialog", (dialog) => dialog.dismiss().catch(() => {}));
  page.on("download", (download) => download.delete().catch(() => {}));
  context.on("page", (popup) => {
    if (popup !== page) popup.close().catch(() => {});
  });
  await page.addInitScript(prepare, run.seed);

  const ctx = { page, r, run, step: 0, nodes: 5, replayUntil: -1, longOpened: Boolean(run.startOnLongLink), phone: Boolean(run.phone), doing: null };
  const log = [`seed ${run.seed}: ${JSON.stringify({ ...run, seed: undefined })}`];
  const logPath = join(SCREENSHOTS, `monkey-seed-${run.seed}.log`);
  const saveLog = async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    await writeFile(logPath, `${log.join("\n")}\n`);
  };

  try {
    await page.goto(run.startOnLongLink ? `${base}${longFragment}` : base);
    await waitReady(page);
    if (run.startOnLongLink) {
      ctx.replayUntil = REPLAY_WINDOW;
      log.push("0: opened the long link");
    }
    if (run.busy) {
      const text = JSON.stringify(busyScenario(run.seed));
      await page.evaluate((text) => window.raftPlayground.load(text), text);
      log.push(`0: loaded ${text}`);
    }
    let seen = await checkHealth(ctx, `seed ${run.seed}, on opening`, { full: !run.startOnLongLink });
    if (run.startOnLongLink) assert.ok(seen.replaying, `seed ${run.seed}: the long link does not show its replay progress`);

    let actedWhileReplaying = 0;
    for (let step = 1; step <= run.actions; step += 1) {
      ctx.step = step;
      const replaying = step <= ctx.replayUntil;
      if (seen.replaying) actedWhileReplaying += 1;
      const name = step === run.longLinkAt && !ctx.longOpened ? "longLink" : r.weighted(weightsFor(run, replaying, ctx.longOpened));
      let description = name;
      ctx.doing = null;
      const started = Date.now();
      try {
        description = await ACTIONS[name](ctx);
      } catch (error) {
        if (error instanceof assert.AssertionError) {
          error.message = `seed ${run.seed}, step ${step}, action ${name}: ${error.message}`;
          log.push(`${step}: ${name} FAILED: ${error.message}`);
          throw error;
        }
        if (!benign(error)) {
          log.push(`${step}: ${name} FAILED: ${error.message}`);
          throw new Error(`seed ${run.seed}, step ${step}, action ${ctx.doing ?? name} failed: ${error.message}`);
        }
        // Why Playwright gave up: the last line of its call log.
        const lines = error.message
          .replace(/\x1b\[\d+m/g, "")
          .split("\n")
          .map((line) => line.trim())
          .filter((line) => line && !/^- (waiting|retrying|attempting|scrolling|done scrolling|waiting for element)/.test(line));
        description = `${ctx.doing ?? name}: skipped (${lines[0].slice(0, 80)}; ${lines.at(-1).slice(0, 120)})`;
      }
      const acted = Date.now();
      const where = `seed ${run.seed}, step ${step}, action ${description}`;
      const full = step > ctx.replayUntil && (step % 5 === 0 || step === run.actions);
      log.push(`${step}: ${description}`);
      seen = await checkHealth(ctx, where, { full });
      log[log.length - 1] += ` [${acted - started} + ${Date.now() - acted} ms]`;
    }
    log.push(`acted ${actedWhileReplaying} times while a long link was replaying`);
    if (run.startOnLongLink) assert.ok(actedWhileReplaying > 0, `seed ${run.seed}: the monkey never acted while the long link was replaying`);

    // The end: safe unless a bug switch is on; the toolbar's verdict says the same as state().
    await page.evaluate(() => window.raftPlayground.pause());
    const end = await withTimeout(page.evaluate(() => window.raftPlayground.state()), STATE_MS, `seed ${run.seed}: state() did not answer at the end`);
    await sleep(300);
    seen = await glance(page);
    log.push(`end: ${summary(end)}; verdict ${seen.verdict}; bugs ${seen.bugs}`);
    if (!seen.bugs) assert.deepEqual(end.violations, [], `seed ${run.seed}: a safety violation with no bug switch on: ${summary(end)}`);
    const broken = /^✗.*violation/.test(seen.verdict ?? "");
    if (end.violations.length > 0) assert.ok(broken, `seed ${run.seed}: state() has violations, the verdict says ${seen.verdict}`);
    else assert.ok(!broken, `seed ${run.seed}: the verdict says ${seen.verdict}, state() has none`);
    assert.deepEqual(page.errors, [], `seed ${run.seed}: errors in the page at the end`);
    await screenshot(page, `monkey-seed-${run.seed}`);
    t.diagnostic(`seed ${run.seed}: ${run.actions} actions, ended ${summary(end).slice(0, 160)}…; log in ${logPath}`);
  } catch (error) {
    log.push(`FAILED: ${error.message}`);
    await screenshot(page, `monkey-seed-${run.seed}-failed`).catch(() => {});
    error.message += `\n  (the whole sequence: ${logPath}; last actions:\n    ${log.slice(-8).join("\n    ")})`;
    throw error;
  } finally {
    await saveLog();
    await context.close();
  }
}

// MONKEY_SEEDS=5,6,7 runs other seeds (desktop, phone, embed, long link, busy run in turn): to
// explore, or to reproduce one run alone; MONKEY_VARIANT=busy (or desktop, phone, embed, long)
// runs them all on that one.
const VARIANTS = { desktop: RUNS[0], phone: RUNS[1], embed: RUNS[2], long: RUNS[3], busy: RUNS[4] };
const variant = process.env.MONKEY_VARIANT;
if (variant && !VARIANTS[variant]) {
  throw new Error(`MONKEY_VARIANT=${variant}: expected one of ${Object.keys(VARIANTS).join(", ")}`);
}
const runs = process.env.MONKEY_SEEDS
  ? process.env.MONKEY_SEEDS.split(",").map((seed, i) => ({ ...(VARIANTS[variant] ?? RUNS[i % RUNS.length]), seed: Number(seed) }))
  : RUNS;

for (const run of runs) {
  const where = run.phone
    ? "a phone"
    : run.embed
      ? "an embed"
      : run.startOnLongLink
        ? "a long link still replaying"
        : run.busy
          ? "a busy run"
          : "the desktop page";
  test(`monkey, seed ${run.seed}: ${run.actions} random actions on ${where} leave it answering, clean and consistent`, { timeout: 120_000 }, (t) =>
    monkey(run, t),
  );
}
