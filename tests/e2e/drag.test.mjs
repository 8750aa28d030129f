// Partitioning by dragging on the ring: drop a node in open space to cut it off, on another
// node to join that node's group. Drags add up.

import { test } from "node:test";
import assert from "node:assert/strict";
import { screenshot } from "./harness.mjs";
import { sessionForFile, openPlayground, load, press, nodeCentre, canvasZoom } from "./playground.mjs";

const session = sessionForFile();

async function drag(page, from, to) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 4 });
  await page.mouse.move(to.x, to.y, { steps: 4 });
  await page.mouse.up();
}

/** The group letter the Network panel's partition editor shows for each node. */
async function groups(page, count) {
  await page.click("#tab-network");
  const letters = [];
  for (let id = 1; id <= count; id += 1) {
    const pressed = page.locator(`[aria-label^="S${id} in group "][aria-pressed="true"]`);
    await pressed.waitFor({ timeout: 5000 });
    letters.push((await pressed.getAttribute("aria-label")).slice(-1));
  }
  return letters.join("");
}

test("dragging nodes builds a partition one node at a time", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, { format: 1, seed: 8, nodes: 5, until_ms: 2000 });
  const box = await page.locator("canvas.cluster-canvas").boundingBox();
  const openSpace = { x: box.x + 40, y: box.y + 40 };

  // S2 into open space: cut off alone.
  await drag(page, await nodeCentre(page, 2, 5), openSpace);
  assert.equal(await groups(page, 5), "ABAAA");
  // S3 onto S2: they are together, apart from the rest. The first drag still holds.
  await drag(page, await nodeCentre(page, 3, 5), await nodeCentre(page, 2, 5));
  assert.equal(await groups(page, 5), "ABBAA");
  await screenshot(page, "drag-partition");
  // S3 back onto S1, then S2 too: one group again.
  await drag(page, await nodeCentre(page, 3, 5), await nodeCentre(page, 1, 5));
  assert.equal(await groups(page, 5), "ABAAA");
  await drag(page, await nodeCentre(page, 2, 5), await nodeCentre(page, 4, 5));
  assert.equal(await groups(page, 5), "AAAAA");
  // A press without a move is a click: it selects, and partitions nothing.
  await drag(page, await nodeCentre(page, 5, 5), await nodeCentre(page, 5, 5));
  await page.getByRole("heading", { name: /Node S5\b/ }).waitFor({ timeout: 5000 });
  assert.equal(await groups(page, 5), "AAAAA");
  await press(page, "Escape");
  assert.deepEqual(page.errors, [], "no console errors");
});

test("a drag leaves single cuts alone, and a press released off the canvas drops nothing", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, {
    format: 1,
    seed: 8,
    nodes: 5,
    timeline: [{ at_ms: 500, do: "cut", from: 1, to: 3 }],
    until_ms: 2000,
  });
  const box = await page.locator("canvas.cluster-canvas").boundingBox();
  await drag(page, await nodeCentre(page, 5, 5), { x: box.x + 40, y: box.y + 40 });
  await page.locator(".notice-text").filter({ hasText: /single cuts/ }).waitFor({ timeout: 5000 });
  const blocked = () => page.locator(".facts").filter({ hasText: "blocked" }).first().textContent();
  await page.click("#tab-network");
  assert.match(await blocked(), /S1 → S3/);
  assert.doesNotMatch(await blocked(), /S5/, "S5 was not cut off");

  // Pressed on S2, released outside the canvas: back over the ring with no button, nothing
  // follows the pointer, and a click in open space partitions nothing.
  await load(page, { format: 1, seed: 8, nodes: 5, until_ms: 2000 });
  const s2 = await nodeCentre(page, 2, 5);
  await page.mouse.move(s2.x, s2.y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width + 200, s2.y, { steps: 4 });
  await page.mouse.up();
  await page.mouse.move(box.x + 40, box.y + 40, { steps: 4 });
  await page.mouse.click(box.x + 40, box.y + 40);
  assert.equal(await groups(page, 5), "AAAAA");
  assert.deepEqual(page.errors, [], "no console errors");
});

/** The canvas's follower-grey area (#64748b), in CSS px². */
function followerArea(page) {
  return page.evaluate(() => {
    const canvas = document.querySelector("canvas.cluster-canvas");
    const scale = canvas.width / canvas.getBoundingClientRect().width;
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let count = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (Math.abs(data[i] - 0x64) + Math.abs(data[i + 1] - 0x74) + Math.abs(data[i + 2] - 0x8b) < 6) count += 1;
    }
    return count / (scale * scale);
  });
}

test("on a full-HD screen the ring and the logs are drawn larger, and clicks and drags still find their nodes", async () => {
  const scenario = { format: 1, seed: 8, nodes: 5, until_ms: 2000 };
  const laptop = await openPlayground(session.browser, session.server.url);
  await load(laptop, scenario);
  const laptopArea = await followerArea(laptop);
  await laptop.close();

  const page = await openPlayground(session.browser, session.server.url, { viewport: { width: 1920, height: 1080 } });
  await load(page, scenario);
  const box = await page.locator("canvas.cluster-canvas").boundingBox();
  assert.ok(canvasZoom(page, box) > 1.3, `a full-HD window is magnified: ${box.width}×${box.height}`);
  // The same four followers, each 1.35 times as wide: over 1.8 times the area.
  const area = await followerArea(page);
  assert.ok(area > laptopArea * 1.6, `followers cover ${area} px² at 1920×1080, ${laptopArea} px² at 1280×800`);
  await screenshot(page, "drag-full-hd");

  await drag(page, await nodeCentre(page, 2, 5), { x: box.x + 40, y: box.y + 40 });
  assert.equal(await groups(page, 5), "ABAAA");
  await drag(page, await nodeCentre(page, 4, 5), await nodeCentre(page, 4, 5));
  await page.getByRole("heading", { name: /Node S4\b/ }).waitFor({ timeout: 5000 });

  // The logs are magnified too: five rows of 24 px under a 16 px ruler, 1.35 times as tall.
  const logs = await page.locator("canvas.log-canvas").boundingBox();
  const zoom = Math.min(1920 / 1280, 1080 / 800);
  assert.ok(Math.abs(logs.height - (16 + 5 * 24 + 4) * zoom) < 1, `the logs are ${logs.height} px tall`);
  // A click on S3's row selects S3.
  await page.mouse.click(logs.x + 30, logs.y + (16 + 2.5 * 24) * zoom);
  await page.getByRole("heading", { name: /Node S3\b/ }).waitFor({ timeout: 5000 });
  assert.deepEqual(page.errors, [], "no console errors");
});
