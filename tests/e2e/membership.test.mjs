// Membership changes in the real page: a removed node says what it is and offers only what
// still makes sense; Remove warns before it would leave no live majority, and a leadership
// transfer before it would give up; the ring takes at most 15 nodes.

import { test } from "node:test";
import assert from "node:assert/strict";
import { screenshot } from "./harness.mjs";
import { sessionForFile, openPlayground, load, state, press, waitForState, summary, call } from "./playground.mjs";

const session = sessionForFile();

test("a removed node is shown as removed, with Remove disabled and why it still campaigns", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, {
    format: 1,
    seed: 12,
    nodes: 5,
    timeline: [{ at_ms: 1500, do: "remove_node", node: 5 }],
    until_ms: 4000,
  });
  const now = await state(page);
  assert.ok(now.leader && now.leader !== 5, `a leader other than S5: ${summary(now)}`);
  await press(page, "5");
  await page.getByRole("heading", { name: /Node S5\b/ }).waitFor({ timeout: 5000 });
  assert.match(await page.locator(".inspector-title .role-name").textContent(), /removed/);
  assert.ok(await page.getByRole("button", { name: "Remove S5", exact: true }).isDisabled(), "Remove is disabled for a removed node");
  await page.getByText(/nobody tells a removed server/).waitFor({ timeout: 5000 });
  await screenshot(page, "membership-removed");
  assert.deepEqual(page.errors, [], "no console errors");
});

test("a leader removing itself is drawn and inspected as the leader until the change commits, then campaigns no more", async () => {
  const page = await openPlayground(session.browser, `${session.server.url}#lesson=membership-change`);
  await call(page, "seek", 3000); // the lesson's step 6: S2 has appended the configuration without it
  const now = await state(page);
  assert.equal(now.leader, 2, `S2 still leads: ${summary(now)}`);
  await press(page, "2");
  await page.getByRole("heading", { name: /Node S2\b/ }).waitFor({ timeout: 5000 });
  assert.equal(await page.locator(".inspector-title .role-name").textContent(), "leader");
  await page.getByText(/Leaving: the configuration without it is in the log/).waitFor({ timeout: 5000 });
  await screenshot(page, "membership-leaving-leader");
  // Once the change commits it steps down, knows it is out, and campaigns no more.
  await call(page, "seek", 3200);
  await page.locator(".inspector-title .role-name").filter({ hasText: "removed" }).waitFor({ timeout: 5000 });
  await page.getByText(/Its own log holds the configuration without it, so it no longer campaigns/).waitFor({ timeout: 5000 });
  assert.deepEqual(page.errors, [], "no console errors");
});

test("Remove warns when the voters left could not form a majority", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, {
    format: 1,
    seed: 12,
    nodes: 5,
    timeline: [
      { at_ms: 1500, do: "crash", node: 4 },
      { at_ms: 1500, do: "crash", node: 5 },
    ],
    until_ms: 3000,
  });
  await press(page, "1");
  await page.getByRole("heading", { name: /Node S1\b/ }).waitFor({ timeout: 5000 });
  await page.getByText("Removing S1 leaves 4 voters, 2 of them up: a majority is 3").waitFor({ timeout: 5000 });
  await screenshot(page, "membership-removal-warning");
  await press(page, "4");
  await page.getByRole("heading", { name: /Node S4\b/ }).waitFor({ timeout: 5000 });
  assert.equal(await page.locator(".removal-warning").count(), 0, "removing a down voter leaves 3 of 4 up: no warning");
  assert.deepEqual(page.errors, [], "no console errors");
});

test("Transfer leadership warns when the leader cannot reach the node", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  const scenario = { format: 1, seed: 12, nodes: 5, until_ms: 1500 };
  await load(page, scenario);
  const leader = (await state(page)).leader;
  assert.ok(leader, "a leader");
  const [target, other] = [1, 2, 3, 4, 5].filter((id) => id !== leader);
  await load(page, { ...scenario, timeline: [{ at_ms: 1500, do: "cut", from: leader, to: target }], until_ms: 1600 });
  assert.equal((await state(page)).leader, leader, "still leading");
  await press(page, String(target));
  await page.getByRole("heading", { name: new RegExp(`Node S${target}\\b`) }).waitFor({ timeout: 5000 });
  await page.getByText(`The leader S${leader} cannot reach S${target}: a transfer here gives up after an election timeout`).waitFor({ timeout: 5000 });
  assert.ok(await page.getByRole("button", { name: `Transfer leadership here S${target}`, exact: true }).isEnabled(), "allowed all the same");
  await screenshot(page, "membership-transfer-warning");
  await press(page, String(other));
  await page.getByRole("heading", { name: new RegExp(`Node S${other}\\b`) }).waitFor({ timeout: 5000 });
  assert.equal(await page.locator(".transfer-warning").count(), 0, "the leader reaches the others");
  assert.deepEqual(page.errors, [], "no console errors");
});

test("nodes are added up to the ring's 15; one more is refused with a message", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, { format: 1, seed: 3, nodes: 14, until_ms: 2000 });
  const add = page.getByRole("button", { name: "Add node (a)" });
  assert.ok(await add.isEnabled());
  await press(page, "a");
  await waitForState(page, (s) => s.nodes.length === 15, { timeout: 5000 });
  await page.waitForFunction(() => document.querySelector('[aria-label="Add node (a)"]')?.disabled === true);
  await press(page, "a");
  await page.locator(".notice-text").filter({ hasText: /at most 15 nodes/ }).waitFor({ timeout: 5000 });
  assert.equal((await state(page)).nodes.length, 15, "no sixteenth node");
  assert.deepEqual(page.errors, [], "no console errors");
});
