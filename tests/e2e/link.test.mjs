// Links both ways: the page's `link()` replays natively (a run changed with the keyboard, put in
// a link: `raft-sim run LINK` gives the page's state hash and every node's state), a link made
// by `raft-sim link` opens in the page at the same state, and bad links name their problem
// without touching the current run.

import { test, before } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT, screenshot } from "./harness.mjs";
import { sessionForFile, openPlayground, load, state, press, waitForState, summary, call } from "./playground.mjs";

const run = promisify(execFile);
const RAFT_SIM = join(ROOT, "target", "release", "raft-sim");

const session = sessionForFile();
let raftSim = null; // the binary, or why there is none

/** Builds raft-sim (a no-op when it is up to date); falls back to an existing binary. */
async function ensureRaftSim() {
  try {
    await run("cargo", ["build", "--release", "--quiet", "--bin", "raft-sim"], {
      cwd: ROOT,
      env: { ...process.env, PATH: `${process.env.HOME}/.cargo/bin:${process.env.PATH}` },
      maxBuffer: 16 << 20,
    });
  } catch (error) {
    if (existsSync(RAFT_SIM)) {
      console.warn(`# cargo build of raft-sim failed, using the existing binary: ${error.message.split("\n")[0]}`);
    } else {
      return { missing: `raft-sim is not built and cargo cannot build it: ${error.message.split("\n")[0]}` };
    }
  }
  return existsSync(RAFT_SIM) ? { path: RAFT_SIM } : { missing: `no ${RAFT_SIM} after building` };
}

// Building raft-sim can take minutes on a cold machine.
before(
  async () => {
    raftSim = await ensureRaftSim();
  },
  { timeout: 600_000 },
);

/** `raft-sim run ARG`: its JSON report (exit status 1, a violation, still prints one). */
async function raftSimRun(argument) {
  try {
    const { stdout } = await run(raftSim.path, ["run", argument], { maxBuffer: 16 << 20 });
    return JSON.parse(stdout);
  } catch (error) {
    if (error.code === 1 && error.stdout) return JSON.parse(error.stdout);
    throw error;
  }
}

test("a link from the page replays natively to the same state hash", async (t) => {
  if (raftSim.missing) {
    t.skip(raftSim.missing);
    return;
  }
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, {
    format: 1,
    seed: 42,
    nodes: 5,
    config: { loss: 0.01, duplicate: 0.01, snapshot_every: 30 },
    workload: { writes_per_sec: 15, reads_per_sec: 5, cas_percent: 20 },
    timeline: [{ at_ms: 700, do: "partition", groups: [[1, 2], [3, 4, 5]] }],
    until_ms: 1500,
  });

  // Change the run with the keyboard: crash the leader, play, heal, restart it, add a node.
  const start = await state(page);
  await page.click("#tab-inspect");
  await press(page, String(start.leader));
  await press(page, "c");
  await press(page, "+", 4);
  await call(page, "play");
  await waitForState(page, (s) => s.until_ms > 2500, { timeout: 15_000 });
  await press(page, "h");
  await press(page, "r");
  await press(page, "a");
  await waitForState(page, (s) => s.until_ms > 4000, { timeout: 15_000 });
  await call(page, "pause");

  const inPage = await state(page);
  const link = await call(page, "link");
  assert.match(link, /#s=/, "a full link");
  assert.ok(link.startsWith(session.server.url), `the link points at this page: ${link}`);
  assert.equal(inPage.nodes.length, 6, `a node was added: ${summary(inPage)}`);

  const native = await raftSimRun(link);
  assert.equal(native.until_ms, inPage.until_ms, "the link ends at the page's moment");
  assert.equal(native.state_hash, inPage.state_hash, `same state hash natively:\n page:   ${summary(inPage)}\n native: ${summary(native)}`);
  assert.equal(native.events, inPage.events);
  assert.equal(native.leader, inPage.leader);
  assert.equal(native.term, inPage.term);
  assert.deepEqual(native.nodes, inPage.nodes, "every node's state matches");
  assert.deepEqual(
    { ok: native.history.ok, failed: native.history.failed, unknown: native.history.unknown },
    { ok: inPage.history.ok, failed: inPage.history.failed, unknown: inPage.history.unknown },
  );
  assert.deepEqual(native.violations, inPage.violations);

  // And back: the same link opened in a fresh page shows the same moment.
  const reopened = await openPlayground(session.browser, link);
  const replayed = await state(reopened);
  assert.equal(replayed.state_hash, inPage.state_hash, "the link reopens at the same state");
  await screenshot(reopened, "link-reopened");
  assert.deepEqual(page.errors, [], "no console errors");
  assert.deepEqual(reopened.errors, [], "no console errors in the reopened page");
});

// Paused by hand (Space, the Play button), the run stops on a whole millisecond, the moment a
// link can name: the address bar's link then opens exactly what the page shows. (It used to
// stop mid-millisecond and name the next one.)
test("paused by hand, the address bar's link opens exactly the state the page shows", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, { format: 1, seed: 5, nodes: 5, workload: { writes_per_sec: 20 }, until_ms: 1 });
  for (const pause of [() => press(page, " "), () => page.getByRole("button", { name: /^Pause/ }).first().click()]) {
    await call(page, "play");
    await page.waitForTimeout(700);
    await pause();
    await page.getByRole("button", { name: /^Play/ }).first().waitFor({ timeout: 5000 });
    await page.waitForTimeout(300); // the address bar follows the run
    const shown = await state(page);
    const address = page.url();
    assert.match(address, /#s=/);
    const reopened = await openPlayground(session.browser, address);
    const opened = await state(reopened);
    assert.equal(opened.until_ms, shown.until_ms, "the link names the paused moment");
    assert.equal(opened.state_hash, shown.state_hash, `the link opens what the page shows:\n page: ${summary(shown)}\n link: ${summary(opened)}`);
    await reopened.close();
  }
  // Single steps stop just after an event, often inside a millisecond or among events due at
  // the same time: the address bar's link names that moment too (a version 2 link, with the
  // events of its last millisecond run), and opens it here and natively.
  const linkVersion = (link) => Buffer.from(new URL(link).hash.slice("#s=".length), "base64url")[0];
  let steps = 0;
  while (linkVersion(page.url()) !== 2 && steps < 20) {
    const before = page.url();
    await press(page, "n");
    await page.waitForFunction((before) => location.href !== before, before, { timeout: 5000 });
    steps += 1;
  }
  assert.equal(linkVersion(page.url()), 2, `a link naming a moment inside a millisecond after ${steps} steps`);
  const stepped = await state(page);
  const reopened = await openPlayground(session.browser, page.url());
  const opened = await state(reopened);
  assert.equal(opened.state_hash, stepped.state_hash, `the link opens the stepped moment:\n page: ${summary(stepped)}\n link: ${summary(opened)}`);
  assert.equal(opened.events, stepped.events);
  await reopened.waitForTimeout(300);
  assert.equal(await reopened.getByText(/back in the run/).count(), 0, "the opened moment is the run's latest, not one inside it");
  await reopened.close();
  if (!raftSim.missing) {
    const native = await raftSimRun(page.url());
    assert.equal(native.state_hash, stepped.state_hash, "raft-sim opens the stepped moment too");
  }
  assert.deepEqual(page.errors, [], "no console errors");
});

test("a link made natively by raft-sim opens in the page at the same state", async (t) => {
  if (raftSim.missing) {
    t.skip(raftSim.missing);
    return;
  }
  const file = join(ROOT, "target", "e2e", "native-scenario.json");
  const scenario = {
    format: 1,
    seed: 7,
    nodes: 5,
    config: { loss: 0.02, snapshot_every: 20 },
    workload: { writes_per_sec: 20, reads_per_sec: 5 },
    timeline: [
      { at_ms: 800, do: "crash", node: 2 },
      { at_ms: 1500, do: "restart", node: 2 },
    ],
    until_ms: 2500,
  };
  await writeFile(file, JSON.stringify(scenario));
  const { stdout } = await run(raftSim.path, ["link", file, "--base", session.server.url]);
  const link = stdout.trim();
  assert.match(link, /#s=/, `raft-sim link printed a link: ${link}`);
  const native = await raftSimRun(link);

  const page = await openPlayground(session.browser, link);
  const inPage = await state(page);
  assert.equal(inPage.until_ms, 2500, "the page opens at the link's moment");
  assert.equal(inPage.state_hash, native.state_hash, `same state hash:\n page:   ${summary(inPage)}\n native: ${summary(native)}`);
  assert.deepEqual(inPage.nodes, native.nodes, "every node's state matches");
  assert.deepEqual(page.errors, [], "no console errors");
});

test("a bad link names its problem and leaves the current run untouched", async (t) => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, { format: 1, seed: 11, nodes: 3, workload: { writes_per_sec: 10 }, until_ms: 1200 });
  const before = await state(page);
  const good = await call(page, "link");
  const fragment = good.slice(good.indexOf("#"));

  const bad = [
    [`${fragment.slice(0, fragment.length - 12)}`, /link/i],
    ["#s=AAAA", /link/i],
    ["#s=%%%not-base64%%%", /link/i],
    [`#s=${"B".repeat(20_000)}`, /too long/i],
    ["#s=Aw", /version 3 is not supported.*newer Raft Playground/i],
    ["#s=CQ", /not a scenario link/i],
    // Not links at all: a fragment without "s=", and a word that is no encoding of anything.
    ["#foo", /no scenario in it/],
    ["#s=garbage", /not a whole link: it was probably cut short or altered \(its last character, "e", cannot end one\)/],
  ];
  for (const [link, problem] of bad) {
    await page.evaluate((link) => {
      location.hash = link;
    }, link);
    const notice = page.locator(".notice-text");
    await notice.waitFor({ timeout: 5000 });
    const text = await notice.textContent();
    assert.match(text, problem, `the notice for ${link.slice(0, 40)} names the problem: ${text}`);
    assert.match(text, /^This link could not be opened: (?!link:)/, `one sentence, said once: ${text}`);
    t.diagnostic(`${link.slice(0, 24)}… → ${text}`);
    if (link === "#s=AAAA") await screenshot(page, "link-bad");
    const after = await state(page);
    assert.equal(after.state_hash, before.state_hash, `the run is untouched after ${link.slice(0, 40)}`);
    assert.equal(after.until_ms, before.until_ms);
    // The address keeps what was typed, for the person to see and fix, while the run stays.
    assert.equal(await page.evaluate(() => location.hash), link, "the bad link stays in the address");
    await page.getByRole("button", { name: "Dismiss the message" }).click();
    await notice.waitFor({ state: "detached", timeout: 5000 });
  }

  // What the browser percent-encodes is named as typed: the emoji, not "%".
  await page.evaluate((link) => {
    location.hash = link;
  }, `${fragment.slice(0, 12)}🙂${fragment.slice(12)}`);
  const named = page.locator(".notice-text");
  await named.waitFor({ timeout: 5000 });
  assert.match(await named.textContent(), /"🙂" at position \d+ is not a link character/);
  assert.equal((await state(page)).state_hash, before.state_hash, "the run is untouched");
  await page.getByRole("button", { name: "Dismiss the message" }).click();

  // A space pasted after a link is not part of it: the same run, no complaint.
  await page.evaluate((link) => {
    location.hash = link;
  }, `${fragment}%20`);
  await page.waitForTimeout(300);
  assert.equal(await page.locator(".notice-text").count(), 0, "no complaint about a trailing space");
  assert.equal((await state(page)).state_hash, before.state_hash, "the same run");

  // Opened directly, a bad link still gives a working page with the message.
  const fresh = await openPlayground(session.browser, `${session.server.url}#s=AAAA`);
  await fresh.locator(".notice-text").waitFor({ timeout: 5000 });
  assert.match(await fresh.locator(".notice-text").textContent(), /link/i);
  assert.ok((await state(fresh)).nodes.length >= 3, "the page still runs a cluster");
  assert.equal(await fresh.evaluate(() => location.hash), "#s=AAAA", "the bad link stays in the address");
  // Once the run moves on, the address is the run's own link again.
  await call(fresh, "seek", 300);
  await fresh.waitForFunction(() => location.hash.startsWith("#s=") && location.hash !== "#s=AAAA", null, { timeout: 5000 });
  assert.deepEqual(page.errors, [], "no console errors");
  assert.deepEqual(fresh.errors, [], "no console errors in the freshly opened page");
});

test("a link opened just as the page redraws is taken in, not written over by the page's own", async () => {
  const other = await openPlayground(session.browser, session.server.url);
  await load(other, { format: 1, seed: 9, nodes: 3, until_ms: 700 });
  const link = await call(other, "link");
  await other.close();

  const page = await openPlayground(session.browser, session.server.url);
  for (const until_ms of [2000, 2100, 2200]) {
    await load(page, { format: 1, seed: 5, nodes: 5, until_ms });
    await page.waitForTimeout(200);
    // Scrubbing seeks on the next frame, whose redraw writes the run's link to the address:
    // here, after the navigation but before its hashchange arrives.
    await page.evaluate((fragment) => {
      const timeline = document.querySelector('input[aria-label^="Timeline"]');
      timeline.value = "1000";
      timeline.dispatchEvent(new Event("input", { bubbles: true }));
      location.hash = fragment;
    }, link.slice(link.indexOf("#")));
    await page.waitForFunction(() => window.raftPlayground.state().nodes.length === 3, null, { timeout: 5000 });
    assert.equal((await state(page)).until_ms, 700, "the opened link's run, at its moment");
  }
  // The other order: the link is taken in before the scrub's frame, whose position was meant
  // for the run before and must not move the new one.
  await load(page, { format: 1, seed: 5, nodes: 5, until_ms: 2000 });
  await page.evaluate((link) => {
    const timeline = document.querySelector('input[aria-label^="Timeline"]');
    timeline.value = "300";
    timeline.dispatchEvent(new Event("input", { bubbles: true }));
    window.raftPlayground.load(link);
  }, link);
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  const opened = await state(page);
  assert.deepEqual([opened.nodes.length, opened.until_ms], [3, 700], "the opened run stays at its moment");
  assert.deepEqual(page.errors, [], "no console errors");
});
