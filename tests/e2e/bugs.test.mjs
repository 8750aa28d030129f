// A bug switch in the real page: with `forget_vote_on_restart` on, restarting a node that voted
// in its current term is caught at once by the restart check. The page names the switch under
// the canvas, shows the violation in its toolbar, stops the run, and tells script listeners. A
// failed linearizability check shows in the toolbar too.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ROOT, screenshot } from "./harness.mjs";
import { sessionForFile, openPlayground, load, state, waitForState, recordEvents, recordedEvents, summary, call, press } from "./playground.mjs";

const session = sessionForFile();

// Seed 3 elects S4 in term 1 before 1 s, with S1's vote; S1 restarts at 1300 ms having
// forgotten it (natively: `restart_state` at 1300 ms).
const BUGGY = {
  format: 1,
  seed: 3,
  nodes: 5,
  config: { bugs: ["forget_vote_on_restart"] },
  workload: { writes_per_sec: 10 },
  timeline: [
    { at_ms: 1000, do: "crash", node: 1 },
    { at_ms: 1300, do: "restart", node: 1 },
  ],
  until_ms: 3000,
};

test("a bug switch leads to a violation the page shows and reports", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, BUGGY);
  await page.locator(".bugs-on").filter({ hasText: "forget_vote_on_restart" }).waitFor({ timeout: 5000 });

  // Back to before the restart: no violation yet, the verdict is safe.
  await call(page, "seek", 1200);
  const clean = await state(page);
  assert.deepEqual(clean.violations, [], `no violation at 1200 ms: ${summary(clean)}`);
  await page.locator(".verdict").filter({ hasText: /safe/i }).waitFor({ timeout: 5000 });
  const toolbarHeight = () => page.evaluate(() => document.querySelector(".toolbar").getBoundingClientRect().height);
  const safeToolbar = await toolbarHeight();

  // Play into the restart.
  await recordEvents(page, "violation");
  await call(page, "play");
  const broken = await waitForState(page, (s) => s.violations.length > 0, { timeout: 15_000 });
  const [violation] = broken.violations;
  assert.equal(violation.kind, "restart_state", JSON.stringify(violation));
  assert.equal(violation.at_ms, 1300, JSON.stringify(violation));
  assert.match(violation.detail, /^S1 restarted/);

  const verdict = page.locator(".verdict");
  await verdict.filter({ hasText: /violation/i }).waitFor({ timeout: 5000 });
  assert.match(await verdict.textContent(), /1 violation/);
  assert.equal(await toolbarHeight(), safeToolbar, "the verdict changing does not reflow the toolbar");
  await page.getByRole("button", { name: /Play/ }).first().waitFor({ timeout: 5000 }); // the run stopped
  // Beside the ring (1280 px), the switch's strip is a card in the violation card's column.
  const [violationCard, strip] = await Promise.all(
    [".violation-card", ".bugs-on"].map((selector) => page.locator(selector).boundingBox()),
  );
  assert.ok(
    Math.abs(strip.x - violationCard.x) < 1 && strip.y >= violationCard.y + violationCard.height && strip.width <= violationCard.width + 1,
    `the strip sits under the violation card: ${JSON.stringify({ violationCard, strip })}`,
  );

  const events = await recordedEvents(page, "violation");
  assert.equal(events.length, 1, `on("violation") fired once: ${JSON.stringify(events)}`);
  assert.deepEqual(
    { kind: events[0].kind, at_ms: events[0].at_ms },
    { kind: "restart_state", at_ms: 1300 },
  );
  assert.match(events[0].detail, /^S1 restarted/);

  // Stopped: playing again does not move past the violation.
  const stopped = await state(page);
  await call(page, "play");
  await page.waitForTimeout(300);
  assert.equal((await state(page)).until_ms, stopped.until_ms, "the run stays stopped at the violation");
  // A seek past it says why it got no further, instead of returning as if it had.
  await assert.rejects(call(page, "seek", stopped.until_ms + 1000), /stopped at a safety violation at 1300 ms/);
  assert.equal((await state(page)).until_ms, stopped.until_ms, "a seek does not move past the violation");
  // ...and the Play button says why instead of silently doing nothing.
  const halted = page.getByText(/The run stopped at a safety violation/);
  await page.getByRole("button", { name: /^Play/ }).first().click();
  await halted.waitFor({ timeout: 5000 });
  // So do Step (n), 100 ms forward and an action (crash S2 with 2 then c).
  for (const keys of [["n"], ["ArrowRight"], ["2", "c"]]) {
    await page.getByRole("button", { name: "Dismiss the message" }).click();
    await halted.waitFor({ state: "detached", timeout: 5000 });
    for (const key of keys) await press(page, key);
    await halted.waitFor({ timeout: 5000 });
  }
  await page.getByRole("button", { name: "Forward 100 ms" }).click();
  await halted.waitFor({ timeout: 5000 });

  // The card over the canvas explains which property broke and names the switch behind it.
  const card = page.getByRole("alert", { name: "Safety violation" });
  await card.waitFor({ timeout: 5000 });
  const explained = await card.textContent();
  assert.match(explained, /Restart state broke/);
  // Nodes are named as on the ring and in the paper (S1), once.
  assert.match(explained, /What happened: S1 restarted with term \d+ and no vote, but persisted term \d+ and a vote for S\d+Bug switches/);
  assert.match(explained, /exactly the state it persisted/);
  assert.match(explained, /forget_vote_on_restart turns off: the vote is persisted/);
  assert.match(explained, /S1/);

  // On a wide page the card stands beside the canvas, which keeps the stage's full height.
  const boxes = await page.evaluate(() => {
    const box = (selector) => document.querySelector(selector).getBoundingClientRect().toJSON();
    return { card: box(".violation-card"), canvas: box("canvas.cluster-canvas"), stage: box(".stage") };
  });
  assert.ok(boxes.card.right <= boxes.canvas.left, `the card is beside the canvas: ${JSON.stringify(boxes)}`);
  assert.ok(boxes.canvas.height >= boxes.stage.height - 1, `the canvas keeps the stage's height: ${JSON.stringify(boxes)}`);
  await screenshot(page, "bug-violation");

  // The card folds away to show the canvas under it, and unfolds again.
  await page.getByRole("button", { name: "Fold the explanation away" }).click();
  await card.waitFor({ state: "detached", timeout: 5000 });
  await page.getByRole("button", { name: /broke — show why/ }).click();
  await card.waitFor({ timeout: 5000 });
  // Back before the violation, the run plays again, and the notice that it could not goes.
  await halted.waitFor({ timeout: 5000 });
  await press(page, "ArrowLeft");
  await halted.waitFor({ state: "detached", timeout: 5000 });
  assert.deepEqual(page.errors, [], "no console errors");
});

// Each run's violation is news: another run loaded (or reconfigured) holding as many
// violations as the last one told must still be told (the page counted them, and told none).
test("a violation in a newly loaded run is told, though the run before had as many", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await recordEvents(page, "violation");
  await load(page, BUGGY);
  await page.waitForFunction(() => window.__events.violation.length === 1);
  const later = { ...BUGGY, timeline: [BUGGY.timeline[0], { at_ms: 1500, do: "restart", node: 1 }] };
  await load(page, later);
  assert.equal((await state(page)).violations[0].at_ms, 1500);
  await page.waitForFunction(() => window.__events.violation.length === 2, null, { timeout: 5000 }).catch(() => {});
  const told = (await recordedEvents(page, "violation")).map((event) => event.at_ms);
  assert.deepEqual(told, [1300, 1500], "each run's violation, once");
  assert.deepEqual(page.errors, [], "no console errors");
});

// The lease bug answers a read with an old value (the repository's own scenario, which
// `raft-sim run` reports as not linearizable): the check in the Clients tab says so, and so
// does the verdict in the toolbar while the run stays where it was checked.
test("a failed linearizability check shows in the toolbar's verdict until the run changes", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  const scenario = await readFile(join(ROOT, "tests/data/scenarios/lease_without_drift_margin.json"), "utf8");
  await page.evaluate((text) => window.raftPlayground.load(text), scenario);
  const verdict = page.locator(".verdict");
  assert.equal(await verdict.textContent(), "✓ safe: no violation found");
  await page.click("#tab-clients");
  await page.getByRole("button", { name: "Check linearizability" }).click();
  await page.getByText(/Not linearizable on key "x"/).waitFor({ timeout: 10_000 });
  assert.equal(await verdict.textContent(), "✗ not linearizable (Clients)");
  await screenshot(page, "bug-not-linearizable");
  // Back before the moment checked, the verdict no longer applies; forward again, it does.
  await call(page, "seek", 1000);
  await verdict.filter({ hasText: "safe" }).waitFor({ timeout: 5000 });
  await call(page, "seek", 2000);
  await verdict.filter({ hasText: "not linearizable" }).waitFor({ timeout: 5000 });
  // An action changes the run: the check no longer describes it.
  await press(page, "h");
  await verdict.filter({ hasText: "safe" }).waitFor({ timeout: 5000 });
  assert.deepEqual(page.errors, [], "no console errors");
});

// Figure 8's bug: the violation names an entry far behind the newest (the logs follow the
// tail); the logs bring it into view, and again after scrolling away and "Go to the moment".
test("a violation brings the entry it names into view in the logs", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  const scenario = await readFile(join(ROOT, "tests/data/scenarios/commit_earlier_term_by_counting.json"), "utf8");
  await page.evaluate((text) => window.raftPlayground.load(text), scenario);
  const [violation] = (await state(page)).violations;
  assert.ok(violation, "the bug is caught");
  const index = Number(/index (\d+)/.exec(violation.detail)?.[1] ?? NaN);
  const shown = async () => {
    const [, first, last] = /(\d+)–(\d+) of/.exec(await page.locator(".log-range").textContent()) ?? [];
    return [Number(first), Number(last)];
  };
  const inView = async () => {
    const [first, last] = await shown();
    return first <= index && index <= last;
  };
  await page.waitForFunction(() => /–/.test(document.querySelector(".log-range")?.textContent ?? ""));
  assert.ok(await inView(), `entry ${index} (${violation.detail}) is in view: ${await shown()}`);
  await page.getByRole("button", { name: "Show the oldest entries" }).click();
  await page.waitForFunction(() => /^1–/.test(document.querySelector(".log-range")?.textContent ?? ""));
  assert.ok(!(await inView()), `scrolled away from entry ${index}: ${await shown()}`);
  await page.getByRole("button", { name: "Go to the moment of the violation" }).click();
  await page.waitForFunction(() => !/^1–/.test(document.querySelector(".log-range")?.textContent ?? ""));
  await page.waitForFunction(() => /–/.test(document.querySelector(".log-range")?.textContent ?? ""));
  assert.ok(await inView(), `entry ${index} is in view again: ${await shown()}`);
  await screenshot(page, "bug-violation-entry-in-view");
  assert.deepEqual(page.errors, [], "no console errors");
});

// Several switches on: the strip under the canvas names each of them in full, on one line at
// 1280 px, for screen readers too, and its tooltip gives each one's rule.
test("several bug switches are each named under the canvas", async () => {
  const page = await openPlayground(session.browser, session.server.url, { viewport: { width: 1280, height: 800 } });
  const bugs = ["commit_earlier_term_by_counting", "forget_vote_on_restart", "two_membership_changes_at_once"];
  await load(page, { format: 1, seed: 1, nodes: 5, config: { bugs }, until_ms: 500 });
  const strip = page.getByRole("status", { name: /^bugs on:/ });
  await strip.waitFor({ timeout: 5000 });
  assert.equal(await strip.locator(".bugs-on-names").innerText(), `Broken on purpose, bug switches: ${bugs.join(", ")}`);
  for (const bug of bugs) {
    assert.match(await strip.getAttribute("aria-label"), new RegExp(bug));
    assert.match(await strip.getAttribute("title"), new RegExp(bug));
  }
  assert.match(await strip.getAttribute("title"), /a vote goes only|one vote per term/);
  const stripBox = await strip.boundingBox();
  assert.ok(stripBox.height < 30, `the strip keeps to one line: ${JSON.stringify(stripBox)}`);
  assert.deepEqual(page.errors, [], "no console errors");
});

// The Config tab lists every switch, the newest last; `snapshot_without_sessions`'s shrunk
// reproducer from `tests/bug_switches.rs` (seed 0 of the backup-focused swarm) fails in the page
// as natively: a node restored from a snapshot that left the sessions out executes retried
// commands again.
test("the config tab lists every switch, and the sessions switch fails alike in the page", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await page.click("#tab-config");
  const names = await page.$$eval(".bug-switch code", (codes) => codes.map((code) => code.textContent));
  assert.equal(names.length, 13, names.join(", "));
  assert.deepEqual(names.slice(-2), ["snapshot_without_sessions", "backup_on_append"]);
  await load(page, "#s=AXjaAS8A0P8AA_MdCQEeAg0mBQEFBgAKgBAL-ocGDJ3LAQ0y6AcO1kEEADMBGgIBAyUBpRARANHkCLo");
  await page.locator(".bugs-on").filter({ hasText: "snapshot_without_sessions" }).waitFor({ timeout: 5000 });
  // The run stops at the violation (3826 ms), so seeking past it is refused.
  await call(page, "seek", 3827).catch(() => {});
  const broken = await waitForState(page, (s) => s.violations.length > 0);
  const [violation] = broken.violations;
  assert.equal(violation.kind, "exactly_once", JSON.stringify(violation));
  assert.equal(violation.at_ms, 3826, JSON.stringify(violation));
  assert.match(violation.detail, /^client 12's command 1 took effect at index 13 and again at index 51$/);
  assert.deepEqual(page.errors, [], "no console errors");
});

// `backup_on_append`'s shrunk reproducer from `tests/bug_switches.rs` (seed 0 of the
// backup-focused swarm: three nodes under writes, one backup) fails in the page as natively:
// a node that backs up when the barrier reaches its log, not where it applies it, holds a copy
// that differs from the others'.
test("the backup switch fails alike in the page, and the violation card names the backup", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, "#s=AXjaASkA1v8AA6gRCAEeAg0mBQEFBgAKgCAL-ocGDTLoBw7WQQMAMwIBAyUBpRARAIeQBuE");
  await page.locator(".bugs-on").filter({ hasText: "backup_on_append" }).waitFor({ timeout: 5000 });
  const broken = await waitForState(page, (s) => s.violations.length > 0);
  const [violation] = broken.violations;
  assert.equal(violation.kind, "backup_mismatch", JSON.stringify(violation));
  assert.equal(violation.at_ms, 2215, JSON.stringify(violation));
  assert.equal(violation.detail, "S1's backup 1 differs from S2's");
  const card = page.locator(".violation-card");
  await card.waitFor({ timeout: 5000 });
  assert.match(await card.innerText(), /backup/i);
  await screenshot(page, "bug-backup-on-append");
  assert.deepEqual(page.errors, [], "no console errors");
});

// What the backup lesson's last step invites: take a backup from the Clients tab and watch
// its copies come in, then turn backup_on_append on and take another under the writes.
test("the Clients tab takes a backup, and with backup_on_append on the next one's copies differ", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, { format: 1, seed: 3, nodes: 5, workload: { writes_per_sec: 30 }, until_ms: 1500 });
  await page.click("#tab-clients");
  const backup = page.getByRole("region", { name: "Coordinated backup" });
  await backup.getByRole("button", { name: "Take a backup" }).click();
  await call(page, "play");
  // Played at the page's own speed (×1/10): 15 s of waiting is 1.5 s of the run, and where it
  // pauses (so where the second backup starts) depends on when a busy machine sees the status.
  // Generous timeouts, not a race (it timed out once with CI beside two other jobs).
  await backup.getByRole("status").filter({ hasText: "Backup #1: 5 copies, identical so far" }).waitFor({ timeout: 60_000 });
  await call(page, "pause");
  assert.deepEqual((await state(page)).violations, [], "five identical copies");
  await screenshot(page, "backup-taken");

  await page.click("#tab-config");
  await page.locator(".bug-switch").filter({ hasText: "backup_on_append" }).locator("input").check();
  await page.locator(".bugs-on").filter({ hasText: "backup_on_append" }).waitFor({ timeout: 5000 });
  await page.click("#tab-clients");
  await backup.getByRole("button", { name: "Take a backup" }).click();
  await call(page, "play");
  const broken = await waitForState(page, (s) => s.violations.length > 0, { timeout: 60_000 });
  assert.equal(broken.violations[0].kind, "backup_mismatch", JSON.stringify(broken.violations[0]));
  assert.match(broken.violations[0].detail, /^S\d's backup 2 differs from S\d's$/);
  // The status says so too, not just how many copies there are.
  await backup.getByRole("status").filter({ hasText: /^Backup #2: \d copies, and they differ$/ }).waitFor({ timeout: 5000 });
  assert.deepEqual(page.errors, [], "no console errors");
});


// A switch's name must be readable wherever the page is looked at. A chip in the toolbar's row
// had room for "bug o…" at 1280 px; the strip under the canvas names it whole at every width
// (a phone breaks it after an underscore), with the rule it turns off where there is room. The
// toolbar and the canvas's top stay where they were, and the verdict keeps its words.
test("a bug switch turned on is named whole under the canvas at every width", async () => {
  for (const [width, height] of [[1280, 800], [1366, 768], [1920, 1080], [390, 844]]) {
    const page = await openPlayground(session.browser, session.server.url, { viewport: { width, height } });
    const layout = () =>
      page.evaluate(() => ({
        toolbar: document.querySelector(".toolbar").getBoundingClientRect().height,
        canvas: document.querySelector("canvas.cluster-canvas").getBoundingClientRect().top + scrollY,
      }));
    const before = await layout();
    await page.click("#tab-config");
    await page.locator(".bug-switch input").first().check();
    const strip = page.getByRole("status", { name: /^bugs on:/ });
    await strip.waitFor({ timeout: 5000 });
    assert.deepEqual(await layout(), before, `${width}×${height}: the toolbar keeps its row, the canvas its place`);
    assert.equal(await page.locator(".verdict").innerText(), "✓ safe: no violation found");
    assert.match(await strip.getAttribute("aria-label"), /commit_earlier_term_by_counting/);
    await strip.scrollIntoViewIfNeeded();
    const fits = await strip.evaluate((element) => {
      const name = element.querySelector("code").getBoundingClientRect();
      const box = element.getBoundingClientRect();
      const canvas = document.querySelector("canvas.cluster-canvas").getBoundingClientRect();
      return { name: name.left >= box.left && name.right <= box.right && name.width > 0, under: box.top >= canvas.bottom - 1, text: element.innerText };
    });
    assert.ok(fits.name, `${width}: the name shows whole: ${JSON.stringify(fits)}`);
    assert.ok(fits.under, `${width}: the strip is under the canvas: ${JSON.stringify(fits)}`);
    const rule = "turns off the rule that only entries of the leader's current term are committed by counting replicas";
    if (width >= 1366) assert.ok(fits.text.endsWith(rule), `${width}: the rule shows: ${fits.text}`);
    if (width < 600) assert.ok(!fits.text.includes("turns off"), `${width}: no room for the rule: ${fits.text}`);
    await screenshot(page, `bug-on-strip-${width}`);
    assert.deepEqual(page.errors, [], "no console errors");
  }
});

// A course page embedding a broken-on-purpose run: the reader sees which switch is on.
test("an embedded run with a bug switch names it under the canvas", async () => {
  const link = "#s=AXjaAS8A0P8AA_MdCQEeAg0mBQEFBgAKgBAL-ocGDJ3LAQ0y6AcO1kEEADMBGgIBAyUBpRARANHkCLo";
  const page = await openPlayground(session.browser, `${session.server.url}?embed&controls=play,step,speed,timeline${link}`, {
    viewport: { width: 480, height: 300 },
  });
  const strip = page.getByRole("status", { name: /^bugs on: snapshot_without_sessions$/ });
  await strip.waitFor({ timeout: 5000 });
  assert.equal(await strip.locator(".bugs-on-names").innerText(), "Broken on purpose: snapshot_without_sessions");
  assert.equal(await strip.locator(".bugs-on-rule").isVisible(), false, "no room for the rule");
  const box = await strip.boundingBox();
  assert.ok(box.height < 24 && box.y + box.height <= 300, `one short line in the frame: ${JSON.stringify(box)}`);
  await screenshot(page, "embed-bug-on");
  assert.deepEqual(page.errors, [], "no console errors");
});

test("in an embed, Play after a violation points to the full page, which has what the embed lacks", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, BUGGY);
  const link = await call(page, "link");
  const embed = await openPlayground(session.browser, link.replace("/#", "/?embed#"), { viewport: { width: 640, height: 360 } });
  const stopped = await state(embed);
  assert.ok(stopped.violations.length > 0, `the run ends at its violation: ${summary(stopped)}`);
  await embed.getByRole("button", { name: "Play" }).click();
  const notice = embed.locator(".notice-text");
  await notice.waitFor({ timeout: 5000 });
  const text = await notice.textContent();
  assert.match(text, /Open it in Raft Playground \(↗\) to see which guarantee broke/);
  assert.doesNotMatch(text, /in Config/, "an embed has no Config tab");
  assert.deepEqual(embed.errors, [], "no console errors");
});
