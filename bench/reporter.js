// The live reporter's cost (testloop/reporter/vitest): the 500-test-file suite of bench/ci.js run with vitest's
// default reporter alone and with testloop's beside it, alternately, in one run. Target: under 2% of the
// suite's wall time. Alone: `npm run build && node bench/reporter.js [--reporter-runs=N]`.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureProject, PARAMS } from './ci.js';

const TARGET_OVERHEAD = 0.02;

function suite(dir, reporter) {
  const args = [join(dir, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=default'];
  if (reporter) args.push(`--reporter=${reporter}`);
  const started = performance.now();
  const result = spawnSync(process.execPath, args, {
    cwd: dir,
    env: { ...process.env, CI: 'true' },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const ms = performance.now() - started;
  // One test of the change fails on purpose (bench/ci.js): exit 1 is the suite's own result.
  if (result.status !== 1) throw new Error(`vitest exited ${result.status}:\n${result.stderr.slice(-2000)}`);
  return {
    ms,
    lines: `${result.stdout}\n${result.stderr}`.split('\n').filter((l) => l.startsWith('testloop: ')),
  };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length % 2
    ? sorted[sorted.length >> 1]
    : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
};

export async function main({ flags = {}, log = (m) => process.stderr.write(`bench: ${m}\n`) } = {}) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const dir = fileURLToPath(new URL(`./.work/ci-v${PARAMS.version}/`, import.meta.url)).replace(/\/$/, '');
  ensureProject(dir, join(root, 'node_modules'), log);
  rmSync(join(dir, '.testloop'), { recursive: true, force: true });
  const reporter = join(root, 'dist/reporter/vitest.js');
  const runs = Math.max(3, Number(flags['reporter-runs'] ?? 3));
  log('reporter: warm-up …');
  suite(dir, undefined);
  const plain = [];
  const withReporter = [];
  let lines = [];
  for (let i = 0; i < runs; i++) {
    log(`reporter: run ${i + 1}/${runs} …`);
    plain.push(suite(dir, undefined).ms);
    const run = suite(dir, reporter);
    withReporter.push(run.ms);
    lines = run.lines;
  }
  const overhead = median(withReporter) / median(plain) - 1;
  console.log('');
  console.log(
    `reporter: vitest on ${PARAMS.modules} test files (one failing), medians of ${runs} alternating runs`,
  );
  console.log(`vitest, default reporter:                 ${median(plain).toFixed(0).padStart(7)} ms`);
  console.log(
    `vitest, default + testloop/reporter/vitest: ${median(withReporter).toFixed(0).padStart(5)} ms`,
  );
  console.log(
    `overhead ${(overhead * 100).toFixed(1)}% (target < ${TARGET_OVERHEAD * 100}%: ${overhead < TARGET_OVERHEAD ? 'PASS' : 'MISS'}); the failure's line: ${lines[0] ?? '(none)'}`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`)
  await main({
    flags: Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('='))),
  });
