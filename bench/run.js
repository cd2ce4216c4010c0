// `npm run bench`: builds dist/ first (see package.json), then times testloop against its anchors.
// Flags: --runs=N (testloop, default 7), --anchor-runs=N (diff-cover, default 3), --fresh (regenerate inputs),
// --only=select,gaps (a comma list of select, triage, generate, ci, mcp, lsp, reporter, gaps; all by default).
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ensureRepository, measure, PARAMS } from './gaps.js';

const TARGET_SPEEDUP = 10;
const TARGET_MS = 200;
/** testloop gaps at most this many times Node's start plus git's diff of the same change. */
const TARGET_OVER_FLOOR = 1.5;

const root = fileURLToPath(new URL('..', import.meta.url));
const work = fileURLToPath(new URL('./.work/', import.meta.url));
const flags = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, '').split('=');
    return [key, value ?? 'true'];
  }),
);
const runs = Math.max(5, Number(flags.runs ?? process.env.BENCH_RUNS ?? 7));
const anchorRuns = Math.max(3, Number(flags['anchor-runs'] ?? process.env.BENCH_ANCHOR_RUNS ?? 3));
const log = (message) => process.stderr.write(`bench: ${message}\n`);

if (flags.fresh === 'true') rmSync(work, { recursive: true, force: true });
// --only=select,gaps runs just those (select, triage, generate, ci, mcp, lsp, reporter, gaps); all of them by default.
const only = flags.only === undefined ? undefined : new Set(flags.only.split(','));
const wanted = (name) => only === undefined || only.has(name);
if (wanted('select')) await (await import('./select.js')).main({ flags, log }); // testloop select vs jest/vitest first: see README
if (wanted('triage')) await (await import('./triage.js')).main({ flags, log }); // ingest + triage: simulation accuracy and ~1 GB scale, see README
if (wanted('generate')) await (await import('./generate.js')).main({ flags, log }); // generate at --concurrency 1 and 4 vs a local model, see README
if (wanted('ci')) await (await import('./ci.js')).main({ flags, log }); // testloop ci vs the full suite on 500 test files, see README
if (wanted('mcp')) await (await import('./mcp.js')).main({ flags, log }); // testloop mcp: tools/list from spawn, select_tests vs the warm CLI
if (wanted('lsp')) await (await import('./lsp.js')).main({ flags, log }); // testloop lsp: start-up to first diagnostics, and a warm save
if (wanted('reporter')) await (await import('./reporter.js')).main({ flags, log }); // the live reporter's cost on the 500-file suite
if (!wanted('gaps')) process.exit(process.exitCode ?? 0);
const repo = ensureRepository(work, PARAMS, log);
const result = measure({
  dir: repo.dir,
  bin: `${root}bin/testloop.js`,
  runs,
  anchorRuns,
  diffCover: process.env.DIFF_COVER ?? 'diff-cover',
  log,
});

const ms = (value) => `${value.toFixed(0).padStart(7)} ms`;
const int = (value) => value.toLocaleString('en-US');
const row = (cells) => `| ${cells[0].padEnd(30)} | ${cells[1].padStart(4)} | ${cells.slice(2).join(' | ')} |`;

console.log('');
console.log(
  `gaps: ${int(PARAMS.files)} files, ${int(repo.changedFiles ?? PARAMS.changedFiles)} changed, lcov ${(repo.lcovBytes / 1048576).toFixed(1)} MiB` +
    ` (${repo.cached ? 'cached inputs' : `generated in ${(repo.generatedMs / 1000).toFixed(1)} s`}: ${repo.key})`,
);
console.log(
  `diff: ${int(result.totals.changedLines)} changed lines, ${int(result.totals.coverableLines)} coverable, ${int(result.totals.uncoveredLines)} uncovered`,
);
console.log('');
console.log(row(['tool', 'runs', ' median   ', '   min     ', '   max     ']));
console.log(row(['-'.repeat(30), '----', '----------', '----------', '----------']));
const line = (name, timing) =>
  console.log(
    row([
      name,
      String(timing.runs.length),
      ms(timing.median),
      ms(Math.min(...timing.runs)),
      ms(Math.max(...timing.runs)),
    ]),
  );
line('testloop gaps (CLI, wall)', result.testloop);
if (result.anchor) line(result.anchor.name, result.anchor);
console.log('');
if (result.testloop.internalMs !== undefined)
  console.log(
    `testloop's own stats.ms (inside the process, after startup): ${result.testloop.internalMs} ms`,
  );

// The floor: a process that has only started, and git's own diff from the merge base to the working tree,
// sampled after each testloop run (see measure).
const { floor } = result;
const overFloor = result.testloop.median / floor.total;
console.log(
  `floor (sampled after each testloop run): node -e 0 ${floor.node.toFixed(0)} ms + git diff ${floor.git.toFixed(0)} ms = ${floor.total.toFixed(0)} ms;` +
    ` testloop gaps / floor = ${overFloor.toFixed(2)}x (target ≤ ${TARGET_OVER_FLOOR}x: ${overFloor <= TARGET_OVER_FLOOR ? 'PASS' : 'MISS'})`,
);
const underTarget = result.testloop.median < TARGET_MS;
if (!result.anchor) {
  console.log(
    `diff-cover not found: no comparison. testloop < ${TARGET_MS} ms: ${underTarget ? 'PASS' : 'MISS'}`,
  );
  process.exit(0);
}
const speedup = result.anchor.median / result.testloop.median;
console.log(
  `speed-up: ${speedup.toFixed(1)}x  (target ≥ ${TARGET_SPEEDUP}x: ${speedup >= TARGET_SPEEDUP ? 'PASS' : 'MISS'};` +
    ` testloop < ${TARGET_MS} ms: ${underTarget ? 'PASS' : 'MISS'})`,
);
if (result.disagreements.length > 0) {
  console.log(
    `\nDISAGREE: testloop and ${result.anchor.name} differ in ${result.disagreements.length} place(s):`,
  );
  for (const problem of result.disagreements.slice(0, 20)) console.log(`  ${problem}`);
  process.exit(1);
}
console.log(
  `agree: both report ${int(result.anchorTotals.coverableLines)} coverable and ${int(result.anchorTotals.uncoveredLines)} uncovered changed lines, file by file`,
);
