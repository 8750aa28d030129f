// A lesson played through in the real page: opened by its own link, stepped forward with Next
// (each step a later moment of the run, with its caption), stepped back with Back (the run
// really goes back: the same state as before), and taken over as a sandbox by acting.

import { test } from "node:test";
import assert from "node:assert/strict";
import { screenshot, newPage } from "./harness.mjs";
import { sessionForFile, openPlayground, state, press, summary, call, waitForState } from "./playground.mjs";

const session = sessionForFile();

const LESSON = "commit-rule-figure-8";

/** The lesson card's progress ("step K of N") as [K, N], and its caption. */
async function card(page) {
  const lesson = page.getByRole("region", { name: "Lesson" });
  const progress = await lesson.locator(".lesson-progress").textContent();
  const [, step, count] = progress.match(/step (\d+) of (\d+)/).map(Number);
  const caption = (await lesson.locator(".lesson-caption, .lesson-sandbox-note").textContent()).trim();
  return { step, count, caption };
}

/** Clicks a lesson button and waits until the card shows step `expected`. */
async function clickAndWait(page, name, expected) {
  await page.getByRole("button", { name }).click();
  await page.waitForFunction(
    (expected) => document.querySelector(".lesson-progress")?.textContent.startsWith(`step ${expected} `),
    expected,
    { timeout: 10_000 },
  );
}

test("a lesson opened by its link plays through with Next and Back, then becomes a sandbox", async () => {
  const page = await openPlayground(session.browser, `${session.server.url}#lesson=${LESSON}`);
  await page.getByRole("region", { name: "Lesson" }).waitFor({ timeout: 10_000 });
  const opening = await card(page);
  assert.ok(opening.step <= 1, `a lesson opens at its start: step ${opening.step}`);
  assert.ok(opening.count >= 4, `the lesson has steps: ${opening.count}`);
  assert.match(await page.locator(".lesson-card strong").textContent(), /Figure 8/);

  // Forward through every step: the caption changes and the run moves to a later moment.
  const seen = [];
  for (let step = Math.max(opening.step, 1); step <= opening.count; step += 1) {
    if (step > opening.step) await clickAndWait(page, "Next step", step);
    const shown = await card(page);
    const now = await state(page);
    assert.ok(shown.caption.length > 40, `step ${step} has a caption: ${shown.caption}`);
    if (seen.length > 0) {
      const before = seen[seen.length - 1];
      assert.notEqual(shown.caption, before.caption, `step ${step} says something new`);
      assert.ok(now.until_ms >= before.until_ms, `step ${step} is not earlier than step ${step - 1}`);
    }
    assert.deepEqual(now.violations, [], `the lesson replays clean at step ${step}: ${summary(now)}`);
    seen.push({ caption: shown.caption, until_ms: now.until_ms, state_hash: now.state_hash });
  }
  assert.ok(await page.getByRole("button", { name: "Next step" }).isDisabled(), "no Next after the last step");
  await screenshot(page, "lesson-last-step");

  // Back goes back in time to exactly the state the earlier step showed.
  await clickAndWait(page, "Previous step", opening.count - 1);
  const back = await state(page);
  const earlier = seen[seen.length - 2];
  assert.equal(back.until_ms, earlier.until_ms, "Back returns to the earlier step's moment");
  assert.equal(back.state_hash, earlier.state_hash, "and to the same state");
  assert.equal((await card(page)).caption, earlier.caption);

  // Acting (crash a node with the keyboard) turns the lesson into the learner's sandbox.
  await press(page, "1");
  await press(page, "c");
  await page.locator(".lesson-sandbox-note").waitFor({ timeout: 5000 });
  assert.match(await page.locator(".lesson-sandbox-note").textContent(), /taken over/);
  const crashed = await state(page);
  assert.equal(crashed.nodes.find((node) => node.id === 1).up, false, summary(crashed));
  assert.ok(await page.getByRole("button", { name: "Next step" }).isDisabled(), "the captions stop");
  await screenshot(page, "lesson-sandbox");

  // The learner goes back to the step where they took over, with the lesson's own run.
  await page.getByRole("button", { name: `Back to step ${opening.count - 1}` }).click();
  await page.locator(".lesson-caption").waitFor({ timeout: 5000 });
  const resumed = await state(page);
  assert.equal(resumed.state_hash, earlier.state_hash, "the step's own state, without the crash");
  assert.equal((await card(page)).caption, earlier.caption);
  assert.ok(await page.getByRole("button", { name: "Next step" }).isEnabled(), "the captions go on");
  assert.deepEqual(page.errors, [], "no console errors");
});

// What the lesson's last step invites: the bug switch turned on from the Config tab replays the
// run to the same moment, and S5's election in term 4 now breaks Leader Completeness (S1 had
// committed its term-1 entries by counting them).
test("the switch the Figure 8 lesson's last step names, turned on, replays the run into leader_completeness", async () => {
  const page = await openPlayground(session.browser, `${session.server.url}#lesson=${LESSON}`);
  await page.getByRole("region", { name: "Lesson" }).waitFor({ timeout: 10_000 });
  const { count } = await card(page);
  await call(page, "load", `${session.server.url}#lesson=${LESSON}&step=${count}`);
  await page.waitForFunction((count) => document.querySelector(".lesson-progress")?.textContent.startsWith(`step ${count} `), count, { timeout: 5000 });
  assert.match((await card(page)).caption, /^Now try it yourself: turn on the bug switch commit_earlier_term_by_counting/);
  assert.deepEqual((await state(page)).violations, [], "the lesson's own run is clean");

  await page.click("#tab-config");
  await page.locator(".bug-switch").filter({ hasText: "commit_earlier_term_by_counting" }).locator("input").check();
  const broken = await waitForState(page, (s) => s.violations.length > 0);
  assert.deepEqual(
    broken.violations.map(({ kind, at_ms, detail }) => ({ kind, at_ms, detail })),
    [{ kind: "leader_completeness", at_ms: 3492, detail: "S5 became leader of term 4 without the committed entry at index 96 (term 1)" }],
  );
  await page.locator(".violation-card").waitFor({ timeout: 5000 });
  await page.locator(".lesson-sandbox-note").waitFor({ timeout: 5000 });
  await screenshot(page, "lesson-figure-8-bug-on");
  assert.deepEqual(page.errors, [], "no console errors");
});

test("the Learn tab lists at least ten lessons, each with its own link", async () => {
  const page = await openPlayground(session.browser, session.server.url);
  await page.click("#tab-learn");
  const links = await page.locator(".lesson-link").allTextContents();
  assert.ok(links.length >= 10, `ten lessons or more: ${links.length}`);
  assert.equal(new Set(links).size, links.length, "every lesson has its own link");
  for (const link of links) assert.match(link, /^#lesson=[a-z0-9-]+$/);

  await page.getByRole("button", { name: /Open the lesson .*election/i }).first().click();
  await page.getByRole("region", { name: "Lesson" }).waitFor({ timeout: 10_000 });
  await page.waitForFunction(() => location.hash.startsWith("#lesson="), null, { timeout: 5000 });
  assert.deepEqual(page.errors, [], "no console errors");
});

test("on a phone, opening a lesson from the Learn tab brings its caption into view", async () => {
  const page = await openPlayground(session.browser, session.server.url, {
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  await page.click("#tab-learn");
  const open = page.getByRole("button", { name: /Open the lesson .*Figure 8/i });
  await open.scrollIntoViewIfNeeded();
  assert.ok((await page.evaluate(() => window.scrollY)) > 200, "the lesson list is below the canvas");
  await open.tap();
  const caption = page.getByRole("region", { name: "Lesson" });
  await caption.waitFor({ timeout: 10_000 });
  const box = await caption.boundingBox();
  assert.ok(box.y >= 0 && box.y + box.height <= 844, `the caption is on screen: ${JSON.stringify(box)}`);
  await screenshot(page, "lesson-phone-opened");
  assert.deepEqual(page.errors, [], "no console errors");
});

test("a link to a lesson's step opens it there, and the address and Share tab give that link", async () => {
  const page = await openPlayground(session.browser, `${session.server.url}#lesson=${LESSON}&step=5`);
  await page.getByRole("region", { name: "Lesson" }).waitFor({ timeout: 10_000 });
  const opened = await card(page);
  assert.equal(opened.step, 5, "the link's step");
  // On a wide page the card stands beside the canvas, which keeps the stage's full height.
  const boxes = await page.evaluate(() => {
    const box = (selector) => document.querySelector(selector).getBoundingClientRect().toJSON();
    return { card: box(".lesson-card"), canvas: box("canvas.cluster-canvas"), stage: box(".stage") };
  });
  assert.ok(boxes.card.right <= boxes.canvas.left, `the card is beside the canvas: ${JSON.stringify(boxes)}`);
  assert.ok(boxes.canvas.height >= boxes.stage.height - 1, `the canvas keeps the stage's height: ${JSON.stringify(boxes)}`);
  const atFive = await state(page);
  await clickAndWait(page, "Next step", 6);
  await page.waitForFunction((lesson) => location.hash === `#lesson=${lesson}&step=6`, LESSON, { timeout: 5000 });
  await page.click("#tab-share");
  const field = page.getByRole("textbox", { name: "Link to this step of the lesson" });
  assert.match(await field.inputValue(), new RegExp(`#lesson=${LESSON}&step=6$`));
  // The embed code embeds the lesson at this step, captions and all. In the snippet's own
  // 800 × 520 frame the card stands beside the ring, which keeps most of the frame.
  const code = await page.getByLabel("Embed code").inputValue();
  assert.ok(code.includes(`?embed#lesson=${LESSON}&step=6"`), code);
  const host = await newPage(session.browser, { viewport: { width: 900, height: 640 } });
  await host.setContent(`<!doctype html><title>Course notes</title>${code.replace(' loading="lazy"', "")}`);
  const frame = await (await host.waitForSelector("iframe")).contentFrame();
  await frame.getByRole("region", { name: "Lesson" }).waitFor({ timeout: 15_000 });
  const embedded = await frame.evaluate(() => {
    const box = (selector) => document.querySelector(selector).getBoundingClientRect().toJSON();
    return { card: box(".lesson-card"), canvas: box("canvas.cluster-canvas"), step: document.querySelector(".lesson-progress")?.textContent };
  });
  assert.match(embedded.step, /step 6 of/, JSON.stringify(embedded));
  assert.ok(embedded.card.right <= embedded.canvas.left, `the card is beside the ring: ${JSON.stringify(embedded)}`);
  assert.ok(embedded.canvas.height >= 200, `the ring keeps room: ${JSON.stringify(embedded)}`);
  await screenshot(host, "lesson-embedded");
  assert.deepEqual(host.errors, [], "no errors in the host page");
  await host.close();
  await clickAndWait(page, "Previous step", 5);
  assert.equal((await state(page)).state_hash, atFive.state_hash, "step 5 by the link and by Back is one moment");
  // A script opens lessons as the address does; an unknown one is refused and changes nothing.
  await assert.rejects(call(page, "load", "#lesson=no-such-lesson"), /There is no lesson named "no-such-lesson"/);
  assert.equal((await card(page)).step, 5, "the lesson is still open at its step");
  await call(page, "load", `${session.server.url}#lesson=${LESSON}&step=2`);
  await page.waitForFunction(() => /^step 2 of/.test(document.querySelector(".lesson-progress")?.textContent ?? ""), null, { timeout: 5000 });
  assert.deepEqual(page.errors, [], "no console errors");
});

// A step a link gets wrong still opens the lesson, and the notice says where and why: it
// used to open at the start, or at the last step, without a word.
test("a lesson link with a step that is no number, or past the last, opens the lesson and says so", async () => {
  for (const [step, opens, said] of [
    ["3a", 1, /^This lesson link's step "3a" is not a step number \(1 to \d+\): the lesson opens at its start\.$/],
    ["99", "last", /^This lesson has \d+ steps, fewer than the link asks for: it opens at its last\.$/],
    ["9".repeat(3000), "last", /^This lesson has \d+ steps, fewer than the link asks for: it opens at its last\.$/],
    // What the link says is quoted only in part: a long one filled the window.
    ["x".repeat(3000), 1, /^This lesson link's step "x{24}…" is not a step number \(1 to \d+\): the lesson opens at its start\.$/],
    // Another parameter (a tracker's) is left alone.
    ["2&utm_source=course", 2, null],
  ]) {
    const page = await openPlayground(session.browser, `${session.server.url}#lesson=${LESSON}&step=${step}`);
    await page.getByRole("region", { name: "Lesson" }).waitFor({ timeout: 10_000 });
    const opened = await card(page);
    assert.equal(opened.step, opens === "last" ? opened.count : opens, `step=${step}: ${JSON.stringify(opened)}`);
    if (said) assert.match(await page.locator(".notice-text").textContent(), said);
    else assert.equal(await page.locator(".notice").count(), 0, `step=${step}: no notice`);
    assert.deepEqual(page.errors, [], "no console errors");
    await page.close();
  }
  // A lesson named wrongly is quoted in part too, and the notice lists the lessons there are.
  const page = await openPlayground(session.browser, `${session.server.url}#lesson=${"y".repeat(3000)}`);
  const notice = page.locator(".notice-text");
  await notice.waitFor({ timeout: 10_000 });
  const said = await notice.textContent();
  assert.match(said, /^There is no lesson named "y{24}…"\. The lessons are leader-election, [a-z0-9-]+(, [a-z0-9-]+)+\.$/);
  assert.ok(said.includes(`, ${LESSON},`), said);
  const box = await notice.boundingBox();
  assert.ok(box.y >= 0 && box.height < 200, `the notice fits in the window: ${JSON.stringify(box)}`);
  assert.deepEqual(page.errors, [], "no console errors");
  await page.close();
});
