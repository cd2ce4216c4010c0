// Observed failure rates of the flaky-kinds fixture (test/fixtures/triage/flaky-kinds), per kind, runner
// and stress condition, with the real vitest and jest: `node bench/flaky-kinds.js [--runs=20]
// [--runner=vitest|jest] [--condition=<id>,…] [--kind=<kind>,…] [--variant=original|correct|partial]`.
// Not part of `npm run bench`: it only reports rates (a table on stdout), it checks nothing.
// The conditions are those of test/triage/flaky-conditions.ts, bundled here with esbuild.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { flagsOf } from './common.js';

const flags = flagsOf(process.argv.slice(2));
const runs = Number(flags.runs ?? 20);
const helper = fileURLToPath(new URL('../test/triage/flaky-conditions.ts', import.meta.url));

const out = mkdtempSync(join(tmpdir(), 'testloop-bench-flaky-'));
await build({
  entryPoints: [helper],
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile: join(out, 'conditions.mjs'),
  // The helper finds the fixture and node_modules from its own location.
  define: { 'import.meta.url': JSON.stringify(pathToFileURL(helper).href) },
  logLevel: 'error',
});
const conditions = await import(pathToFileURL(join(out, 'conditions.mjs')).href);
rmSync(out, { recursive: true, force: true });

const { CONDITIONS, RUNNERS, Scratch, readManifest, sampleCondition } = conditions;
const manifest = readManifest();
const kinds = manifest.kinds.filter((entry) => !flags.kind || flags.kind.split(',').includes(entry.kind));
const variant = flags.variant ?? 'original';
const samples = kinds.map((entry) => ({ entry, variant }));

const width = Math.max(...kinds.map((k) => k.kind.length));
console.log(
  `flaky-kinds (${variant}), ${runs} runs per kind, runner and condition; * = the manifest's condition`,
);
console.log(`${'kind'.padEnd(width)}  runner  condition  runs  fail   rate  seconds`);
// Rows are printed as each condition ends, so that a long run that is stopped still reports.
const scratch = new Scratch();
try {
  for (const runner of RUNNERS.filter((r) => !flags.runner || r === flags.runner)) {
    for (const condition of CONDITIONS.filter(
      (c) => !flags.condition || flags.condition.split(',').includes(c),
    )) {
      const started = performance.now();
      const tallies = await sampleCondition(scratch, runner, condition, samples, runs);
      const seconds = (performance.now() - started) / 1000;
      process.stderr.write(`${runner} ${condition}: ${seconds.toFixed(1)} s\n`);
      for (const entry of kinds) {
        const tally = tallies.get(`${entry.kind}/${variant}`);
        const mark = condition === entry.condition ? '*' : ' ';
        console.log(
          `${entry.kind.padEnd(width)}  ${runner.padEnd(6)}  ${(condition + mark).padEnd(9)}  ${String(tally.runs).padStart(4)}  ${String(tally.failures).padStart(4)}  ${(tally.failures / tally.runs).toFixed(2).padStart(5)}  ${tally.seconds.toFixed(1).padStart(7)}`,
        );
      }
    }
  }
} finally {
  scratch.remove();
}
