// The built page loads in headless Chromium, draws its canvas and logs no error.

import { test } from "node:test";
import assert from "node:assert/strict";
import { newPage, openPage, screenshot, canvasPixels } from "./harness.mjs";
import { sessionForFile, showView, press, openPlayground, load, nodeCentre, state } from "./playground.mjs";

const session = sessionForFile();

test("the page draws its canvas, shows its version, and logs no error", async () => {
  const page = await openPage(session.browser, session.server.url);
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

test("no animation frame is requested while paused or while the tab is hidden", async () => {
  const page = await openPage(session.browser, session.server.url);
  await page.waitForFunction(() => typeof window.raftPlayground?.state === "function");
  // Count the page's frame requests (the wasm calls `window.requestAnimationFrame` each time).
  await page.evaluate(() => {
    window.__frames = 0;
    const request = window.requestAnimationFrame.bind(window);
    window.requestAnimationFrame = (callback) => {
      window.__frames += 1;
      return request(callback);
    };
  });
  const framesDuring = async (ms) => {
    await page.evaluate(() => {
      window.__frames = 0;
    });
    await page.waitForTimeout(ms);
    return page.evaluate(() => window.__frames);
  };
  const setHidden = (hidden) =>
    page.evaluate((hidden) => {
      Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
      Object.defineProperty(document, "visibilityState", { configurable: true, get: () => (hidden ? "hidden" : "visible") });
      document.dispatchEvent(new Event("visibilitychange"));
    }, hidden);

  await page.evaluate(() => window.raftPlayground.play());
  assert.ok((await framesDuring(400)) > 5, "playing requests frames");

  await page.evaluate(() => window.raftPlayground.pause());
  await page.waitForTimeout(100); // a frame already requested may still run once
  assert.equal(await framesDuring(600), 0, "paused: no frame requested");

  await page.evaluate(() => window.raftPlayground.play());
  assert.ok((await framesDuring(300)) > 3, "playing again requests frames");
  await setHidden(true);
  await page.waitForTimeout(100);
  const hiddenAt = (await page.evaluate(() => window.raftPlayground.state())).until_ms;
  assert.equal(await framesDuring(600), 0, "hidden: no frame requested");
  const stillAt = (await page.evaluate(() => window.raftPlayground.state())).until_ms;
  assert.equal(stillAt, hiddenAt, "hidden: the simulation does not advance");

  await setHidden(false);
  assert.ok((await framesDuring(300)) > 3, "visible again: frames resume");
  assert.deepEqual(page.errors, [], "no console errors");
});

test("with reduced motion the page does not autoplay, and the space-time view draws from time 0", async () => {
  const page = await openPage(session.browser, session.server.url, { reducedMotion: "reduce" });
  await page.waitForFunction(() => typeof window.raftPlayground?.state === "function");
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.raftPlayground.state().until_ms), 0, "no autoplay with reduced motion");

  await showView(page, "spacetime");
  await press(page, "n", 5);
  await page.evaluate(() => window.raftPlayground.seek(250));
  await page.waitForTimeout(200);
  // The plot (below the node header, above the legend) shows coloured message arrows, not
  // just its grey grid: the window's start was computed correctly.
  const coloured = await page.evaluate(() => {
    const canvas = document.querySelector("canvas.cluster-canvas");
    const { width, height } = canvas;
    const top = Math.floor(height * 0.2);
    const data = canvas.getContext("2d").getImageData(0, top, width, Math.floor(height * 0.85) - top).data;
    let count = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      if (Math.max(r, g, b) - Math.min(r, g, b) > 80) count += 1;
    }
    return count;
  });
  assert.ok(coloured > 50, `message arrows drawn in the plot: ${coloured} coloured pixels`);
  await screenshot(page, "reduced-motion-spacetime");
  assert.deepEqual(page.errors, [], "no errors (the page did not crash)");
});

test("rings of 3 and of 15 nodes draw, and every node of the 15 can be inspected", async () => {
  const page = await openPage(session.browser, session.server.url);
  await page.waitForFunction(() => typeof window.raftPlayground?.state === "function");
  for (const nodes of [3, 15]) {
    await page.evaluate(
      (nodes) => window.raftPlayground.load(JSON.stringify({ format: 1, seed: 5, nodes, workload: { writes_per_sec: 20 }, until_ms: 3000 })),
      nodes,
    );
    const now = await page.evaluate(() => window.raftPlayground.state());
    assert.equal(now.nodes.length, nodes);
    assert.ok(now.leader, `a leader among ${nodes}`);
    const pixels = await canvasPixels(page, "canvas.cluster-canvas");
    assert.ok(pixels.colours > 1, `the ring of ${nodes} is drawn`);
    await screenshot(page, `ring-${nodes}`);
  }
  // S10 to S15 have no digit shortcut: the Inspect panel's buttons reach them.
  await page.click("#tab-inspect");
  await page.getByRole("button", { name: "Inspect node S15" }).click();
  await page.getByRole("heading", { name: /Node S15\b/ }).waitFor({ timeout: 5000 });
  assert.deepEqual(page.errors, [], "no console errors");
});

/**
 * Records, in the page, every text the cluster canvas draws: its font size and its box in CSS
 * px (through the canvas's transform, so a high-DPI screen and the large-screen zoom count),
 * and the last full disc drawn before it (a node's, for the node's own labels).
 */
function recordCanvasTexts() {
  window.__texts = [];
  const proto = CanvasRenderingContext2D.prototype;
  const { arc, fillText } = proto;
  const css = (context, x, y) => {
    const m = context.getTransform();
    const ratio = window.devicePixelRatio;
    return [(m.a * x + m.c * y + m.e) / ratio, (m.b * x + m.d * y + m.f) / ratio];
  };
  proto.arc = function (x, y, radius, start, end) {
    if (this.canvas.classList.contains("cluster-canvas") && start === 0 && Math.abs(end - 2 * Math.PI) < 1e-9) {
      const [cx, cy] = css(this, x, y);
      this.__disc = { x: cx, y: cy, r: (radius * this.getTransform().a) / window.devicePixelRatio };
    }
    return arc.apply(this, arguments);
  };
  proto.fillText = function (text, x, y) {
    if (this.canvas.classList.contains("cluster-canvas")) {
      const metrics = this.measureText(text);
      const [left, top] = css(this, x - metrics.actualBoundingBoxLeft, y - metrics.actualBoundingBoxAscent);
      const [right, bottom] = css(this, x + metrics.actualBoundingBoxRight, y + metrics.actualBoundingBoxDescent);
      const px = (parseFloat(this.font.match(/([\d.]+)px/)[1]) * this.getTransform().a) / window.devicePixelRatio;
      window.__texts.push({ text, px, left, top, right, bottom, disc: this.__disc });
    }
    return fillText.apply(this, arguments);
  };
}

// A node's name and term stay legible (at least 11 CSS px) however many nodes share the ring,
// inside their disc and clear of each other: 3, 9 and 15 nodes, on a laptop, a full-HD screen
// and a phone in portrait, at a device pixel ratio of 2. S1 is cut off so that its term climbs
// to two digits.
test("node labels are at least 11 px, inside their node and clear of each other, at 3 to 15 nodes", async () => {
  const screens = [
    ["laptop", { viewport: { width: 1366, height: 768 } }],
    ["full-hd", { viewport: { width: 1920, height: 1080 } }],
    ["phone", { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }],
  ];
  for (const [name, options] of screens) {
    const page = await newPage(session.browser, { ...options, deviceScaleFactor: 2 });
    await page.addInitScript(recordCanvasTexts);
    await page.goto(session.server.url);
    await page.waitForFunction(() => typeof window.raftPlayground?.state === "function");
    for (const nodes of [3, 9, 15]) {
      const rest = Array.from({ length: nodes - 1 }, (_, index) => index + 2);
      const scenario = {
        format: 1,
        seed: 5,
        nodes,
        config: { pre_vote: false },
        timeline: [{ at_ms: 300, do: "partition", groups: [[1], rest] }],
        until_ms: 4000,
      };
      await page.evaluate((text) => window.raftPlayground.load(text), JSON.stringify(scenario));
      // A seek paints one frame of this run, paused: its texts alone are recorded.
      await page.waitForFunction((nodes) => window.raftPlayground.state().nodes.length === nodes, nodes);
      await page.evaluate(() => (window.__texts = []));
      await page.evaluate(() => window.raftPlayground.seek(3900));
      await page.waitForFunction((nodes) => window.__texts.filter((t) => /^S\d+$/.test(t.text) && t.disc).length >= nodes, nodes);
      // The last frame's labels, by node: a name is drawn on its node's disc.
      const texts = await page.evaluate(() => window.__texts);
      const labels = new Map();
      texts.forEach((text, index) => {
        if (!/^S\d+$/.test(text.text) || !text.disc) return;
        const term = texts[index + 1];
        const same = term && term.disc === text.disc && /\d$/.test(term.text) && !/^S\d+$/.test(term.text) ? term : null;
        labels.set(text.text, { name: text, term: same });
      });
      assert.equal(labels.size, nodes, `${name}, ${nodes} nodes: every node is named`);
      const where = `${name}, ${nodes} nodes`;
      const terms = [...labels.values()].filter((label) => label.term);
      assert.ok(terms.length >= nodes - 1, `${where}: the terms are shown (${terms.length} of ${nodes})`);
      assert.ok(terms.some((label) => /\d\d$/.test(label.term.text)), `${where}: S1's term reached two digits`);
      for (const [node, { name: label, term }] of labels) {
        for (const text of [label, term].filter(Boolean)) {
          assert.ok(text.px >= 11 - 1e-6, `${where}: ${node}'s "${text.text}" is ${text.px.toFixed(1)} px`);
          const { x, y, r } = text.disc;
          const inside = [[text.left, text.top], [text.right, text.top], [text.left, text.bottom], [text.right, text.bottom]]
            .every(([cx, cy]) => Math.hypot(cx - x, cy - y) <= r + 0.5);
          assert.ok(inside, `${where}: ${node}'s "${text.text}" stays inside its disc: ${JSON.stringify(text)}`);
        }
        if (term) assert.ok(label.bottom <= term.top, `${where}: ${node}'s name and term do not overlap: ${JSON.stringify([label, term])}`);
      }
      await screenshot(page, `labels-${name}-${nodes}`);
    }
    assert.deepEqual(page.errors, [], `${name}: no console errors`);
    await page.close();
  }
});

// On a phone the panels are under the canvas and above the logs: a node tapped on either is
// inspected in view, the page scrolled to the panels. On a desktop, where they stand beside
// the canvas, nothing scrolls.
test("on a phone, tapping a node scrolls its inspector into view", async () => {
  const phone = await openPlayground(session.browser, session.server.url, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await load(phone, { format: 1, seed: 8, nodes: 5, until_ms: 2000 });
  assert.equal(await phone.evaluate(() => scrollY), 0);
  // The timeline sits right under the ring, in the first screen, before the panels: below them
  // it was a long scroll away from the cluster it moves.
  const timeline = await phone.locator(".timeline-area").boundingBox();
  const side = await phone.locator(".side").boundingBox();
  assert.ok(timeline.y + timeline.height <= 844, `the timeline is in the first screen: ${JSON.stringify(timeline)}`);
  assert.ok(timeline.y < side.y, "above the panels");
  const s1 = await nodeCentre(phone, 1, 5);
  await phone.touchscreen.tap(s1.x, s1.y);
  const title = phone.getByRole("heading", { name: /Node S1\b/ });
  await title.waitFor({ timeout: 5000 });
  const box = await title.boundingBox();
  assert.ok(box.y >= 0 && box.y + box.height <= 844 / 2, `the node's title is in the window's top half: ${JSON.stringify(box)}`);
  assert.ok(await phone.evaluate(() => scrollY) > 300, "the page scrolled down to the panels");
  await screenshot(phone, "phone-tap-inspect");
  // From the logs, under the panels, a node's row tapped brings its inspector back up.
  const logs = phone.locator(".log-panel canvas");
  await logs.scrollIntoViewIfNeeded();
  const rows = await logs.boundingBox();
  // S2's row: the second under the 16 px ruler, in rows of 24 px (log_panel.rs's
  // RULER_HEIGHT and ROW_HEIGHT_MAX).
  await phone.touchscreen.tap(rows.x + 40, rows.y + 16 + 24 * 1.5);
  const s2Title = phone.getByRole("heading", { name: /Node S2\b/ });
  await s2Title.waitFor({ timeout: 5000 });
  const s2Box = await s2Title.boundingBox();
  assert.ok(s2Box.y >= 0 && s2Box.y + s2Box.height <= 844 / 2, `S2's title is in the window's top half: ${JSON.stringify(s2Box)}`);
  // A node chosen in the panel itself, its top scrolled just out of sight, moves nothing.
  await press(phone, "Escape");
  const choose = phone.getByRole("button", { name: "Inspect node S3" });
  await choose.waitFor({ timeout: 5000 });
  const panels = await phone.locator("aside.side").boundingBox();
  await phone.evaluate((by) => scrollBy(0, by), panels.y + 30);
  const scrolled = await phone.evaluate(() => scrollY);
  await choose.tap();
  await phone.getByRole("heading", { name: /Node S3\b/ }).waitFor({ timeout: 5000 });
  assert.equal(await phone.evaluate(() => scrollY), scrolled, "a node chosen in the panel does not move the page");
  assert.deepEqual(phone.errors, [], "no console errors");

  const desktop = await openPlayground(session.browser, session.server.url);
  await load(desktop, { format: 1, seed: 8, nodes: 5, until_ms: 2000 });
  const s2 = await nodeCentre(desktop, 2, 5);
  await desktop.mouse.click(s2.x, s2.y);
  await desktop.getByRole("heading", { name: /Node S2\b/ }).waitFor({ timeout: 5000 });
  assert.equal(await desktop.evaluate(() => scrollY), 0, "a desktop does not scroll");
  assert.deepEqual(desktop.errors, [], "no console errors");
});

test("choosing a node from any tab opens the inspector; the theme restyles native controls too", async () => {
  const page = await openPage(session.browser, session.server.url, { colorScheme: "dark" });
  await page.waitForFunction(() => typeof window.raftPlayground?.state === "function");
  await page.click("#tab-metrics");
  await page.locator("canvas.cluster-canvas").focus();
  await page.keyboard.press("2");
  await page.getByRole("heading", { name: /Node S2\b/ }).waitFor({ timeout: 5000 });
  assert.equal(await page.getAttribute("#tab-inspect", "aria-selected"), "true", "the Inspect tab opened");

  // The system prefers dark; the person picks light: sliders and checkboxes follow the page.
  const scheme = () => page.evaluate(() => getComputedStyle(document.documentElement).colorScheme);
  const dark = page.getByRole("button", { name: "Dark theme" });
  if ((await dark.getAttribute("aria-pressed")) === "true") await dark.click();
  await page.waitForFunction(() => getComputedStyle(document.documentElement).colorScheme === "light");
  await dark.click();
  assert.equal(await scheme(), "dark");
  assert.deepEqual(page.errors, [], "no console errors");
});

// A phone's touch screen: every control in sight, in every tab and the opened menu, is a
// target a finger can hit (44 × 44 px); a mouse keeps the compact controls.
test("on a touch screen every control is at least 44 px square", async () => {
  const smallControls = (page) =>
    page.evaluate(() =>
      [...document.querySelectorAll("button, a[href], select, input:not([type=checkbox]):not([type=radio]), label:has(> input[type=checkbox])")]
        .map((control) => [control, control.getBoundingClientRect()])
        // A link inside a sentence is exempt (WCAG 2.5.8); one on a line of its own is not.
        .filter(([control]) => control.tagName !== "A" || !control.closest("p"))
        .filter(([, box]) => box.width > 0 && box.height > 0 && (box.width < 43.5 || box.height < 43.5))
        .map(([control, box]) => `${control.getAttribute("aria-label") ?? control.textContent.trim()} (${Math.round(box.width)}×${Math.round(box.height)})`),
    );
  const phone = await openPlayground(session.browser, session.server.url, {
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
  });
  await phone.getByRole("button", { name: /More/ }).click();
  for (const tab of ["learn", "inspect", "clients", "network", "config", "metrics", "share", "help"]) {
    await phone.click(`#tab-${tab}`);
    assert.deepEqual(await smallControls(phone), [], `controls too small for a finger in the ${tab} tab`);
  }
  await screenshot(phone, "touch-targets-phone");
  assert.deepEqual(phone.errors, [], "no console errors");

  const desktop = await openPlayground(session.browser, session.server.url);
  assert.ok((await smallControls(desktop)).length > 5, "with a mouse the controls stay compact");
});

// A phone held sideways is short: the toolbar took two rows of its 390 px, and the ring what
// the rows, the side tabs and the timeline left. Its controls now keep to one row, the others
// one tap away in the menu, as in portrait; the title stays for screen readers.
test("on a landscape phone the toolbar keeps to one row", async () => {
  for (const viewport of [{ width: 844, height: 390 }, { width: 740, height: 360 }]) {
    const page = await openPlayground(session.browser, session.server.url, { viewport, isMobile: true, hasTouch: true });
    const rows = () =>
      page.evaluate(() => {
        const tops = [...document.querySelectorAll(".toolbar > *")]
          .map((child) => child.getBoundingClientRect())
          .filter((box) => box.width > 1 && box.height > 1)
          .map((box) => Math.round(box.top + box.height / 2));
        return new Set(tops.map((middle) => Math.round(middle / 20))).size;
      });
    assert.equal(await rows(), 1, `${viewport.width}×${viewport.height}: one row of controls`);
    assert.equal(await page.getByRole("heading", { name: "Raft Playground", level: 1 }).count(), 1, "the title is still there for screen readers");
    const heal = page.getByRole("button", { name: /^Heal/ });
    assert.equal(await heal.isVisible(), false, "secondary controls wait in the menu");
    await page.getByRole("button", { name: /More/ }).click();
    assert.ok(await heal.isVisible(), "the menu opens on them");
    await screenshot(page, `landscape-${viewport.width}`);
    assert.deepEqual(page.errors, [], "no console errors");
    await page.close();
  }
});

// A refused action's notice comes and goes over the page: the canvas does not move while it
// shows (it used to push the workspace down by its height), and it is in sight, readable and
// announced, on a desktop and on a phone scrolled down to the field that was refused, in both
// themes. It leaves the toolbar and the side panels' tabs uncovered (and the cards at the top
// of the stage: bugs.test.mjs folds a violation's card while the notice shows).
test("a notice overlays the page: the canvas stays put and the notice is in sight and readable", async () => {
  const cases = [
    ["desktop-light", { viewport: { width: 1366, height: 768 }, colorScheme: "light" }],
    ["desktop-dark", { viewport: { width: 1366, height: 768 }, colorScheme: "dark" }],
    ["phone-light", { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, colorScheme: "light" }],
    ["phone-dark", { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, colorScheme: "dark" }],
  ];
  for (const [name, options] of cases) {
    const page = await openPlayground(session.browser, session.server.url, options);
    await page.evaluate(() => window.raftPlayground.load(JSON.stringify({ format: 1, seed: 3, nodes: 3, until_ms: 500 })));
    const canvasBox = () =>
      page.evaluate(() => {
        const box = document.querySelector("canvas.cluster-canvas").getBoundingClientRect();
        return { top: box.top + window.scrollY, left: box.left, width: box.width, height: box.height };
      });
    const before = await canvasBox();
    await page.click("#tab-network");
    await page.fill("#network-latency-min", "99999");
    await page.press("#network-latency-min", "Enter");
    const notice = page.getByRole("alert").filter({ hasText: "Latency" });
    await notice.waitFor({ timeout: 5000 });
    assert.deepEqual(await canvasBox(), before, `${name}: the canvas does not move while the notice shows`);
    const facts = await page.evaluate(() => {
      const bar = document.querySelector(".notice");
      const box = bar.getBoundingClientRect();
      const rgb = (colour) => colour.match(/[\d.]+/g).slice(0, 3).map(Number);
      const luminance = (colour) => {
        const [r, g, b] = rgb(colour).map((c) => (c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4));
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      const [light, dark] = [luminance(getComputedStyle(bar.querySelector(".notice-text")).color), luminance(getComputedStyle(bar).backgroundColor)].sort((a, b) => b - a);
      const tabs = document.querySelector(".tabs")?.getBoundingClientRect();
      const toolbar = document.querySelector(".toolbar").getBoundingClientRect();
      return {
        top: box.top,
        bottom: box.bottom,
        left: box.left,
        right: box.right,
        innerWidth: window.innerWidth,
        innerHeight: window.innerHeight,
        contrast: (light + 0.05) / (dark + 0.05),
        opaque: rgb(getComputedStyle(bar).backgroundColor).length === 3 && !/rgba\(.*, 0\)/.test(getComputedStyle(bar).backgroundColor),
        coversTabs: tabs ? !(box.right <= tabs.left || box.left >= tabs.right || box.bottom <= tabs.top || box.top >= tabs.bottom) : false,
        coversToolbar: box.top < toolbar.bottom && box.bottom > toolbar.top,
      };
    });
    assert.ok(facts.top >= 0 && facts.bottom <= facts.innerHeight, `${name}: the notice is in sight: ${JSON.stringify(facts)}`);
    assert.ok(facts.left >= 0 && facts.right <= facts.innerWidth, `${name}: the notice fits the width: ${JSON.stringify(facts)}`);
    assert.ok(facts.contrast >= 4.5, `${name}: the notice's text contrasts ${facts.contrast.toFixed(2)}:1`);
    assert.equal(facts.coversTabs, false, `${name}: the notice leaves the tabs usable: ${JSON.stringify(facts)}`);
    assert.equal(facts.coversToolbar, false, `${name}: the notice leaves the toolbar usable: ${JSON.stringify(facts)}`);
    await screenshot(page, `notice-${name}`);
    await page.getByRole("button", { name: "Dismiss the message" }).click();
    await notice.waitFor({ state: "detached", timeout: 5000 });
    assert.deepEqual(await canvasBox(), before, `${name}: nor when it goes`);
    assert.deepEqual(page.errors, [], `${name}: no console errors`);
    await page.close();
  }
});

// The panels re-render several times a second while the run plays; a field that acts when its
// value is committed keeps what is typed until then (it used to be put back at every render).
test("typing into a Config field while the run plays keeps the typed text; Enter applies it", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await page.evaluate(() => window.raftPlayground.play());
  await page.click("#tab-config");
  const field = page.locator(".config-field", { hasText: "heartbeat" }).locator("input");
  await field.click();
  await field.press("ControlOrMeta+a");
  await page.keyboard.type("75", { delay: 400 }); // slower than the panels re-render
  await page.waitForTimeout(400);
  assert.equal(await field.inputValue(), "75", "the field shows what is being typed");
  await field.press("Enter");
  await page.waitForTimeout(600);
  assert.equal(await field.inputValue(), "75", "after Enter the run has the new heartbeat");
  assert.equal(await page.locator(".notice-text").count(), 0, "no complaint");
  // Typed back to the value in force and left: there is no change to commit, and no draft
  // may stay behind, or a run loaded later would show it instead of its own value.
  await field.click();
  await field.press("ControlOrMeta+a");
  await page.keyboard.type("75");
  await field.press("Tab");
  await page.evaluate(() => window.raftPlayground.load(JSON.stringify({ format: 1, config: { heartbeat_ms: 40 } })));
  await page.waitForTimeout(300);
  assert.equal(await field.inputValue(), "40", "the loaded run's heartbeat, not a draft left behind");
  assert.deepEqual(page.errors, [], "no console errors");
});

// A setting the run cannot take is refused in the Config panel's words: it used to name the
// scenario file's fields ("config.heartbeat_ms: 400 must be below…", "timeline[0].node: 5 is
// not a node…"), which the panel never shows.
test("a refused setting is explained in the panel's words, and the run keeps its settings", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, { format: 1, nodes: 5, timeline: [{ at_ms: 500, do: "crash", node: 5 }], until_ms: 1000 });
  const before = await state(page);
  await page.click("#tab-config");
  const notice = page.locator(".notice-text");
  for (const [label, value, said] of [
    ["election timeout min", "500", "The election timeout's minimum (500 ms) must be below its maximum (300 ms): to raise both, raise the maximum first."],
    ["heartbeat", "200", "The heartbeat (200 ms) must be below the election timeout's minimum (150 ms), or followers would time out between heartbeats."],
    ["nodes", "4", 'The run\'s timeline cannot take this change. Its action "crash S5" at 0.500 s: 5 is not a node (nodes 1 to 4 exist at 500 ms).'],
  ]) {
    const field = page.locator(".config-field", { hasText: label }).locator("input");
    await field.fill(value);
    await field.press("Enter");
    await notice.filter({ hasText: said }).waitFor({ timeout: 5000 });
    assert.equal((await state(page)).state_hash, before.state_hash, `${label}: the run keeps its settings`);
    await page.getByRole("button", { name: "Dismiss the message" }).click();
  }
  // So is a client request: by its field, not by its place in the timeline.
  await page.click("#tab-clients");
  await page.fill("#client-key", "k".repeat(65));
  await page.getByRole("button", { name: /^Send / }).click();
  await notice.filter({ hasText: /^The key "k{24}…" is 65 bytes long \(the limit is 64\)$/ }).waitFor({ timeout: 5000 });
  assert.equal((await state(page)).state_hash, before.state_hash, "the request did not go on the timeline");
  assert.deepEqual(page.errors, [], "no console errors");
});

// A seed runs to 20 digits, and its field shows them all (it showed 8), on a desktop and on a
// phone.
test("the seed field shows a whole 20-digit seed", async () => {
  for (const viewport of [{ width: 1366, height: 768 }, { width: 390, height: 844 }]) {
    const page = await openPlayground(session.browser, session.server.url, { viewport });
    await page.evaluate(() => window.raftPlayground.load('{"format": 1, "seed": 18446744073709551615}'));
    if (viewport.width < 760) await page.getByRole("button", { name: /More/ }).click();
    await page.click("#tab-config");
    const field = page.locator(".config-field", { hasText: "seed" }).locator("input");
    assert.equal(await field.inputValue(), "18446744073709551615");
    const [needed, shown] = await field.evaluate((input) => [input.scrollWidth, input.clientWidth]);
    assert.ok(needed <= shown, `${viewport.width} px: the seed needs ${needed} px, its field shows ${shown}`);
    assert.equal(await page.evaluate(() => document.scrollingElement.scrollWidth), viewport.width, "no sideways scroll");
    assert.deepEqual(page.errors, [], "no console errors");
    await page.close();
  }
});
