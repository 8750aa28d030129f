// The page's weight (issue 5's budget: 250 KB gzipped), asserted as a ceiling that catches
// growth. Its time budgets (a frame under 4 ms at the 95th percentile with 9 nodes and about
// 300 messages in flight; the first frame within 1 s of load) are figures, not tests: a timed
// test fails on a busy machine with a correct program. `scripts/bench` measures and prints them
// with this weight, and says which budget does not hold.

import { test } from "node:test";
import assert from "node:assert/strict";
import { BUDGETS, pageWeight } from "./bench-lib.mjs";

// The page does not meet its 250 KB budget (issue 5 stays open on it; README, "Page weight",
// says why): until it does, this is a ceiling that catches growth, and the figure against the
// budget is reported. Raised on purpose only, with the reason. History: 432 → 440 for
// duplicates drawn, a crowded ring's captions, one-way cut marks and drag-to-group partitions;
// 440 → 385 when the page went from 436.9 to 379.9 KB (lessons shipped resolved, no float
// parser, no Unicode case tables, minified CSS); 385 → 388 for replays a slice per frame
// (links, forward seeks) with their progress, the canvas's zoom on large screens and links
// refused when characters were added (382.6 → 384.9 KB); 388 → 391 for the safety checker
// forgetting positions below every snapshot (BTreeMap::split_off, 2.1 KB), number fields that
// keep what is typed while the run plays (a component, 1.5 KB), notices in embeds and 44 px
// touch targets (384.9 → 388.8 KB); 391 → 389 when links came to name moments inside a
// millisecond (version 2 links, 1.7 KB) and the view took sine, cosine, exp and log from the
// browser instead of Rust's libm (−3.8 KB): 390.8 → 387.0 KB; 389 → 390 for the
// linearizability checker's two rules that decide busy histories (reads taken greedily,
// unseen writes placed just before the write that hides them): 387.0 → 388.6 KB; 390 → 392
// for its third, which drops an order as soon as it loses a value for good (1.1 KB, and with
// it the checker first decided every swarm seed), and for dropping compare-and-sets that can
// no longer take effect and remembering explored orders as runs, which took a history of
// 100,000 operations from 1.7 GB to 130 MB (0.7 KB): 389.4 → 391.2 KB; 392 → 394 for
// refusing actions that could do nothing, with the reason in a tooltip and a notice
// (ui/affordance.rs), form values checked against their bounds in one message, message copies
// listed and a seek past a violation answered with an error: 391.6 → 393.1 KB; 394 → 396 for
// the checkers' fixes (committed logs compared at every index, a run restored from a backup
// checked from the backup), reduced-motion arrows and Metrics' note on a full history:
// 393.1 → 394.2 KB; 396 → 399 for slow links drawn on the ring, Snapshot refused when it can
// do nothing, tabs moved by arrows, lesson links through the script API, and the checkers'
// crash and backup fixes (a term lost unwritten, a copy by snapshot compared): 394.2 → 397.7 KB;
// 399 → 401 for a removed leader's hand-off by TimeoutNow (and the inspector's words for it),
// its transfer when no voter is caught up, the snapshot_without_sessions switch, and the page's
// fixes (link menus without the From node, labels of at least 11 px, a notice over the stage, a
// folding lesson card, a bug chip that ellipsizes): 397.7 → 400.6 KB; 401 → 376 when a size
// pass moved one-type B-trees and sorts onto the map and sort types the page already carries,
// wrote the static Help panel as HTML text and made stateless components functions (−27 KB),
// with the bug switches' strip under the canvas and captions that avoid each other (+1 KB):
// 400.6 → 374.6 KB; 376 → 378 for group badges placed clear of arcs, captions and each other,
// small embeds' one-row bar and timeline and their card beside the ring, the accessibility
// fixes axe-core found, a phone's tap scrolling to the inspector, the backup_on_append switch,
// the Clients tab's Take a backup (0.8 KB), an embed naming the controls it does not have
// (0.3 KB) and lesson links saying when their step is wrong (0.3 KB): 374.6 → 377.1 KB;
// 378 → 381 for a run that stops where it can go no further and says why (0.4 KB), network
// changes that would change nothing refused and greyed out (0.7 KB, after a rewrite that
// dropped a sort of its own: 2.7 KB at first), refusals in the page's words (0.5 KB, with the
// embed's controls read as link builders write them), lesson links read in any order (0.2 KB),
// messages over a cut link shown as doomed (0.2 KB), the inspector's newest log entries
// (0.5 KB), the backup status saying whether copies match (0.2 KB), partitions keeping their
// groups' letters (0.2 KB), and small fixes (markers' times, speed labels, tooltips, narrow
// embeds' one-row bar and timeline, the seed field): 377.1 → 380.9 KB; 381 kept when the JS
// glue, minified by terser (−2 KB), paid for listeners that may call the API, files read as
// bytes to refuse what is not UTF-8 (0.3 KB), percent-escaped links (0.25 KB), forks in the
// browser's history, a lesson's "Back to step N", and words in Metrics and the inspector:
// 380.9 → 380.3 KB; 381 → 382 for what two reviews of the page found: a partition editor that
// forgets a choice the network changed under, failed and unknown operations kept in the
// history with what they mean, host pages told when the frame is ready and what they got
// wrong (args not an array, "on"), an embed's Open keeping its lesson and its own words after
// a violation, and blocked links not drawn slow: 380.3 → 381.5 KB; 382 → 373 when the build's
// post-build hook gave the wasm's imports short names in the module and its glue and dropped
// its custom sections (−9 KB), and a size pass shared the script API's closure type, made the
// inspector's empty view a function, wrote JSON strings without serde_json's writer and
// dropped a Debug only a panic used (−1.2 KB), against every message kind drawn in its own
// shape, the Clients history naming the nodes asked and answering, and the inspector's warning
// before a transfer that will give up (+0.8 KB): 381.5 → 372.1 KB; 373 → 374 for the simulator
// finding servers by index and boxing messages in flight (−1.4 KB), against what a keyboard and
// screen-reader audit asked for (the focus kept when a control greys out 0.4 KB, the ring's
// summary in a live region 0.2 KB, named forms and clock, Shift letters, Escape on the menu),
// copy buttons that say whether they copied (1.1 KB), and forwarded reads that cannot lock a
// follower out or wait for good (0.4 KB): 372.1 → 373.3 KB; 374 → 375 for what a time-travel
// audit fixed (a link acted on at its moment forks and says what it discards, a Config change
// is a history entry, violations told per run, a run too long for a link says so) and the log
// panel's compacted label: 373.3 → 373.7 KB.
const PAGE_WEIGHT_CEILING_KB = 375;

test("the page's weight does not grow (budget: 250 KB gzipped)", async (t) => {
  const weight = await pageWeight();
  for (const [name, size] of Object.entries(weight.files)) t.diagnostic(`${name}: ${size.raw} bytes, ${size.gzip} gzipped`);
  const verdict = weight.gzip_kb < BUDGETS.page_weight_gzip_kb ? "within" : "OVER";
  t.diagnostic(`page weight ${weight.gzip_kb.toFixed(1)} KB gzipped: ${verdict} the ${BUDGETS.page_weight_gzip_kb} KB budget`);
  assert.ok(
    weight.gzip_kb < PAGE_WEIGHT_CEILING_KB,
    `page weight ${weight.gzip_kb.toFixed(1)} KB gzipped grew past ${PAGE_WEIGHT_CEILING_KB} KB: ${JSON.stringify(weight.files)}`,
  );
});
