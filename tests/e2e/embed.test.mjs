// Embedding: the example host page (www/embed-example.html) drives the playground in an iframe
// through postMessage, reads its state and receives its events; the iframe shows the embed
// layout, sized by the frame.

import { test } from "node:test";
import assert from "node:assert/strict";
import { openPage, screenshot } from "./harness.mjs";
import { sessionForFile, openPlayground } from "./playground.mjs";

const session = sessionForFile();

/** Posts `message` (with an `id`) to the embedded frame, as a host page does; resolves to its answer. */
function askFrame(page, message) {
  return page.evaluate(
    (message) =>
      new Promise((resolve) => {
        window.addEventListener("message", (event) => {
          if (event.data?.id === message.id) resolve(event.data);
        });
        document.getElementById("playground").contentWindow.postMessage(message, "*");
      }),
    message,
  );
}

test("a host page drives the embedded playground through postMessage", async () => {
  const page = await openPage(session.browser, `${session.server.url}embed-example.html`);
  const frame = page.frameLocator("#playground");
  await frame.locator(".embed-bar").waitFor();
  assert.equal(await frame.locator(".side").count(), 0, "no side panels in embed mode");
  await frame.locator("canvas.cluster-canvas").waitFor();

  const log = page.locator("#log");
  // The frame says when its API is ready: the example's calls wait for it.
  await log.filter({ hasText: "event ready: null" }).waitFor({ timeout: 5000 });
  await page.click("#state");
  await assert.doesNotReject(log.filter({ hasText: /state at 1000 ms: leader \d/ }).waitFor({ timeout: 5000 }));

  await page.click("#seek");
  await log.filter({ hasText: "at 3 s" }).waitFor({ timeout: 5000 });
  await page.click("#state");
  await log.filter({ hasText: "state at 3000 ms" }).waitFor({ timeout: 5000 });
  const text = await log.textContent();
  assert.match(text, /event leader: \{"leader":\d,"term":\d+\}/, "leader events reach the host");

  // A bad argument comes back as an error with a message, and changes nothing.
  const before = await page.evaluate(async () => {
    const frameWindow = document.getElementById("playground").contentWindow;
    return frameWindow.raftPlayground.state().state_hash;
  });
  const answer = await askFrame(page, { raftPlayground: "seek", args: ["soon"], id: 999 });
  assert.equal(answer.raftPlayground, "error");
  assert.match(answer.message, /seek expects a time in milliseconds/);
  const afterHash = await page.evaluate(() => document.getElementById("playground").contentWindow.raftPlayground.state().state_hash);
  assert.equal(afterHash, before);

  // The mistakes a host page makes are named: args that are not an array, and asking for
  // events with "on" (they come anyway).
  const bare = await askFrame(page, { raftPlayground: "seek", args: 3000, id: 998 });
  assert.match(bare.message, /^args must be an array of seek's arguments/);
  const on = await askFrame(page, { raftPlayground: "on", args: ["leader"], id: 997 });
  assert.match(on.message, /a host page needs no "on": every event comes to it as a message/);

  // A fork inside the frame adds no entry to the history the host page shares.
  const entries = await page.evaluate(() => history.length);
  await askFrame(page, { raftPlayground: "seek", args: [500], id: 996 });
  await frame.locator("canvas.cluster-canvas").click({ position: { x: 5, y: 5 } });
  await page.keyboard.press("1");
  await page.keyboard.press("c");
  await page.waitForFunction(() => document.getElementById("playground").contentWindow.raftPlayground.state().nodes.some((n) => !n.up));
  await new Promise((done) => setTimeout(done, 1500));
  assert.equal(await page.evaluate(() => history.length), entries, "the host's Back still leaves the page");

  // What every object inherits is not a method of the API: a typo is refused, never called.
  for (const [id, method] of [[1001, "constructor"], [1002, "toString"], [1003, "hasOwnProperty"]]) {
    const refused = await askFrame(page, { raftPlayground: method, id });
    assert.equal(refused.raftPlayground, "error", `${method}: ${JSON.stringify(refused)}`);
    assert.equal(refused.message, `unknown method "${method}"`);
  }

  await screenshot(page, "embed-example");
  assert.deepEqual(page.errors, []);
});

test("embedded with the logs in a small frame, the cluster keeps half the height and its ring fits", async () => {
  const page = await openPlayground(session.browser, `${session.server.url}?embed&controls=play,step,speed,timeline,logs`, {
    viewport: { width: 600, height: 400 },
  });
  await page.locator(".log-panel").waitFor();
  const canvas = await page.locator("canvas.cluster-canvas").boundingBox();
  assert.ok(canvas.height >= 150, `the canvas is ${canvas.height} px high`);
  await screenshot(page, "embed-small-with-logs");
  assert.deepEqual(page.errors, [], "no console errors");
});

// A course page that embeds a broken link: the frame says why, as the full page does, and
// keeps showing a run.
test("an embed opened with a link cut short says so", async () => {
  const page = await openPlayground(session.browser, `${session.server.url}?embed#s=AXja-3BKkDWFgYmBhZGJsYiFCUg`);
  const notice = page.locator(".embed-bar .notice-text");
  await notice.waitFor({ timeout: 5000 });
  assert.match(await notice.textContent(), /could not be opened.*cut short/);
  await page.getByRole("button", { name: "Dismiss the message" }).click();
  await notice.waitFor({ state: "detached", timeout: 5000 });
  assert.ok(await page.evaluate(() => window.raftPlayground.state().nodes.length) > 0, "a run is shown");
  assert.deepEqual(page.errors, [], "no console errors");
});

// A course author's typo in `controls=` used to leave that control out without a word. The
// embed names what it does not know and what it has, and shows the controls it knows; with a
// bad run too, it says both.
test("an embed told controls it does not have names them, and shows the others", async () => {
  // Written as link builders do: spaces, capitals, a comma percent-encoded.
  const page = await openPlayground(session.browser, `${session.server.url}?embed&controls=Play,%20timline%2Clogs,zoom`);
  const notice = page.locator(".embed-bar .notice-text");
  await notice.waitFor({ timeout: 5000 });
  assert.equal(
    await notice.textContent(),
    'This embed\'s link asks for controls it does not have: "timline", "zoom". Its controls are play, step, speed, timeline and logs.',
  );
  assert.ok(await page.getByRole("button", { name: /^(Play|Pause)$/ }).isVisible(), "play shows");
  assert.ok(await page.locator(".log-panel").isVisible(), "the logs show");
  assert.equal(await page.locator(".timeline").count(), 0, "no timeline: it was not asked for by its name");
  assert.deepEqual(page.errors, [], "no console errors");

  const both = await openPlayground(session.browser, `${session.server.url}?embed&controls=play,tmeline#s=AXja-3BKkDWFgYmBhZGJsYiFCUg`);
  const text = await both.locator(".embed-bar .notice-text").textContent();
  assert.match(text, /could not be opened.*cut short.* This embed's link asks for controls it does not have: "tmeline"\./);
  assert.deepEqual(both.errors, [], "no console errors");
});

/** The leader-election lesson in a small embed (480×300 unless `viewport` says otherwise) with
 * its timeline, its card's caption shown. */
async function openSmallLessonEmbed(viewport = { width: 480, height: 300 }) {
  const url = `${session.server.url}?embed&controls=play,step,speed,timeline#lesson=leader-election`;
  const page = await openPlayground(session.browser, url, { viewport });
  const card = page.getByRole("region", { name: "Lesson" });
  await card.locator(".lesson-caption").waitFor({ timeout: 5000 });
  return { url, page, card };
}

// A lesson in a small embed: its card can take most of the frame, so it folds down to its
// title row and back, by mouse or keyboard, and stays folded for the rest of the session
// (a reload), not for good (a new session).
// Below 400 px the card stands above the ring, and folding it gives the ring the card's height.
test("in a small embed a lesson's card folds away and back, and stays folded for the session", async () => {
  const { url, page, card } = await openSmallLessonEmbed({ width: 380, height: 300 });
  // Its Open link opens the lesson at its step in the full page, not the bare run.
  await page.getByRole("button", { name: "Next step" }).click();
  await page.locator(".lesson-progress").filter({ hasText: /^step 2 of/ }).waitFor({ timeout: 5000 });
  const open = await page.getByRole("link", { name: "Open in Raft Playground" }).getAttribute("href");
  assert.equal(open, `${session.server.url}#lesson=leader-election&step=2`);
  const canvasHeight = async () => (await page.locator("canvas.cluster-canvas").boundingBox()).height;
  const unfolded = await canvasHeight();
  await screenshot(page, "embed-lesson-unfolded");

  const fold = card.getByRole("button", { name: "Fold the lesson card away" });
  assert.equal(await fold.getAttribute("aria-expanded"), "true");
  await fold.click();
  const unfold = card.getByRole("button", { name: "Show the lesson card" });
  await unfold.waitFor({ timeout: 5000 });
  assert.equal(await unfold.getAttribute("aria-expanded"), "false");
  assert.equal(await card.locator(".lesson-caption").isVisible(), false, "folded: no caption");
  assert.match(await card.locator(".lesson-header").innerText(), /Leader election\s*step \d+ of \d+/, "folded: the title and the step stay");
  const folded = await canvasHeight();
  await screenshot(page, "embed-lesson-folded");
  assert.ok(folded >= unfolded + 30, `folding gives the ring room: ${unfolded} → ${folded} px`);
  assert.equal(
    await page.evaluate(() => document.activeElement?.getAttribute("aria-label")),
    "Show the lesson card",
    "the focus stays on the toggle",
  );

  // The session remembers it: a reload opens the card folded.
  await page.reload();
  await page.waitForFunction(() => document.querySelector("canvas.cluster-canvas")?.width > 100);
  await unfold.waitFor({ timeout: 5000 });
  assert.equal(await card.locator(".lesson-caption").isVisible(), false, "still folded after a reload");
  // By keyboard: the toggle is a button, Enter unfolds it.
  await unfold.focus();
  await page.keyboard.press("Enter");
  await card.locator(".lesson-caption").waitFor({ state: "visible", timeout: 5000 });
  await fold.focus();
  await page.keyboard.press("Space");
  await unfold.waitFor({ timeout: 5000 });
  assert.deepEqual(page.errors, [], "no console errors");

  // A new session (another browser context) starts with the card unfolded.
  const fresh = await openPlayground(session.browser, url, { viewport: { width: 380, height: 300 } });
  await fresh.locator(".lesson-caption").waitFor({ timeout: 5000 });
  assert.equal(await fresh.evaluate(() => Object.keys(localStorage).filter((key) => /lesson/.test(key)).length), 0, "nothing kept for good");
  assert.deepEqual(fresh.errors, [], "no console errors");
});

// A 480×300 embed with a lesson and the timeline: the bar and the timeline each keep to one
// row, and the card is a column beside the ring. Stacked, the ring got 68 px of height and its
// bottom nodes were cut off.
test("a small embed gives the ring the stage's height beside the lesson's card", async () => {
  const { page, card } = await openSmallLessonEmbed();
  const rows = await page.evaluate(() => {
    const centre = (element) => {
      const box = element.getBoundingClientRect();
      return box.width > 0 ? Math.round(box.top + box.height / 2) : null;
    };
    const centres = (selector) => [...document.querySelectorAll(selector)].map(centre).filter((at) => at !== null);
    return { bar: centres(".embed-bar > :not(.visually-hidden)"), timeline: centres(".timeline > *") };
  });
  for (const [name, centres] of Object.entries(rows)) {
    assert.ok(centres.length >= 3 && Math.max(...centres) - Math.min(...centres) <= 4, `the ${name} is one row: ${centres}`);
  }
  const open = page.getByRole("link", { name: "Open in Raft Playground" });
  assert.equal(await open.innerText(), "Open ↗", "the link says little and keeps its whole name");
  assert.equal(await page.locator(".embed-bar .clock").isVisible(), false, "the timeline's clock stands in for the bar's");
  const canvas = await page.locator("canvas.cluster-canvas").boundingBox();
  const beside = await card.boundingBox();
  const timeline = await page.locator(".timeline").boundingBox();
  assert.ok(canvas.x >= beside.x + beside.width, `the ring is beside the card: ${JSON.stringify({ canvas, beside })}`);
  assert.ok(canvas.height >= 180 && canvas.y + canvas.height <= timeline.y + 1, `the ring has the stage's height: ${JSON.stringify({ canvas, timeline })}`);
  await screenshot(page, "embed-lesson-beside");
  assert.deepEqual(page.errors, [], "no console errors");

  // Without a timeline the bar keeps its own clock; in a wide frame the link says it all.
  const wide = await openPlayground(session.browser, `${session.server.url}?embed&controls=play,step,speed`, { viewport: { width: 800, height: 450 } });
  assert.ok(await wide.locator(".embed-bar .clock").isVisible(), "the bar's clock shows");
  assert.equal(await wide.getByRole("link", { name: "Open in Raft Playground" }).innerText(), "Open in Raft Playground ↗");
  assert.deepEqual(wide.errors, [], "no console errors");

  // Down to 320 px the bar and the timeline keep to a row each (the timeline's step buttons
  // are their arrows, the link too at 320), and the frame does not scroll.
  for (const viewport of [{ width: 360, height: 300 }, { width: 320, height: 240 }]) {
    const narrow = await openPlayground(session.browser, `${session.server.url}?embed&controls=play,step,speed,timeline,logs`, { viewport });
    await narrow.locator(".timeline").waitFor({ timeout: 5000 });
    const seen = await narrow.evaluate(() => {
      // One row: the controls' centres lie within a few pixels of each other.
      const oneRow = (selector) => {
        const centres = [...document.querySelectorAll(selector)]
          .map((element) => element.getBoundingClientRect())
          .filter((box) => box.width > 0)
          .map((box) => box.top + box.height / 2);
        return Math.max(...centres) - Math.min(...centres) <= 4;
      };
      return { bar: oneRow(".embed-bar > :not(.visually-hidden)"), timeline: oneRow(".timeline > *"), page: document.scrollingElement.scrollHeight, frame: innerHeight };
    });
    assert.deepEqual(seen, { bar: true, timeline: true, page: viewport.height, frame: viewport.height }, `${viewport.width}×${viewport.height}`);
    assert.ok(await narrow.getByRole("button", { name: "Forward 100 ms" }).isVisible(), "the step buttons keep their names");
    assert.ok(await narrow.getByRole("link", { name: "Open in Raft Playground" }).isVisible());
    assert.deepEqual(narrow.errors, [], "no console errors");
    await narrow.close();
  }

  // The timeline's markers stay on the scrubber: as buttons they took the small screens'
  // button height and hung out of the frame, which then scrolled.
  for (const viewport of [{ width: 480, height: 320 }, { width: 640, height: 400 }]) {
    const marked = await openPlayground(session.browser, `${session.server.url}?embed&controls=play,step,speed,timeline#lesson=commit-rule-figure-8&step=3`, { viewport });
    await marked.locator(".marker").first().waitFor({ timeout: 5000 });
    const fit = await marked.evaluate(() => ({
      page: document.scrollingElement.scrollHeight,
      frame: innerHeight,
      markers: [...document.querySelectorAll(".marker")].map((marker) => marker.getBoundingClientRect().height),
    }));
    assert.ok(fit.page <= fit.frame && fit.markers.every((height) => height <= 16), `${viewport.width}×${viewport.height}: ${JSON.stringify(fit)}`);
    assert.deepEqual(marked.errors, [], "no console errors");
    await marked.close();
  }
});

// A small embed with its timeline leaves the stage about 200 px. Below 400 px the card stands
// above the ring, where its half of the stage held the title row and a line of caption, and
// Back and Next scrolled out of sight below: there they sit in the title row, beside fold and
// close. From 400 px the card is a column beside the ring, Back and Next under its caption.
// On a desktop too they stay below the caption.
test("in a small embed an unfolded lesson card keeps Back and Next in view", async () => {
  for (const viewport of [{ width: 380, height: 300 }, { width: 480, height: 300 }]) {
    const { page, card } = await openSmallLessonEmbed(viewport);
    const inView = (name) =>
      card.getByRole("button", { name }).evaluate((button) => {
        const box = button.getBoundingClientRect();
        const frame = button.closest(".lesson-card").getBoundingClientRect();
        const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
        return box.top >= frame.top && box.bottom <= frame.bottom && box.right <= frame.right && box.bottom <= innerHeight && button.contains(hit);
      });
    for (let step = 1; step <= 3; step += 1) {
      await page.waitForFunction((step) => document.querySelector(".lesson-progress")?.textContent.startsWith(`step ${step} `), step);
      for (const name of ["Previous step", "Next step", "Fold the lesson card away", "Close the lesson"]) {
        assert.ok(await inView(name), `${viewport.width} px, step ${step}: "${name}" is in view`);
      }
      assert.ok(await card.locator(".lesson-caption").isVisible(), `${viewport.width} px, step ${step}: the caption shows`);
      if (step === 1) await screenshot(page, `embed-lesson-buttons-${viewport.width}`);
      await card.getByRole("button", { name: "Next step" }).click();
    }
    assert.deepEqual(page.errors, [], "no console errors");
    await page.close();
  }

  const desktop = await openPlayground(session.browser, `${session.server.url}#lesson=leader-election`, { viewport: { width: 1366, height: 768 } });
  const desktopCard = desktop.getByRole("region", { name: "Lesson" });
  await desktopCard.locator(".lesson-caption").waitFor({ timeout: 5000 });
  const caption = await desktopCard.locator(".lesson-caption").boundingBox();
  const next = await desktopCard.getByRole("button", { name: "Next step" }).boundingBox();
  assert.ok(next.y >= caption.y + caption.height, `on a desktop Next stays below the caption: ${JSON.stringify({ caption, next })}`);
  assert.deepEqual(desktop.errors, [], "no console errors");
});
