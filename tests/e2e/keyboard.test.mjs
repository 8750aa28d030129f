// Keyboard shortcuts in the real page (src/ui/app.rs `handle_shortcut`, listed in the Help
// panel): space plays and pauses, n steps one event, + and - change the speed, a digit selects
// a node for the inspector, v switches the view, Escape clears the selection, a adds a node.

import { test } from "node:test";
import assert from "node:assert/strict";
import { screenshot } from "./harness.mjs";
import { sessionForFile, openPlayground, load, state, press, waitForState, canvasFingerprint, call, showView } from "./playground.mjs";

const session = sessionForFile();

test("keyboard shortcuts play, step, select, switch the view and clear", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, { format: 1, seed: 7, nodes: 5, workload: { writes_per_sec: 10 }, until_ms: 1000 });
  const playButton = page.getByRole("button", { name: "Play (space)" });
  const pauseButton = page.getByRole("button", { name: "Pause (space)" });
  await playButton.waitFor({ timeout: 5000 });

  // Space plays (the button turns into Pause and time moves), space again pauses.
  await press(page, " ");
  await pauseButton.waitFor({ timeout: 5000 });
  // Long enough for the space-time view to record a few heartbeat rounds (50 ms apart).
  await waitForState(page, (s) => s.until_ms > 1200, { timeout: 15_000 });
  await press(page, " ");
  await playButton.waitFor({ timeout: 5000 });
  const paused = await state(page);
  await page.waitForTimeout(400);
  assert.equal((await state(page)).until_ms, paused.until_ms, "paused: time stands still");

  // n runs exactly one event.
  const beforeStep = await state(page);
  await press(page, "n");
  const afterStep = await waitForState(page, (s, before) => s.events > before, { timeout: 5000, arg: beforeStep.events });
  assert.equal(afterStep.events, beforeStep.events + 1, "one event");
  assert.ok(afterStep.until_ms >= beforeStep.until_ms, "time does not go back");
  await press(page, "n", 3);
  assert.equal((await state(page)).events, beforeStep.events + 4, "four events in all");

  // + doubles the speed, - halves it.
  const speed = page.locator(".speed-value");
  const speedBefore = (await speed.textContent()).trim();
  await press(page, "+");
  await page.waitForFunction((before) => document.querySelector(".speed-value").textContent.trim() !== before, speedBefore);
  await press(page, "-");
  await page.waitForFunction((before) => document.querySelector(".speed-value").textContent.trim() === before, speedBefore);

  // 1 selects S1: the inspector shows it and the canvas marks it.
  await page.click("#tab-inspect");
  const unselected = await canvasFingerprint(page);
  await press(page, "1");
  const heading = page.getByRole("heading", { name: /Node S1\b/ });
  await heading.waitFor({ timeout: 5000 });
  assert.notEqual(await canvasFingerprint(page), unselected, "the canvas shows the selection");
  await screenshot(page, "keyboard-selected");

  // v switches to the space-time view and back.
  const ringButton = page.getByRole("button", { name: "Ring view (v)" });
  const spaceTimeButton = page.getByRole("button", { name: "Space-time view (v)" });
  assert.equal(await ringButton.getAttribute("aria-pressed"), "true");
  const ring = await canvasFingerprint(page);
  const toolbarHeight = () => page.evaluate(() => document.querySelector(".toolbar").getBoundingClientRect().height);
  const ringToolbar = await toolbarHeight();
  await showView(page, "spacetime");
  assert.equal(await toolbarHeight(), ringToolbar, "the view's options do not push the toolbar onto another row");
  assert.equal(await spaceTimeButton.getAttribute("aria-pressed"), "true");
  assert.equal(await ringButton.getAttribute("aria-pressed"), "false");
  assert.notEqual(await canvasFingerprint(page), ring, "the canvas draws another picture");
  await screenshot(page, "keyboard-spacetime");
  // The space-time view can leave heartbeats out.
  const heartbeats = page.getByRole("button", { name: "Heartbeats in the space-time view" });
  assert.equal(await heartbeats.getAttribute("aria-pressed"), "true");
  const withHeartbeats = await canvasFingerprint(page);
  await heartbeats.click();
  await page.waitForFunction(() => document.querySelector('[aria-label="Heartbeats in the space-time view"]')?.getAttribute("aria-pressed") === "false");
  assert.notEqual(await canvasFingerprint(page), withHeartbeats, "heartbeats are no longer drawn");
  await screenshot(page, "keyboard-spacetime-no-heartbeats");
  await heartbeats.click();
  await showView(page, "ring");

  // Escape clears the selection: the inspector goes back to its hint.
  await press(page, "Escape");
  await page.getByText(/press 1.9\) to inspect/i).waitFor({ timeout: 5000 });
  assert.equal(await heading.count(), 0, "no node in the inspector");

  // With nothing selected, the Inspect panel lists the nodes and the next messages as buttons,
  // so the keyboard reaches a message and its actions too.
  const firstMessage = page.locator(".message-choices button").first();
  await firstMessage.focus();
  // While it has focus the list holds still, even as the run plays on.
  const focusedText = await firstMessage.textContent();
  const playingFrom = (await state(page)).until_ms;
  await call(page, "play");
  await waitForState(page, (s, from) => s.until_ms > from + 30, { timeout: 10_000, arg: playingFrom });
  await page.waitForTimeout(600);
  await call(page, "pause");
  assert.equal(await firstMessage.textContent(), focusedText, "the focused button still names the same message");
  // Focus elsewhere, the list catches up with the run; then pick its first message.
  await press(page, "Escape");
  await page.waitForFunction((held) => document.querySelector(".message-choices button")?.textContent !== held, focusedText);
  // A message due within this millisecond cannot be acted on any more (its buttons are
  // disabled), so take the first listed message that still can be.
  const drop = page.getByRole("button", { name: "Drop" });
  const listed = await page.locator(".message-choices button").count();
  for (let index = 0; ; index += 1) {
    assert.ok(index < listed, "some listed message can still be dropped");
    await page.locator(".message-choices button").nth(index).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: /Message #\d+/ }).waitFor({ timeout: 5000 });
    if (await drop.isEnabled()) break;
    await press(page, "Escape");
    await page.locator(".message-choices").waitFor({ timeout: 5000 });
  }
  await drop.focus();
  await page.keyboard.press("Enter");
  await page.locator(".inspector .state-bad").filter({ hasText: /dropped/i }).waitFor({ timeout: 5000 });
  await press(page, "Escape");
  const nodeButton = page.getByRole("button", { name: "Inspect node S5" });
  await nodeButton.focus();
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: /Node S5\b/ }).waitFor({ timeout: 5000 });
  // The chosen button went with the list: the inspector's heading has the focus now.
  await page.waitForFunction(() => document.activeElement?.matches(".inspector h2"), null, { timeout: 5000 });
  await press(page, "Escape");

  // a adds a node (S6), which the digit 6 then selects.
  await press(page, "a");
  const grown = await waitForState(page, (s) => s.nodes.length === 6, { timeout: 5000 });
  assert.deepEqual(grown.nodes.map((n) => n.id), [1, 2, 3, 4, 5, 6]);
  await press(page, "6");
  await page.getByRole("heading", { name: /Node S6\b/ }).waitFor({ timeout: 5000 });

  // Keys typed into a field are not shortcuts.
  await page.click("#tab-clients");
  const key = page.getByLabel("Key", { exact: true });
  assert.equal(await key.count(), 1, "the Clients panel has a Key field");
  const events = (await state(page)).events;
  await key.click();
  await page.keyboard.type("n v");
  assert.equal((await state(page)).events, events, "typing n in a field does not step");
  assert.equal(await ringButton.getAttribute("aria-pressed"), "true", "typing v in a field does not switch the view");
  // ? shows the help, which lists it.
  await press(page, "?");
  await page.waitForFunction(() => document.querySelector("#tab-help")?.getAttribute("aria-selected") === "true");
  await page.getByText("Show this help").waitFor({ timeout: 5000 });
  await screenshot(page, "keyboard-end");
  assert.deepEqual(page.errors, [], "no console errors");
});

test("after the mouse moves a slider, the keys are still shortcuts, but for the slider's own", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, { format: 1, seed: 7, nodes: 5, until_ms: 4000 });
  const scrubber = page.locator("#timeline-scrubber");
  await scrubber.click(); // the middle of the run, about 2 s
  await page.waitForFunction(() => document.activeElement?.id === "timeline-scrubber");
  const scrubbed = await waitForState(page, (s) => s.until_ms < 3000, { timeout: 5000 });
  // Arrows still move the focused slider (100 ms back is a shortcut elsewhere, a step here).
  await page.keyboard.press("ArrowRight");
  const moved = await waitForState(page, (s, before) => s.until_ms !== before, { timeout: 5000, arg: scrubbed.until_ms });
  assert.ok(moved.until_ms > scrubbed.until_ms, "ArrowRight moved the slider forward, not one event");
  // A digit selects a node and Space plays, with the slider still focused.
  await page.keyboard.press("3");
  await page.getByRole("heading", { name: /Node S3\b/ }).waitFor({ timeout: 5000 });
  await page.keyboard.press(" ");
  await page.getByRole("button", { name: "Pause (space)" }).waitFor({ timeout: 5000 });
  await page.keyboard.press(" ");
  await page.getByRole("button", { name: "Play (space)" }).waitFor({ timeout: 5000 });
  // On a ticked box Space is the box's own: it ticks, and the run stays paused.
  await page.click("#tab-config");
  const box = page.getByRole("checkbox").first();
  const ticked = await box.isChecked();
  await box.focus();
  await page.keyboard.press(" ");
  for (let i = 0; i < 50 && (await box.isChecked()) === ticked; i += 1) await page.waitForTimeout(100);
  assert.equal(await box.isChecked(), !ticked, "Space ticked the box");
  assert.equal(await page.getByRole("button", { name: "Play (space)" }).count(), 1, "and did not play");
  // The tabs are one tab stop; arrows, Home and End move along them and open what they reach.
  assert.deepEqual(await page.$$eval('[role="tab"]', (tabs) => tabs.filter((tab) => tab.tabIndex === 0).map((tab) => tab.id)), ["tab-config"]);
  await page.focus("#tab-config");
  const eventsBefore = (await state(page)).events;
  const opened = async (id) => {
    await page.waitForFunction((id) => document.activeElement?.id === id && document.getElementById(id).getAttribute("aria-selected") === "true", id, { timeout: 5000 });
  };
  await page.keyboard.press("ArrowRight");
  await opened("tab-metrics");
  await page.keyboard.press("End");
  await opened("tab-help");
  await page.keyboard.press("ArrowRight");
  await opened("tab-learn");
  await page.keyboard.press("ArrowLeft");
  await opened("tab-help");
  assert.equal((await state(page)).events, eventsBefore, "arrows on the tabs do not step the run");
  assert.deepEqual(page.errors, [], "no console errors");
});

test("a control that greys itself out or goes away hands the focus to its neighbour, not to the page's body", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, { format: 1, seed: 7, nodes: 5, until_ms: 2000 });
  const focused = () => page.evaluate(() => document.activeElement?.getAttribute("aria-label") ?? document.activeElement?.tagName);
  const settled = (label) => page.waitForFunction((label) => document.activeElement?.getAttribute("aria-label") === label, label, { timeout: 5000 });
  // Crash greys itself out once the node is down: Restart, beside it, takes the focus.
  await press(page, "2");
  await page.getByRole("button", { name: "Crash S2 (c)" }).focus();
  await page.keyboard.press("Enter");
  await waitForState(page, (s) => !s.nodes.find((n) => n.id === 2).up, { timeout: 5000 });
  await settled("Restart S2 (r)").catch(async () => assert.fail(`after Crash the focus is on ${await focused()}`));
  // Enter again restarts it, and the next button still enabled, Pause, takes the focus.
  await page.keyboard.press("Enter");
  await waitForState(page, (s) => s.nodes.find((n) => n.id === 2).up, { timeout: 5000 });
  await settled("Pause S2 (p)").catch(async () => assert.fail(`after Restart the focus is on ${await focused()}`));
  // Close takes the lesson card away: the focus stays on the stage, on the canvas.
  await page.click("#tab-learn");
  await page.getByRole("button", { name: "Open the lesson Leader election" }).click();
  await page.getByRole("button", { name: "Close the lesson" }).focus();
  await page.keyboard.press("Enter");
  await page.locator(".lesson-card").waitFor({ state: "detached", timeout: 5000 });
  await page.waitForFunction(() => document.activeElement?.matches("canvas.cluster-canvas"), null, { timeout: 5000 })
    .catch(async () => assert.fail(`after Close the focus is on ${await focused()}`));
  assert.deepEqual(page.errors, [], "no console errors");
});

// Help lists the letter shortcuts as capitals: with Shift held (or Caps Lock on) they work the
// same, where they did nothing.
test("letter shortcuts work with Shift or Caps Lock", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, { format: 1, seed: 7, nodes: 3, until_ms: 500 });
  const before = await state(page);
  await press(page, "Shift+N");
  const after = await waitForState(page, (s, events) => s.events > events, { timeout: 5000, arg: before.events });
  assert.equal(after.events, before.events + 1, "Shift+N steps one event");
  const spaceTime = page.getByRole("button", { name: "Space-time view (v)" });
  await press(page, "Shift+V");
  await page.waitForFunction(() => document.querySelector('[aria-label="Space-time view (v)"]')?.getAttribute("aria-pressed") === "true", null, { timeout: 5000 });
  assert.equal(await spaceTime.getAttribute("aria-pressed"), "true", "Shift+V switches the view");
  assert.deepEqual(page.errors, [], "no console errors");
  await page.close();
});

// The phone's menu is a disclosure: Escape inside it closes it and leaves the keyboard on its
// toggle (it stayed open).
test("Escape closes the phone's menu and keeps the focus on its toggle", async () => {
  const page = await openPlayground(session.browser, session.server.url, { viewport: { width: 390, height: 844 } });
  const toggle = page.getByRole("button", { name: /More/ });
  await toggle.focus();
  await page.keyboard.press("Enter");
  const heal = page.getByRole("button", { name: /^Heal/ });
  await page.waitForFunction(() => document.querySelector(".toolbar-more-toggle").getAttribute("aria-expanded") === "true");
  const dark = page.getByRole("button", { name: "Dark theme" });
  await dark.focus();
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => document.querySelector(".toolbar-more-toggle").getAttribute("aria-expanded") === "false", null, { timeout: 5000 });
  assert.equal(await heal.isVisible(), false, "the menu closed");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "toolbar-more", "the keyboard is back on the toggle");
  // Escape on the open toggle itself closes it too.
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelector(".toolbar-more-toggle").getAttribute("aria-expanded") === "true");
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => document.querySelector(".toolbar-more-toggle").getAttribute("aria-expanded") === "false", null, { timeout: 5000 });
  assert.deepEqual(page.errors, [], "no console errors");
  await page.close();
});
