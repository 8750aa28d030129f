// Client data in the real page: writes commit on every live node (timeline requests and the
// Clients panel's form), and snapshots shrink every node's log (automatic, and the `s` key).

import { test } from "node:test";
import assert from "node:assert/strict";
import { screenshot } from "./harness.mjs";
import { sessionForFile, openPlayground, load, state, press, waitForState, summary, call } from "./playground.mjs";

const session = sessionForFile();

// S5 is down from 600 ms on; requests go through different nodes, including a
// compare-and-set and a delete.
const WRITES = {
  format: 1,
  seed: 5,
  nodes: 5,
  timeline: [
    { at_ms: 600, do: "crash", node: 5 },
    { at_ms: 1000, do: "put", key: "x", value: "1", via: 1 },
    { at_ms: 1100, do: "put", key: "y", value: "2", via: 2 },
    { at_ms: 1200, do: "put", key: "z", value: "3", via: 3 },
    { at_ms: 1300, do: "cas", key: "x", expected: "1", new: "10", via: 4 },
    { at_ms: 1400, do: "delete", key: "y" },
  ],
  until_ms: 1400,
};

test("client writes commit on every live node, with equal commit indices", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, WRITES);
  const expected = { x: "10", z: "3" };

  // One more write through the Clients panel's request form. The page is at the scenario's
  // last moment, so acting drops none of its timeline (acting earlier forks).
  await page.click("#tab-clients");
  const key = page.getByLabel("Key", { exact: true });
  const value = page.getByLabel("Value", { exact: true });
  const send = page.getByRole("button", { name: /^Send put/i });
  for (const control of [key, value, send]) assert.equal(await control.count(), 1, "the Clients panel's put form");
  await key.fill("form");
  await value.fill("from-the-panel");
  await send.click();
  expected.form = "from-the-panel";

  await press(page, "+", 3);
  await call(page, "play");
  const done = await waitForState(
    page,
    (s) => {
      const up = s.nodes.filter((n) => n.up);
      const first = up[0];
      return (
        up.length === 4 &&
        up.every((n) => n.kv.x === "10" && n.kv.z === "3" && !("y" in n.kv)) &&
        up.every((n) => n.commit_index === first.commit_index && n.last_applied === first.commit_index) &&
        up.every((n) => JSON.stringify(n.kv) === JSON.stringify(first.kv))
      );
    },
    { timeout: 20_000 },
  );
  await call(page, "pause");
  const up = done.nodes.filter((n) => n.up);
  assert.deepEqual(
    done.nodes.filter((n) => !n.up).map((n) => n.id),
    [5],
    `only S5 is down: ${summary(done)}`,
  );
  for (const node of up) {
    for (const [k, v] of Object.entries(expected)) {
      assert.equal(node.kv[k], v, `S${node.id} holds ${k}=${v}: ${summary(done)}`);
    }
    assert.equal(node.kv.y, undefined, `S${node.id} deleted y`);
    assert.equal(node.commit_index, up[0].commit_index, "commit indices agree");
  }
  assert.deepEqual(done.nodes.find((n) => n.id === 5).kv, {}, "the crashed node applied nothing");
  assert.ok(done.history.ok >= 4, `the clients saw their writes succeed: ${JSON.stringify(done.history)}`);
  assert.notEqual(done.history.linearizable, false, "the history is linearizable");
  assert.deepEqual(done.violations, []);
  // The history names the node each request went to, and the leader when another answered.
  const rows = await page.locator(".history-table tbody tr").evaluateAll((rows) =>
    rows.map((row) => [row.querySelector(".history-operation").firstChild.textContent, row.querySelector(".history-node").textContent]),
  );
  const nodeOf = Object.fromEntries(rows);
  for (const [operation, asked] of [["put x = 1", 1], ["put y = 2", 2], ["put z = 3", 3], ["cas x: 1 → 10", 4]]) {
    const expected = asked === done.leader ? `S${asked}` : `S${asked}→S${done.leader}`;
    assert.equal(nodeOf[operation], expected, `${operation}: ${JSON.stringify(rows)}`);
  }
  await screenshot(page, "data-writes");
  assert.deepEqual(page.errors, [], "no console errors");
});

test("snapshots move every node's log start forward, automatically and with the s key", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  // Automatic: a snapshot every 10 applied entries, 40 writes a second.
  await load(page, { format: 1, seed: 5, nodes: 5, config: { snapshot_every: 10 }, workload: { writes_per_sec: 40 }, until_ms: 800 });
  const early = await state(page);
  await press(page, "+", 4);
  await call(page, "play");
  const later = await waitForState(
    page,
    (s) => s.until_ms >= 3000 && s.nodes.every((n) => n.up && n.log_start > 30),
    { timeout: 20_000 },
  );
  await call(page, "pause");
  for (const node of later.nodes) {
    const before = early.nodes.find((n) => n.id === node.id);
    assert.ok(node.log_start > before.log_start, `S${node.id}'s log start moved from ${before.log_start} to ${node.log_start}`);
    assert.ok(node.log_start <= node.last_index + 1, `S${node.id}'s log is consistent: ${summary(later)}`);
    assert.ok(node.last_index - node.log_start < 40, `S${node.id} keeps a short log: ${summary(later)}`);
  }
  assert.deepEqual(later.violations, []);
  await screenshot(page, "data-snapshots-auto");

  // By hand: no automatic snapshots; select S2 and press s.
  await load(page, { format: 1, seed: 5, nodes: 5, config: { snapshot_every: 0 }, workload: { writes_per_sec: 40 }, until_ms: 2000 });
  const unsnapshotted = await state(page);
  const s2 = unsnapshotted.nodes.find((n) => n.id === 2);
  assert.ok(unsnapshotted.nodes.every((n) => n.log_start <= 1), `no snapshot yet: ${summary(unsnapshotted)}`);
  assert.ok(s2.last_applied > 20, `S2 has applied entries to snapshot: ${summary(unsnapshotted)}`);
  await page.click("#tab-inspect");
  await press(page, "2");
  await page.getByRole("heading", { name: "Node S2" }).waitFor({ timeout: 5000 });
  await press(page, "s");
  const snapshotted = await waitForState(page, (s) => s.nodes.find((n) => n.id === 2).log_start > 1, { timeout: 5000 });
  const after = snapshotted.nodes.find((n) => n.id === 2);
  assert.ok(after.log_start >= s2.last_applied, `S2's log now starts after what it had applied (${s2.last_applied}): ${summary(snapshotted)}`);
  for (const node of snapshotted.nodes.filter((n) => n.id !== 2)) {
    assert.ok(node.log_start <= 1, `only S2 snapshotted: ${summary(snapshotted)}`);
  }
  await screenshot(page, "data-snapshot-key");
  // Nothing applied since: another snapshot could do nothing, so the button is greyed with
  // the reason, and the key says it rather than writing a second snapshot into the run.
  const snapshotButton = page.getByRole("button", { name: "Snapshot S2 (s)" });
  await page.waitForFunction(() => document.querySelector('[aria-label="Snapshot S2 (s)"]')?.disabled);
  assert.match(await snapshotButton.getAttribute("title"), /applied nothing since its snapshot at index \d+/);
  const once = await call(page, "link");
  await press(page, "s");
  await page.getByText(/S2 has applied nothing since its snapshot/).first().waitFor({ timeout: 5000 });
  assert.equal(await call(page, "link"), once, "the refused snapshot is not in the run");
  assert.deepEqual(page.errors, [], "no console errors");
});

test("with check-quorum off, choosing lease reads says that leaders will refuse them", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, { format: 1, seed: 3, nodes: 3, config: { check_quorum: false }, until_ms: 500 });
  await page.click("#tab-clients");
  assert.equal(await page.locator(".lease-refused").count(), 0, "ReadIndex reads need no check-quorum");
  await page.selectOption("#workload-read", "lease");
  await page.locator(".workload .lease-refused").waitFor({ timeout: 5000 });
  assert.match(await page.locator(".workload .lease-refused").textContent(), /leaders refuse lease reads/);
  // With check-quorum on, lease reads are served: no warning.
  await load(page, { format: 1, seed: 3, nodes: 3, workload: { read: "lease" }, until_ms: 500 });
  await page.locator(".workload").waitFor();
  assert.equal(await page.locator(".lease-refused").count(), 0);
  assert.deepEqual(page.errors, [], "no console errors");
});

test("a workload rate beyond what the background clients can offer says so", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, { format: 1, seed: 3, nodes: 3, workload: { writes_per_sec: 100 }, until_ms: 300 });
  await page.click("#tab-clients");
  await page.locator(".workload").waitFor();
  assert.equal(await page.locator(".workload-capped").count(), 0, "32 clients offer 100 a second");
  await load(page, { format: 1, seed: 3, nodes: 3, workload: { writes_per_sec: 500, reads_per_sec: 500 }, until_ms: 300 });
  await page.locator(".workload-capped").filter({ hasText: /At most 32 background clients run/ }).waitFor({ timeout: 5000 });
  assert.deepEqual(page.errors, [], "no console errors");
});

// The log panel shows each entry's place and term; the inspector says what the newest carry,
// and whether the node knows them committed (down, it shows what its disk holds).
test("the node inspector lists what the newest log entries carry", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, {
    format: 1,
    seed: 3,
    nodes: 3,
    timeline: [
      { at_ms: 600, do: "put", key: "x", value: "1" },
      { at_ms: 700, do: "crash", node: 3 },
      { at_ms: 800, do: "put", key: "y", value: "2" },
    ],
    until_ms: 1000,
  });
  const leader = (await state(page)).leader;
  await press(page, String(leader));
  const entries = page.locator(".entries");
  await entries.waitFor({ timeout: 5000 });
  const text = await entries.innerText();
  assert.match(text, /^\d+ · term \d+ · committed\nput y = "2" \(client \d+ #\d+\)\n\d+ · term \d+ · committed\nput x = "1"/, text);
  assert.match(text, /no-op \(a new leader's first entry\)/);
  // S3, down since before y was written, shows what its disk holds, without a verdict.
  await press(page, "3");
  await page.getByRole("heading", { name: /Node S3/ }).waitFor({ timeout: 5000 });
  const down = await entries.innerText();
  assert.match(down, /^\d+ · term \d+\nput x = "1"/, down);
  assert.doesNotMatch(down, /committed|put y/);
  assert.deepEqual(page.errors, [], "no console errors");
});

test("the metrics panel: a failover after the leader's crash, and lag rows that say which followers are down", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  // Seed 3 elects S4; it crashes at 2 s, then S1 at 3 s. A new leader is up before 3 s.
  await load(page, {
    format: 1,
    seed: 3,
    nodes: 5,
    workload: { writes_per_sec: 20 },
    timeline: [{ at_ms: 2000, do: "crash", node: 4 }, { at_ms: 3000, do: "crash", node: 1 }],
    until_ms: 6000,
  });
  const now = await state(page);
  assert.ok(now.leader && ![1, 4].includes(now.leader), `a leader other than the crashed ones: ${summary(now)}`);
  await page.click("#tab-metrics");
  const panel = page.locator(".metrics-panel");
  const text = await panel.innerText();
  assert.match(text, /Failover\s+\d+ ms\s+last of 1/, `one failover measured: ${text}`);
  assert.match(text, /The run so far, sampled every 100 ms/, "six seconds of charts are not called the last 30 s");
  assert.match(text, /leaderless (once|\d+ times)/, "the leader strip counts the spells without a leader");
  const rows = await panel.locator(".lag-table tbody tr td:first-child").allInnerTexts();
  assert.deepEqual(
    rows.filter((row) => row.includes("(down)")).sort(),
    ["S1 (down)", "S4 (down)"],
    `the crashed followers are marked: ${rows}`,
  );
  await screenshot(page, "metrics-failover");
  assert.deepEqual(page.errors, [], "no console errors");
});

test("failed and unknown operations stay listed in the history, explained, after newer ones", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  // A lossy network and a partition: some writes fail or end unknown early on, and the
  // workload goes on for seconds after them.
  await load(page, {
    format: 1,
    seed: 11,
    nodes: 5,
    config: { loss: 0.35, duplicate: 0.1 },
    workload: { writes_per_sec: 30, keys: 40, cas_percent: 20 },
    timeline: [
      { at_ms: 3000, do: "partition", groups: [[1, 2], [3, 4, 5]] },
      { at_ms: 6000, do: "heal" },
      { at_ms: 6000, do: "network", loss: 0 },
    ],
    until_ms: 12000,
  });
  await page.click("#tab-clients");
  const counts = await page.locator(".history-counts").textContent();
  const [, unknown, failed] = counts.match(/(\d+) unknown, (\d+) failed/).map(Number);
  assert.ok(unknown + failed > 0, `some operations failed or are unknown: ${counts}`);
  const outcomes = await page.locator(".history-table .history-outcome").allTextContents();
  assert.equal(outcomes.filter((text) => text === "unknown").length, unknown, `every unknown one is listed: ${counts}`);
  assert.equal(outcomes.filter((text) => text === "failed").length, failed, `every failed one is listed: ${counts}`);
  assert.match(await page.locator(".history").textContent(), /Unknown: the client gave up waiting, so it may or may not have taken effect/);
  assert.deepEqual(page.errors, [], "no console errors");
});
