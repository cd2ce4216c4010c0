// The live reporter's cost (testloop/reporter/vitest): the 500-test-file suite of bench/ci.js run with vitest's
// default reporter alone and with testloop's beside it, alternately, in one run. Target: under 2% of the
// suite's wall time. Alone: `npm run build && node bench/reporter.js [--reporter-runs=N]`.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureProject, PARAMS } from './ci.js';

const TARGET_OVERHEAD = 0.02;

// GNU time reports the CPU time of the whole process tree (vitest and its workers), which a loaded machine
// inflates far less than the wall time.
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const CPU_LINE = /^testloop-cpu ([\d.]+) ([\d.]+)$/m;

function suite(dir, reporter) {
  const args = [join(dir, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=default'];
  if (reporter) args.push(`--reporter=${reporter}`);
  const [program, argv] = TIME
    ? [TIME, ['-f', 'testloop-cpu %U %S', process.execPath, ...args]]
    : [process.execPath, args];
  const started = performance.now();
  const result = spawnSync(program, argv, {
    cwd: dir,
    env: { ...process.env, CI: 'true' },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const ms = performance.now() - started;
  // One test of the change fails on purpose (bench/ci.js): exit 1 is the suite's own result.
  if (result.status !== 1) throw new Error(`vitest exited ${result.status}:\n${result.stderr.slice(-2000)}`);
  const cpu = CPU_LINE.exec(result.stderr);
  return {
    ms,
    cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : undefined,
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
    plain.push(suite(dir, undefined));
    const run = suite(dir, reporter);
    withReporter.push(run);
    lines = run.lines;
  }
  const wall = (list) => median(list.map((run) => run.ms));
  const overhead = wall(withReporter) / wall(plain) - 1;
  const cpu = (list) =>
    list.every((run) => run.cpuMs !== undefined) ? median(list.map((run) => run.cpuMs)) : undefined;
  const cpuPlain = cpu(plain);
  const cpuWith = cpu(withReporter);
  console.log('');
  console.log(
    `reporter: vitest on ${PARAMS.modules} test files (one failing), medians of ${runs} alternating runs`,
  );
  const cpuText = (value) =>
    value === undefined ? '' : `, CPU ${value.toFixed(0)} ms (user + system, process tree)`;
  console.log(
    `vitest, default reporter:                   ${wall(plain).toFixed(0).padStart(7)} ms${cpuText(cpuPlain)}`,
  );
  console.log(
    `vitest, default + testloop/reporter/vitest: ${wall(withReporter).toFixed(0).padStart(7)} ms${cpuText(cpuWith)}`,
  );
  if (cpuPlain !== undefined && cpuWith !== undefined)
    console.log(
      `CPU overhead ${((cpuWith / cpuPlain - 1) * 100).toFixed(1)}% (load average ${loadavg()[0].toFixed(1)}: on a loaded machine the wall time varies more than the overhead)`,
    );
  console.log(
    `overhead ${(overhead * 100).toFixed(1)}% (target < ${TARGET_OVERHEAD * 100}%: ${overhead < TARGET_OVERHEAD ? 'PASS' : 'MISS'}); the failure's line: ${lines[0] ?? '(none)'}`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`)
  await main({
    flags: Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('='))),
  });
