// `npm run bench`: the page's benchmarks on this machine, printed as one line (see
// bench-lib.mjs for what each figure measures). Needs the page built into target/dist;
// scripts/bench builds it first. BENCH_SPEED=10 measures frames at another speed,
// BENCH_VIEW=spacetime in the space-time diagram instead of the ring, and BENCH_SCENARIO (scenario
// JSON) in another run than the budget's (bench-lib.mjs's BENCH_SCENARIO).

import { startSession } from "./playground.mjs";
import { BUDGETS, benchLine, firstFrameMedian, frameBench, pageWeight } from "./bench-lib.mjs";

const session = await startSession();
try {
  const weight = await pageWeight();
  const first = await firstFrameMedian(session.browser, session.server.url, 3);
  const frames = await frameBench(session.browser, session.server.url, {
    speed: Number(process.env.BENCH_SPEED ?? 1),
    view: process.env.BENCH_VIEW ?? "ring",
    scenario: process.env.BENCH_SCENARIO ? JSON.parse(process.env.BENCH_SCENARIO) : undefined,
  });
  for (const [name, size] of Object.entries(weight.files)) {
    console.log(`# ${name}: ${size.raw} bytes, ${size.gzip} gzipped`);
  }
  console.log(`# first frame in ${first.all.map((ms) => ms.toFixed(0)).join(", ")} ms (median of ${first.all.length} loads)`);
  console.log(`# ${frames.count} frames at ${frames.fps.toFixed(0)} fps over ${frames.virtual_ms} ms of virtual time`);
  const errors = [...first.errors, ...frames.errors];
  if (errors.length) console.log(`# console errors: ${JSON.stringify(errors)}`);
  console.log(benchLine({ frames, weight, first }));
  const over = [];
  if (frames.p95_ms >= BUDGETS.frame_p95_ms) over.push(`frame p95 ${frames.p95_ms.toFixed(2)} ms >= ${BUDGETS.frame_p95_ms} ms`);
  if (weight.gzip_kb >= BUDGETS.page_weight_gzip_kb) over.push(`page weight ${weight.gzip_kb.toFixed(1)} KB >= ${BUDGETS.page_weight_gzip_kb} KB`);
  if (first.ms >= BUDGETS.first_frame_ms) over.push(`first frame ${first.ms.toFixed(0)} ms >= ${BUDGETS.first_frame_ms} ms`);
  console.log(over.length ? `# over budget: ${over.join("; ")}` : "# every budget holds");
} finally {
  await session.close();
}
