// Embed-readiness: the page's `link()` replays natively. A run changed with the keyboard
// (crash, restart, heal, a new node) is put in a link, `raft-sim run LINK` replays it, and the
// native state hash (and every node's state) equals the page's.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT, screenshot } from "./harness.mjs";
import { startSession, openPlayground, load, state, press, waitForState, summary, call } from "./playground.mjs";

const run = promisify(execFile);
const RAFT_SIM = join(ROOT, "target", "release", "raft-sim");

let session;
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

before(
  async () => {
    session = await startSession();
    raftSim = await ensureRaftSim();
  },
  { timeout: 600_000 },
);

after(async () => {
  await session?.close();
});

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
