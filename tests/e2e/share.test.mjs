// The Share tab: export the run as scenario JSON and import it back (same state), refuse a bad
// file with a message while keeping the run, export the canvas as a PNG, and copy embed code
// whose iframe shows the same run in embed mode.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { SCREENSHOTS, newPage, screenshot } from "./harness.mjs";
import { sessionForFile, openPlayground, load, state, summary } from "./playground.mjs";

const session = sessionForFile();

const SCENARIO = {
  format: 1,
  seed: 21,
  nodes: 5,
  config: { snapshot_every: 25 },
  workload: { writes_per_sec: 12, reads_per_sec: 4 },
  timeline: [
    { at_ms: 600, do: "crash", node: 3 },
    { at_ms: 1400, do: "restart", node: 3 },
  ],
  until_ms: 2000,
};

/** Clicks `button` and returns the bytes of the file the page downloads, and its name. */
async function download(page, button) {
  const [file] = await Promise.all([page.waitForEvent("download", { timeout: 10_000 }), button.click()]);
  const path = await file.path();
  return { name: file.suggestedFilename(), bytes: await readFile(path) };
}

test("scenario JSON exports and imports back to the same state; a bad file changes nothing", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, SCENARIO);
  const original = await state(page);
  await page.click("#tab-share");

  const exported = await download(page, page.getByRole("button", { name: "Export scenario JSON" }));
  assert.equal(exported.name, "raft-scenario.json");
  const json = JSON.parse(exported.bytes.toString("utf8"));
  assert.equal(json.seed, SCENARIO.seed);
  assert.equal(json.until_ms, original.until_ms, "the file ends at the page's moment");
  assert.equal(json.timeline.length, SCENARIO.timeline.length);

  // Import it into a page running something else: it comes back to the same state.
  const other = await openPlayground(session.browser, session.server.url);
  await other.click("#tab-share");
  await other.getByLabel("Import scenario JSON file").setInputFiles({
    name: "raft-scenario.json",
    mimeType: "application/json",
    buffer: exported.bytes,
  });
  await other.waitForFunction((hash) => window.raftPlayground.state().state_hash === hash, original.state_hash, {
    timeout: 10_000,
  });
  const imported = await state(other);
  assert.equal(imported.until_ms, original.until_ms, summary(imported));

  // A file that is not a scenario: a message naming the problem, and the run stays.
  await other.getByLabel("Import scenario JSON file").setInputFiles({
    name: "notes.json",
    mimeType: "application/json",
    buffer: Buffer.from('{"format": 1, "seed": "eleven", "nodes": 5}'),
  });
  const notice = other.locator(".notice-text");
  await notice.waitFor({ timeout: 5000 });
  assert.match(await notice.textContent(), /seed/, "the message names the bad field");
  assert.equal((await state(other)).state_hash, original.state_hash, "the run is untouched");
  await screenshot(other, "share-bad-file");

  // A file that is not JSON at all is named as the wrong kind of file, not as a broken link.
  await other.getByLabel("Import scenario JSON file").setInputFiles({
    name: "photo.json",
    mimeType: "application/json",
    buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x01]),
  });
  await notice.filter({ hasText: /The file "photo.json" is not a scenario: it should hold scenario JSON/ }).waitFor({ timeout: 5000 });
  assert.doesNotMatch(await notice.textContent(), /link could not be opened/);
  assert.equal((await state(other)).state_hash, original.state_hash, "the run is untouched");

  // Scenario JSON with bytes that are not UTF-8 (C3 28 in a key): raft-sim refuses the file,
  // and so does the page, rather than loading it with the bytes replaced.
  await other.getByLabel("Import scenario JSON file").setInputFiles({
    name: "latin.json",
    mimeType: "application/json",
    buffer: Buffer.concat([Buffer.from('{"format": 1, "timeline": [{"at_ms": 1, "do": "put", "key": "'), Buffer.from([0xc3, 0x28]), Buffer.from('", "value": "1"}]}')]),
  });
  await notice.filter({ hasText: /The file "latin.json" is not a scenario: it should hold scenario JSON in UTF-8/ }).waitFor({ timeout: 5000 });
  assert.equal((await state(other)).state_hash, original.state_hash, "the run is untouched");
  assert.deepEqual(page.errors, [], "no console errors");
  assert.deepEqual(other.errors, [], "no console errors in the importing page");
});

test("the canvas exports as a PNG and the embed code shows the same run", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await load(page, SCENARIO);
  const original = await state(page);
  await page.click("#tab-share");
  await screenshot(page, "share-panel");
  // The count beside "Link" is of the whole address the box shows, not of its fragment.
  const linkBox = page.getByLabel("Link to this run");
  const shown = await linkBox.inputValue();
  assert.match(shown, /^http:\/\/127\.0\.0\.1:\d+\/#s=/, `the box shows the whole address: ${shown}`);
  assert.equal(await page.locator(".share-panel .stacked > span").first().textContent(), `Link (${shown.length} characters)`);

  const png = await download(page, page.getByRole("button", { name: "Export canvas as PNG" }));
  assert.equal(png.name, "raft-playground.png");
  assert.deepEqual([...png.bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "a PNG file");
  assert.ok(png.bytes.length > 5000, `a drawn canvas, not an empty one: ${png.bytes.length} bytes`);
  await mkdir(SCREENSHOTS, { recursive: true });
  await writeFile(join(SCREENSHOTS, "share-export.png"), png.bytes);

  const code = await page.getByLabel("Embed code").inputValue();
  const src = code.match(/<iframe src="([^"]+)"/)?.[1];
  assert.ok(src, `an iframe snippet: ${code}`);
  assert.match(src, /\?embed#s=/);

  // The snippet in a host page: the iframe runs the same moment, in embed mode.
  const host = await newPage(session.browser, { viewport: { width: 900, height: 640 } });
  await host.setContent(`<!doctype html><title>Course notes</title><h1>Notes</h1>${code}`);
  const frame = await (await host.waitForSelector("iframe")).contentFrame();
  await frame.waitForFunction(() => typeof window.raftPlayground?.state === "function", null, { timeout: 15_000 });
  assert.ok(await frame.locator(".app.embedded").count(), "the iframe is in embed mode");
  const embedded = await frame.evaluate(() => window.raftPlayground.state());
  assert.equal(embedded.state_hash, original.state_hash, "the embedded run is the same run");
  const open = await frame.locator(".embed-open").getAttribute("href");
  assert.match(open, /^http:\/\/127\.0\.0\.1:\d+\/#s=/, `"Open in Raft Playground" leaves embed mode: ${open}`);
  await screenshot(host, "share-embedded");
  assert.deepEqual(host.errors, [], "no errors in the host page");
  assert.deepEqual(page.errors, [], "no console errors");
});

// Copy buttons say how it went, beside the button and to a screen reader: copied, or, where
// the page has no clipboard (served over plain http on a network address) or may not write to
// it, that the text must be copied by hand. Without a clipboard the click threw a TypeError
// into the console and said nothing.
test("copying the link or the embed code says whether it worked", async () => {
  const page = await openPlayground(session.browser, session.server.url, { permissions: ["clipboard-read", "clipboard-write"] });
  await load(page, { format: 1, seed: 7, nodes: 3, until_ms: 800 });
  await page.click("#tab-share");
  await page.getByRole("button", { name: "Copy link" }).click();
  const linkStatus = page.locator(".button-row", { hasText: "Copy link" }).getByRole("status");
  await linkStatus.filter({ hasText: "Copied." }).waitFor({ timeout: 5000 });
  const link = await page.getByRole("textbox", { name: "Link to this run" }).inputValue();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link, "the clipboard holds the link");
  await page.getByRole("button", { name: "Copy embed code" }).click();
  const embedStatus = page.locator(".button-row", { hasText: "Copy embed code" }).getByRole("status");
  await embedStatus.filter({ hasText: "Copied." }).waitFor({ timeout: 5000 });
  assert.equal((await linkStatus.textContent()).trim(), "", "only the last copy's status shows");
  assert.match(await page.evaluate(() => navigator.clipboard.readText()), /^<iframe src=".*\?embed#/);
  assert.deepEqual(page.errors, [], "no console errors");
  await page.close();

  const insecure = await newPage(session.browser);
  await insecure.addInitScript(() => Object.defineProperty(Navigator.prototype, "clipboard", { get: () => undefined, configurable: true }));
  await insecure.goto(session.server.url);
  await insecure.waitForFunction(() => typeof window.raftPlayground?.state === "function");
  await insecure.click("#tab-share");
  await insecure.getByRole("button", { name: "Copy link" }).click();
  const said = insecure.locator(".button-row", { hasText: "Copy link" }).getByRole("status");
  await said.filter({ hasText: /^Not copied: .*plain http.*\. Select the text above and copy it\.$/ }).waitFor({ timeout: 5000 });
  await screenshot(insecure, "share-not-copied");
  assert.deepEqual(insecure.errors, [], "no console errors");
  await insecure.close();
});

// A timeline of many long actions outgrows what a link holds (16 KiB of scenario). The page
// wrote such a run's link into the address bar without a word, and reloading it lost the run:
// it says so once, and the Share tab says the link will not open.
test("a run too long for a link says so, in a notice and in the Share tab", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  // Letters from a xorshift generator: they do not compress much.
  let bits = 2463534242;
  const letter = () => {
    bits ^= bits << 13;
    bits ^= bits >>> 17;
    bits ^= bits << 5;
    return String.fromCharCode(97 + ((bits >>> 0) % 26));
  };
  const put = (index) => ({ at_ms: 100 + index, do: "put", key: "k", value: Array.from({ length: 200 }, letter).join("") });
  await load(page, { ...SCENARIO, timeline: Array.from({ length: 10 }, (_, index) => put(index)), until_ms: 500 });
  assert.equal(await page.getByText("no longer fits in a link").count(), 0, "a run that fits says nothing");

  await load(page, { ...SCENARIO, timeline: Array.from({ length: 200 }, (_, index) => put(index)), until_ms: 500 });
  const warning = /This run no longer fits in a link: the scenario part is too long \(\d+ characters; the limit is 16384\)\. Export its scenario JSON to keep it\./;
  await page.locator(".notice").filter({ hasText: warning }).waitFor({ timeout: 5000 });
  await page.click("#tab-share");
  await page.locator(".share-panel").filter({ hasText: warning }).waitFor({ timeout: 5000 });
  assert.deepEqual(page.errors, [], "no console errors");
});
