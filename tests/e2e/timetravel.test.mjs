// Time travel in the real page: the state at a moment is the same however the page got there
// (played on and sought back, or dragged there on the timeline scrubber).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { screenshot } from "./harness.mjs";
import { startSession, openPlayground, load, state, press, waitForState, summary, call } from "./playground.mjs";

let session;

before(async () => {
  session = await startSession();
});

after(async () => {
  await session?.close();
});

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
