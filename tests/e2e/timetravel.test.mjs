// Time travel in the real page: the state at a moment is the same however the page got there
// (played on and sought back, or dragged there on the timeline scrubber).

import { test } from "node:test";
import assert from "node:assert/strict";
import { screenshot } from "./harness.mjs";
import { sessionForFile, openPlayground, load, state, press, waitForState, summary, call, showView } from "./playground.mjs";

const session = sessionForFile();

const SCENARIO = {
  format: 1,
  seed: 21,
  nodes: 5,
  config: { loss: 0.02, snapshot_every: 25 },
  workload: { writes_per_sec: 20, reads_per_sec: 5 },
  timeline: [
    { at_ms: 800, do: "crash", node: 2 },
    { at_ms: 1600, do: "restart", node: 2 },
    { at_ms: 2000, do: "partition", groups: [[1, 2], [3, 4, 5]] },
    { at_ms: 3000, do: "heal" },
  ],
  until_ms: 3000,
};

test("seeking back to an earlier moment gives back exactly the state seen there", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, SCENARIO);
  await call(page, "seek", 1800);
  const t1 = await state(page);
  assert.equal(t1.until_ms, 1800);

  // Play on past the partition and the heal, then travel back.
  await press(page, "+", 4);
  await call(page, "play");
  await waitForState(page, (s) => s.until_ms > 4500, { timeout: 15_000 });
  await call(page, "pause");
  const later = await state(page);
  assert.notEqual(later.state_hash, t1.state_hash, "the run moved on");
  await call(page, "seek", 1800);
  const back = await state(page);
  assert.equal(back.state_hash, t1.state_hash, `same hash at 1800 ms: ${summary(back)} vs ${summary(t1)}`);
  assert.deepEqual(back, t1, "the whole state is the same");

  // Forward again to the same later moment: the same future.
  await call(page, "seek", later.until_ms);
  assert.equal((await state(page)).state_hash, later.state_hash, "the same future replays");

  // The timeline scrubber (a range input in milliseconds) travels back too.
  const scrubber = page.getByRole("slider", { name: /timeline/i });
  if ((await scrubber.count()) === 1) {
    await scrubber.fill("1800");
    // Until the next frame seeks there, renders (pausing is one) keep the thumb where it was
    // dragged rather than pulling it back to the moment still shown.
    assert.equal(await scrubber.inputValue(), "1800", "the thumb stays where it was dragged");
    const scrubbed = await waitForState(page, (s) => s.until_ms === 1800, { timeout: 5000 });
    assert.equal(scrubbed.state_hash, t1.state_hash, "the scrubber reaches the same state");
    assert.equal(await scrubber.inputValue(), "1800");
    await page.locator(".timeline-clock").filter({ hasText: /^1\.800 s/ }).waitFor({ timeout: 5000 });
    // The logs' range label follows at once: it ends at the highest index held at 1800 ms.
    const highest = Math.max(...scrubbed.nodes.map((node) => node.last_index));
    await page.locator(".log-range").filter({ hasText: new RegExp(` of ${highest}$`) }).waitFor({ timeout: 2000 });
  } else {
    assert.fail("no timeline scrubber (a slider named Timeline) on the page");
  }
  await screenshot(page, "timetravel");

  // Scrolled back, the logs stop following the newest entries; a newly loaded run follows again.
  const follow = page.getByRole("button", { name: /^Newest/ });
  await page.getByRole("button", { name: "Show the oldest entries" }).click();
  await page.waitForFunction(() => document.querySelector(".log-follow")?.getAttribute("aria-pressed") === "false");
  await load(page, { ...SCENARIO, seed: SCENARIO.seed + 1 });
  await page.waitForFunction(() => document.querySelector(".log-follow")?.getAttribute("aria-pressed") === "true");
  assert.equal(await follow.getAttribute("aria-pressed"), "true");
  assert.deepEqual(page.errors, [], "no console errors");
});

/** After an action that replaced the run: the address changed, as a new history entry. */
async function expectNewEntry(page, before, entries, what) {
  await page.waitForFunction((before) => location.hash !== before, before);
  assert.equal(await page.evaluate(() => history.length), entries + 1, `${what} is a new history entry`);
}

/**
 * The browser's Back returns to the address `before` (a run at 1.2 s) and to the run it held:
 * played on to 3 s, it is the `whole` run again.
 */
async function expectBackRestores(page, before, whole, address, run) {
  await page.goBack();
  await waitForState(page, (s) => s.until_ms === 1200, { timeout: 5000 });
  assert.equal(await page.evaluate(() => location.hash), before, address);
  await call(page, "seek", 3000);
  assert.equal((await state(page)).state_hash, whole.state_hash, run);
}

test("acting in the past forks the run as a new history entry: the browser's Back returns to the run before the fork", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, SCENARIO);
  const whole = await state(page);
  await call(page, "seek", 1200);
  await page.waitForFunction(() => location.hash.length > 3);
  const before = await page.evaluate(() => location.hash);
  const entries = await page.evaluate(() => history.length);

  // Crash S3 at 1.2 s: the restart, the partition and the heal after it are discarded.
  await page.click("#tab-inspect");
  await press(page, "3");
  await press(page, "c");
  await expectNewEntry(page, before, entries, "the fork");
  await call(page, "seek", 3000);
  const forked = await state(page);
  assert.notEqual(forked.state_hash, whole.state_hash, "the fork is another run");

  await expectBackRestores(page, before, whole, "Back restores the address before the fork", "and the run before it, with its later actions");
  assert.deepEqual(page.errors, [], "no console errors");
});

// A link taken while scrubbed back keeps the run's later actions, and opens at its moment, the
// latest the timeline shows: acting there discards those actions too, so it must say so and
// fork as a new history entry, or they are lost for good (the address was rewritten in place).
test("a link taken while scrubbed back forks when acted on at its moment: the note says so, and Back keeps the later actions", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, SCENARIO);
  const whole = await state(page);
  await load(page, { ...SCENARIO, until_ms: 1200 });
  await page.waitForFunction(() => location.hash.length > 3);
  const before = await page.evaluate(() => location.hash);
  const entries = await page.evaluate(() => history.length);
  await page.locator(".fork-note").filter({ hasText: "the 3 later actions of the timeline are discarded" }).waitFor({ timeout: 5000 });

  await page.click("#tab-inspect");
  await press(page, "3");
  await press(page, "c");
  await expectNewEntry(page, before, entries, "the fork");
  await page.locator(".fork-note").filter({ hasText: "At the latest moment" }).waitFor({ timeout: 5000 });

  await expectBackRestores(page, before, whole, "Back restores the link", "with its later actions");
  assert.deepEqual(page.errors, [], "no console errors");
});

// A change of configuration replays the whole run anew, its past too: Back must return to the
// run before it, as after a fork (the address was rewritten in place, and the run was lost).
test("a change in Config is a new history entry: Back returns to the run before it", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, SCENARIO);
  const whole = await state(page);
  await call(page, "seek", 1200);
  await page.waitForFunction(() => location.hash.length > 3);
  const before = await page.evaluate(() => location.hash);
  const entries = await page.evaluate(() => history.length);
  await page.click("#tab-config");
  await page.getByLabel("pre-vote").click();
  await expectNewEntry(page, before, entries, "the change");

  await expectBackRestores(page, before, whole, "Back restores the address before the change", "and the run before it");
  assert.deepEqual(page.errors, [], "no console errors");
});

// The scrubber seeks on the next animation frame (a drag fires faster than a long run replays).
// A script that calls in between, in the same task as the scrub, must still find the run where
// the person left it, and a seek of its own must not be undone by that frame afterwards (the
// monkey, seed 1014: a link taken just after the Home key named another moment).
test("a script's call right after a scrub acts on the scrubbed moment, and its own seek stands", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, SCENARIO);
  await call(page, "seek", 1800);
  const t1 = await state(page);
  await call(page, "seek", 2600);
  // Both in one task: no animation frame can come between the scrub and the calls.
  const found = await page.evaluate(() => {
    const slider = document.querySelector("#timeline-scrubber");
    slider.value = "1800";
    slider.dispatchEvent(new Event("input", { bubbles: true }));
    const api = window.raftPlayground;
    return { until: api.state().until_ms, hash: api.state().state_hash, link: api.link() };
  });
  assert.equal(found.until, 1800, "state() right after the scrub reads the scrubbed moment");
  assert.equal(found.hash, t1.state_hash);
  assert.match(found.link, /#s=/);

  // A seek called after a scrub, in the same task, is where the run ends up.
  const sought = await page.evaluate(() => {
    const slider = document.querySelector("#timeline-scrubber");
    slider.value = "500";
    slider.dispatchEvent(new Event("input", { bubbles: true }));
    window.raftPlayground.seek(2200);
    return window.raftPlayground.state().until_ms;
  });
  assert.equal(sought, 2200);
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  assert.equal((await state(page)).until_ms, 2200, "the scrub's frame, come later, did not move the run back");
  assert.deepEqual(page.errors, [], "no console errors");
});

// A key pressed just after a scrub, before the frame that seeks there (Home on the scrubber,
// then c), acts at the scrubbed moment: it crashed the node at the moment before, and the
// frame then took the run back to before the crash.
test("an action or a step right after a scrub happens at the scrubbed moment", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, SCENARIO);
  await press(page, "4");
  const scrubThenPress = (key) =>
    page.evaluate((key) => {
      const slider = document.querySelector("#timeline-scrubber");
      slider.value = "1000";
      slider.dispatchEvent(new Event("input", { bubbles: true }));
      document.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true }));
    }, key);
  await scrubThenPress("c");
  const crashed = await waitForState(page, (s) => s.until_ms === 1001, { timeout: 5000 });
  assert.equal(crashed.nodes[3].up, false, `S4 crashed at 1.001 s: ${summary(crashed)}`);
  await page.waitForFunction(() => /1\.001 s \/ 1\.001 s/.test(document.querySelector(".timeline-clock").textContent));

  await load(page, SCENARIO);
  await call(page, "seek", 1000);
  await call(page, "step");
  const expected = await state(page);
  await load(page, SCENARIO);
  await scrubThenPress("n");
  const stepped = await state(page);
  assert.equal(stepped.state_hash, expected.state_hash, `one step on from 1 s: ${summary(stepped)} vs ${summary(expected)}`);
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  assert.equal((await state(page)).events, stepped.events, "the step stands");
  assert.deepEqual(page.errors, [], "no console errors");
});

test("after a seek back, the space-time view draws the whole window, and an arrived message can be inspected", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, SCENARIO);
  await call(page, "seek", 1800);
  await page.click("#tab-inspect");
  await showView(page, "spacetime");
  // The oldest part of the window (the top of the plot: 1.40 s to about 1.52 s) was never on
  // screen: its messages come from the simulator's memory of departed ones. Find an
  // AppendEntries arrow there (#3b82f6, drawn opaque).
  const found = await page.evaluate(() => {
    const canvas = document.querySelector("canvas.cluster-canvas");
    const scale = canvas.width / canvas.getBoundingClientRect().width;
    const top = Math.round(60 * scale);
    const bottom = Math.round(top + (canvas.height - 82 * scale) * 0.3);
    const data = canvas.getContext("2d").getImageData(0, top, canvas.width, bottom - top).data;
    for (let i = 0; i < data.length; i += 4) {
      if (Math.abs(data[i] - 0x3b) + Math.abs(data[i + 1] - 0x82) + Math.abs(data[i + 2] - 0xf6) < 12) {
        const pixel = i / 4;
        return { x: (pixel % canvas.width) / scale, y: (top + Math.floor(pixel / canvas.width)) / scale };
      }
    }
    return null;
  });
  assert.ok(found, "an AppendEntries arrow is drawn in the oldest part of the window");
  await screenshot(page, "spacetime-after-seek-back");
  const box = await page.locator("canvas.cluster-canvas").boundingBox();
  await page.mouse.click(box.x + found.x, box.y + found.y);
  // The click picks the topmost line within a few pixels: some message of that moment.
  await page.getByRole("heading", { name: /^Message #\d+/ }).waitFor({ timeout: 5000 });
  const facts = await page.locator(".inspector .facts").first().textContent();
  assert.match(facts, /arrived/, "it has arrived: shown from the simulator's memory");
  assert.match(facts, /delivered|lost|dropped/, `its fate is known: ${facts}`);
  for (const action of ["Drop", "Delay 100 ms", "Duplicate"]) {
    assert.ok(await page.getByRole("button", { name: action }).isDisabled(), `${action} is disabled once it arrived`);
  }
  await screenshot(page, "spacetime-arrived-message");

  // Seeking keeps the message selected: the same run, so the same message at every moment.
  const heading = await page.getByRole("heading", { name: /^Message #\d+/ }).textContent();
  const id = heading.match(/#(\d+)/)[1];
  await call(page, "seek", 1000);
  await page.getByText(`Message #${id} is not sent yet at this moment.`).waitFor({ timeout: 5000 });
  await call(page, "seek", 1800);
  await page.getByRole("heading", { name: heading }).waitFor({ timeout: 5000 });
  assert.deepEqual(page.errors, [], "no console errors");
});

test("a long shared run replays to its moment a slice per frame: progress shows, the page answers, actions wait, a script gets the moment at once", async () => {
  // Seven busy minutes on nine nodes take seconds to replay: long enough to act meanwhile.
  const long = { format: 1, seed: 4, nodes: 9, workload: { writes_per_sec: 200, reads_per_sec: 100 }, until_ms: 420_000 };
  const first = await openPlayground(session.browser, session.server.url);
  await load(first, long);
  const atMoment = await state(first);
  assert.equal(atMoment.until_ms, 420_000, "load() acts at once");
  const link = await call(first, "link");
  await first.close();

  const page = await openPlayground(session.browser, link);
  const status = page.locator(".replaying");
  await status.waitFor();
  assert.match(await status.textContent(), /^Replaying the run to 420\.000 s: \d+ %$/);
  await page.getByText("Replaying the run to 420.000 s: actions wait until it gets there.").waitFor();
  await screenshot(page, "timetravel-replaying");
  // Back to the start on the timeline, part-way through the replay, then to the end: forward
  // past where the replay got, the run replays on a slice per frame, showing its progress.
  const scrubber = page.getByRole("slider", { name: /^Timeline/ });
  await scrubber.fill("0");
  await page.locator(".timeline-clock").filter({ hasText: /^0\.000 s \// }).waitFor();
  await scrubber.fill("420000");
  await page.getByText("Replaying the run to 420.000 s: actions wait until it gets there.").waitFor();
  assert.equal(await status.count(), 1, "replaying again");

  // The page answers while it replays: a tab opens before the replay is done.
  await page.getByRole("tab", { name: "Help" }).click();
  await page.getByRole("heading", { name: "On the canvas" }).waitFor();
  // An action or a step waits for the run to get there: refused, saying so, not frozen on.
  await press(page, "1");
  await press(page, "c");
  await page.locator(".notice-text").filter({ hasText: /^The run is still replaying to 420\.000 s \(\d+ %\): act once it gets there\.$/ }).waitFor();
  assert.equal(await status.count(), 1, "still replaying after the tab opened and the action was refused");
  // Exported, the scenario ends at the run's moment, not where the replay has got to.
  await page.getByRole("tab", { name: "Share" }).click();
  const [file] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Export scenario JSON" }).click(),
  ]);
  const exported = JSON.parse(await streamText(await file.createReadStream()));
  assert.equal(exported.until_ms, 420_000);

  // A script sees the run at its moment, not part-way: the call finishes the replay.
  const seen = await state(page);
  assert.equal(seen.until_ms, 420_000);
  assert.equal(seen.state_hash, atMoment.state_hash, "replayed in slices, the run is the same");
  await status.waitFor({ state: "detached" });
  assert.equal(page.url(), link, "the address names the shared run again");
  assert.equal(seen.nodes.find((node) => node.id === 1).up, true, "the refused crash did not happen");

  assert.deepEqual(page.errors, []);
  await page.close();
});

// After minutes of a busy run the checkpoints lie 16 s or more apart, at multiples of their
// spacing, so the moment just before 416 s replays at least 16 s from the one before it. Back on
// the timeline that replay ran at once, freezing the page for its whole length (seconds after
// an hour); it now goes a slice per frame, as forward.
test("seeking back far in a long, busy run replays a slice per frame, as forward, to the same state", async () => {
  const long = { format: 1, seed: 4, nodes: 9, workload: { writes_per_sec: 200, reads_per_sec: 100 }, until_ms: 415_999 };
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, long);
  const straight = await state(page);
  await call(page, "seek", 420_000);
  await page.getByRole("slider", { name: /^Timeline/ }).fill("415999");
  const status = page.locator(".replaying");
  await status.waitFor();
  assert.match(await status.textContent(), /^Replaying the run to 415\.999 s: \d+ %$/);
  await status.waitFor({ state: "detached" });
  const back = await state(page);
  assert.equal(back.until_ms, 415_999);
  assert.equal(back.state_hash, straight.state_hash, "replayed in slices from a checkpoint, the run is the same");
  assert.deepEqual(page.errors, []);
  await page.close();
});

// Actions close together share a marker on the scrubber. Its label gave them all the first
// one's time ("0.800 s: crash S2; pause S3"), as if they happened together.
test("a timeline marker for actions at different moments says when each happened", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, {
    format: 1,
    nodes: 3,
    timeline: [
      { at_ms: 800, do: "crash", node: 2 },
      { at_ms: 820, do: "pause", node: 3 },
      { at_ms: 5000, do: "restart", node: 2 },
      { at_ms: 5000, do: "resume", node: 3 },
    ],
    until_ms: 10_000,
  });
  const labels = await page.locator(".marker-action").evaluateAll((markers) => markers.map((marker) => marker.getAttribute("aria-label")));
  assert.deepEqual(labels, ["crash S2 at 0.800 s; pause S3 at 0.820 s", "5.000 s: restart S2; resume S3"]);
  assert.deepEqual(page.errors, []);
  await page.close();
});

// A link holds an hour of simulated time at most. Playing used to run on past it: the page's
// own link then named a moment no link may name, so it no longer opened, and every action was
// refused with "until_ms: … is out of range". Playing now stops at the hour and says why.
test("playing stops at an hour of simulated time, the longest a link holds, and the page's link still opens", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, { format: 1, nodes: 3, until_ms: 3_599_900 });
  await call(page, "play");
  const notice = page.locator(".notice-text").filter({ hasText: /^The run stopped at an hour of simulated time, the longest a link or a scenario file holds\./ });
  await notice.waitFor({ timeout: 15_000 });
  await page.getByRole("button", { name: /^Play/ }).first().waitFor({ timeout: 5000 });
  const stopped = await state(page);
  assert.equal(stopped.until_ms, 3_600_000);
  // Step and an action say so too, and change nothing.
  for (const keys of [["n"], ["2", "c"]]) {
    await page.getByRole("button", { name: "Dismiss the message" }).click();
    for (const key of keys) await press(page, key);
    await notice.waitFor({ timeout: 5000 });
  }
  assert.equal((await state(page)).state_hash, stopped.state_hash);
  // The page's link opens, at the same moment; back on the timeline, the notice goes.
  const link = await call(page, "link");
  const other = await openPlayground(session.browser, session.server.url);
  await call(other, "load", link);
  const reopened = await state(other);
  assert.equal(reopened.until_ms, 3_600_000);
  assert.equal(reopened.state_hash, stopped.state_hash, "the link reopens the same run");
  await press(page, "ArrowLeft");
  await notice.waitFor({ state: "detached", timeout: 5000 });
  assert.deepEqual([...page.errors, ...other.errors], []);
  await Promise.all([page.close(), other.close()]);
});

/** The text of a readable stream (a download). */
async function streamText(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}
