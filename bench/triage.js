// `testloop ingest` + `triage`: accuracy on a seeded simulation, and time/memory on ~1 GB of JUnit XML.
// Alone: `node scripts/build.js && node bench/triage.js [--fresh] [--scale-mb=N] [--no-scale]`. See README.
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seeded } from './common.js';
import { generateHistory, HISTORY } from './triage-history.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = fileURLToPath(new URL('./.work/', import.meta.url));
export const PARAMS = { version: 1, files: 10, fileMb: 100, seed: 20260101 };
const TARGET_S = 20;

// ---- 1. simulation (a compact port of test/triage/simulate.ts) ----
const FLAKES = [
  ['timeout', 'Error: Test timed out in 5000ms.\n ❯ test/api.test.ts:42:3'],
  [
    'network',
    'Error: connect ECONNREFUSED 127.0.0.1:6379\n    at TCPConnectWrap.afterConnect (node:net:1607:16)',
  ],
  ['concurrency', 'SqliteError: database is locked\n    at createUser (src/db/users.ts:18:6)'],
  ['order-dependency', 'AssertionError: expected "spy" to be called 1 times, but got 2 times'],
  ['randomness', 'Error: Property failed after 23 tests\n{ seed: 42, path: "3" }'],
  ['unordered-collection', "AssertionError: expected [ 'b', 'a' ] to deeply equal [ 'a', 'b' ]"],
];
const REGRESSION = "AssertionError: expected 'total: 41' to be 'total: 42' // Object.is equality";
const OUTAGE = 'Error: connect ECONNREFUSED 10.1.0.7:5432\n    at Pool.connect (src/db/pool.ts:12:9)';

export function simulate({ seed = PARAMS.seed, runs: runCount = 240, files = 40, perFile = 8 } = {}) {
  const rand = seeded(seed);
  const tests = [];
  for (let f = 0; f < files; f++)
    for (let i = 0; i < perFile; i++) {
      const file = `test/f${String(f).padStart(2, '0')}.test.ts`;
      const suite = [`group ${f}`];
      tests.push({ file, suite, name: `case ${i}`, kind: 'stable', rate: 0, message: '' });
      tests.at(-1).durationMs = 20 + Math.round(rand() * 400);
    }
  const order = tests.map((_, i) => i).sort(() => rand() - 0.5);
  const pick = () => tests[order.pop()];
  const flaky = (rate) =>
    Object.assign(pick(), { kind: 'flaky', rate, message: FLAKES[Math.floor(rand() * 6)][1] });
  for (let i = 0; i < 24; i++) flaky(0.002 + rand() * 0.008); // rare: < 1% of runs
  for (let i = 0; i < 10; i++) flaky(0.05 + rand() * 0.15);
  for (let c = 0; c < 2; c++)
    for (let i = 0; i < 3; i++)
      Object.assign(pick(), {
        kind: 'cluster',
        cluster: c,
        message: `Error: connect ECONNREFUSED 127.0.0.1:${6380 + c}`,
      });
  const starts = [100, 150, 180, 205, 225, 160, 160, 160];
  for (const brokenFrom of starts)
    Object.assign(pick(), { kind: 'regression', brokenFrom, message: REGRESSION });
  const outages = [30, 31, 77, 140, 190, runCount - 1];
  const runs = [];
  let commit = 0;
  for (let r = 0; r < runCount; r++) {
    if (r === 0 || starts.includes(r) || rand() < 0.65) commit++;
    runs.push({
      index: r,
      runId: String(1000 + r),
      commit: `${commit.toString(16).padStart(8, '0')}${'f'.repeat(32)}`,
      startedAt: new Date(Date.UTC(2026, 0, 1) + r * 3_600_000).toISOString(),
      retries: rand() < 0.5,
      outage: outages.includes(r),
      attempts: [],
    });
  }
  const timeline = new Map();
  for (const run of runs) {
    const event = [rand() < 0.06, rand() < 0.06];
    for (const t of tests) {
      const id = `${t.file} › ${t.suite[0]} › ${t.name}`;
      let fails = () => false;
      let message = t.message;
      if (run.outage && rand() < 0.85) {
        fails = (retry) => retry === 0 || rand() < 0.85;
        message = OUTAGE;
      } else if (t.kind === 'regression' && run.index >= t.brokenFrom) fails = () => true;
      else if (t.kind === 'flaky') fails = () => rand() < t.rate;
      else if (t.kind === 'cluster') fails = (retry) => (retry === 0 ? event[t.cluster] : rand() < 0.3);
      for (let retry = 0; ; retry++) {
        const failed = fails(retry);
        run.attempts.push({
          ...t,
          testId: id,
          retry,
          status: failed ? 'failed' : 'passed',
          message: failed ? message : undefined,
        });
        if (!run.outage)
          timeline.set(id, [...(timeline.get(id) ?? []), { commit: run.commit, passed: !failed }]);
        if (!failed || !run.retries || retry >= 1) break;
      }
    }
  }
  const flipped = new Set();
  for (const t of tests) {
    const id = `${t.file} › ${t.suite[0]} › ${t.name}`;
    const list = timeline.get(id) ?? [];
    const first = list.findIndex((o) => !o.passed);
    if (t.kind === 'regression' || first === -1) continue;
    const sameCommit = list.some((o) => !o.passed && list.some((p) => p.passed && p.commit === o.commit));
    if (list.slice(first + 1).some((o) => o.passed) || sameCommit) flipped.add(id);
  }
  for (const t of tests) t.testId = `${t.file} › ${t.suite[0]} › ${t.name}`;
  return { tests, runs, flipped, outages };
}

const esc = (s) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const sec = (ms) => (ms / 1000).toFixed(3);

/** vitest (testsuite per file, "suite > name") or jest-junit (file attribute, flakyFailure/rerunFailure). */
export function writeJUnit(attempts, dialect) {
  const byTest = new Map();
  for (const a of attempts) byTest.set(a.testId, [...(byTest.get(a.testId) ?? []), a]);
  const byFile = new Map();
  for (const list of byTest.values()) byFile.set(list[0].file, [...(byFile.get(list[0].file) ?? []), list]);
  const attrs = (a) => {
    if (dialect === 'vitest')
      return `classname="${esc(a.file)}" name="${esc([...a.suite, a.name].join(' > '))}" time="${sec(a.durationMs)}"`;
    const full = esc([...a.suite, a.name].join(' › '));
    return `classname="${full}" name="${full}" time="${sec(a.durationMs)}" file="${esc(a.file)}"`;
  };
  const fail = (a, el = 'failure') => {
    const body = el === 'failure' ? esc(a.message) : `<stackTrace>${esc(a.message)}</stackTrace>`;
    return `<${el} message="${esc(a.message.split('\n')[0])}" type="Error">${body}</${el}>`;
  };
  const bad = (a) => a.status === 'failed';
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${dialect === 'vitest' ? 'vitest' : 'jest'} tests">`,
  ];
  for (const [file, lists] of byFile) {
    out.push(
      `  <testsuite name="${esc(dialect === 'vitest' ? file : lists[0][0].suite[0])}" tests="${lists.length}">`,
    );
    for (const list of lists) {
      const last = list.at(-1);
      const head = list[0];
      let inner = '';
      if (list.length === 1) inner = bad(head) ? fail(head) : '';
      else if (!bad(last))
        inner = list
          .slice(0, -1)
          .map((a) => fail(a, 'flakyFailure'))
          .join('');
      else
        inner =
          fail(head) +
          list
            .slice(1)
            .map((a) => fail(a, 'rerunFailure'))
            .join('');
      out.push(`    <testcase ${attrs(list.length > 1 && !bad(last) ? last : head)}>${inner}</testcase>`);
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}

async function simulation(log) {
  const { ingestReports, triage } = await import('../dist/index.js');
  const sim = simulate();
  const dir = join(work, 'triage-sim');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const dialects = ['vitest', 'jest-junit'];
  let ingestMs = 0;
  for (const run of sim.runs) {
    const path = join(dir, `run-${run.runId}.xml`);
    writeFileSync(path, writeJUnit(run.attempts, dialects[run.index % dialects.length]));
    const t0 = performance.now();
    await ingestReports({
      cwd: dir,
      env: {},
      reports: [path],
      history: 'history.db',
      run: {
        runId: run.runId,
        commit: run.commit,
        startedAt: run.startedAt,
        branch: 'main',
        job: 'test',
        attempt: 1,
      },
    });
    ingestMs += performance.now() - t0;
  }
  log(`simulation: ingested ${sim.runs.length} runs`);
  const t0 = performance.now();
  const result = await triage({
    cwd: dir,
    env: {},
    history: 'history.db',
    runs: sim.runs.length,
    codeowners: false,
  });
  const triageMs = performance.now() - t0;
  const kind = new Map(sim.tests.map((t) => [t.testId, t.kind]));
  const flaky = result.findings.filter((f) => f.verdict === 'flaky').map((f) => f.testId);
  const injected = (id) => kind.get(id) === 'flaky' || kind.get(id) === 'cluster';
  const found = [...sim.flipped].filter((id) => flaky.includes(id)).length;
  const outageIds = new Set(sim.runs.filter((r) => r.outage).map((r) => r.runId));
  // A finding "from an outage" = a non-healthy verdict for a test that only ever failed in outage runs.
  const failsOutside = new Set(
    sim.runs
      .filter((r) => !outageIds.has(r.runId))
      .flatMap((r) => r.attempts.filter((a) => a.status === 'failed').map((a) => a.testId)),
  );
  return {
    tests: sim.tests.length,
    runs: sim.runs.length,
    attempts: result.stats.attempts,
    flipped: sim.flipped.size,
    recall: found / sim.flipped.size,
    precision: flaky.length === 0 ? 1 : flaky.filter(injected).length / flaky.length,
    detected: flaky.length,
    regressionsFlaky: flaky.filter((id) => kind.get(id) === 'regression').length,
    regressionsBroken: result.findings.filter(
      (f) => f.verdict === 'broken' && kind.get(f.testId) === 'regression',
    ).length,
    outageFindings: result.findings.filter((f) => f.verdict !== 'healthy' && !failsOutside.has(f.testId))
      .length,
    outageRuns: result.stats.outageRuns,
    expectedOutages: sim.outages.length,
    ingestMs,
    triageMs,
  };
}

// ---- 2. scale: ~1 GB of Surefire-style JUnit XML ----
const STACK = Array.from(
  { length: 24 },
  (_, i) => `\tat com.example.service.layer${i % 5}.Handler${i}.process(Handler${i}.java:${40 + i * 7})`,
).join('\n');
const OUT = Array.from(
  { length: 12 },
  (_, i) => `2026-01-01 12:00:0${i % 10}.123 INFO  [main] c.e.Service - step ${i} ok, state=&lt;ready&gt;`,
).join('\n');

function generate(dir, { files, fileMb, seed }, log) {
  const rand = seeded(seed);
  const paths = [];
  const t0 = performance.now();
  let testcases = 0;
  for (let f = 0; f < files; f++) {
    const path = join(dir, `TEST-suite-${f}.xml`);
    paths.push(path);
    const fd = openSync(path, 'w');
    let bytes = 0;
    let chunk = `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n`;
    for (let c = 0; bytes < fileMb * 1048576; c++) {
      const cls = `com.example.pkg${f}.mod${c % 97}.Service${c}Test`;
      chunk += `<testsuite name="${cls}" tests="50" failures="0" errors="0" skipped="0" time="1.5">\n<properties><property name="java.version" value="21"/></properties>\n`;
      for (let t = 0; t < 50; t++) {
        const r = rand();
        const head = `  <testcase name="test${t}_${r < 0.5 ? 'returnsValue' : 'handlesError'}" classname="${cls}" time="${(r * 2).toFixed(3)}"`;
        testcases++;
        if (r < 0.05)
          chunk += `${head}>\n    <failure message="expected: &lt;${t}&gt; but was: &lt;${t + 1}&gt;" type="org.opentest4j.AssertionFailedError">org.opentest4j.AssertionFailedError: expected: &lt;${t}&gt; but was: &lt;${t + 1}&gt;\n${STACK}\n</failure>\n    <system-out><![CDATA[${OUT.replace(/&lt;|&gt;/g, '')}]]></system-out>\n  </testcase>\n`;
        else if (r < 0.06)
          chunk += `${head}>\n    <error message="NPE" type="java.lang.NullPointerException">java.lang.NullPointerException\n${STACK}</error>\n  </testcase>\n`;
        else if (r < 0.08) chunk += `${head}>\n    <skipped message="disabled"/>\n  </testcase>\n`;
        else if (r < 0.35) chunk += `${head}>\n    <system-out>${OUT}</system-out>\n  </testcase>\n`;
        else chunk += `${head}/>\n`;
      }
      chunk += '</testsuite>\n';
      if (chunk.length > 4 << 20) {
        bytes += writeSync(fd, chunk);
        chunk = '';
      }
    }
    writeSync(fd, `${chunk}</testsuites>\n`);
    closeSync(fd);
  }
  log(
    `scale: generated ${files} files, ${testcases.toLocaleString('en-US')} testcases in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  return { paths, testcases };
}

/** Wall and CPU seconds, peak RSS (MiB) and the 1-minute load average before and after, via GNU time. */
function timed(args, cwd, stdout = 'ignore') {
  const timeFile = join(cwd, '.time');
  const before = loadavg()[0];
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', timeFile, process.execPath, ...args], {
    cwd,
    stdio: ['ignore', stdout, 'pipe'],
    env: { ...process.env, TESTLOOP_DATABASE_URL: '' },
  });
  const after = loadavg()[0];
  const [s, user, sys, kb] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
  const oom = /heap out of memory/.test(r.stderr);
  const failed = r.status === 0 ? '' : ` FAILED: exit ${r.status ?? r.signal}${oom ? ', heap OOM' : ''}`;
  return { s, cpu: user + sys, mb: kb / 1024, failed, load: [before, after] };
}

function profile(dir, file, log) {
  const prof = join(dir, 'prof');
  rmSync(prof, { recursive: true, force: true });
  rmSync(join(dir, 'prof.db'), { force: true });
  spawnSync(
    process.execPath,
    [
      '--cpu-prof',
      `--cpu-prof-dir=${prof}`,
      `${root}bin/testloop.js`,
      'ingest',
      file,
      '--run-id',
      'p',
      '--commit',
      'abc',
      '--history',
      'prof.db',
    ],
    { cwd: dir, stdio: 'ignore' },
  );
  const name = spawnSync('ls', [prof], { encoding: 'utf8' }).stdout.trim().split('\n')[0];
  const { nodes, samples, timeDeltas } = JSON.parse(readFileSync(join(prof, name), 'utf8'));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const self = new Map();
  samples.forEach((id, i) => {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*\//, '')}:${lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  log(`profile of ingest of one ${PARAMS.fileMb} MB file (self time, top 12; ${prof}):`);
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 12))
    console.log(
      `  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`,
    );
}

/** A generated input kept under `dir`, with what its generator returned in `.complete`: made once, reused after. */
function cachedInput(dir, make) {
  const marker = join(dir, '.complete');
  if (existsSync(marker)) return JSON.parse(readFileSync(marker, 'utf8'));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const made = make();
  writeFileSync(marker, JSON.stringify(made));
  return made;
}

/** Generates (or reuses) the input of `fileMb` MiB files, then times ingest into a fresh history and triage. */
async function scale(flags, fileMb, log) {
  const params = { ...PARAMS, fileMb };
  const key = `triage-scale-v${params.version}-${params.files}x${params.fileMb}-${params.seed}`;
  const dir = join(work, key);
  const gen = cachedInput(dir, () => generate(dir, params, log));
  const bin = `${root}bin/testloop.js`;
  const bytes = gen.paths.reduce((sum, path) => sum + statSync(path).size, 0);
  // --no-ingest times triage alone on the history the last run left (while working on triage).
  const reuse = flags['no-ingest'] === 'true' && existsSync(join(dir, 'history.db'));
  let ingest = { s: Number.NaN, cpu: Number.NaN, mb: Number.NaN, failed: ' (not run)', load: [] };
  if (!reuse) {
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(dir, `history.db${suffix}`), { force: true });
    log(`scale: ingesting ${(bytes / 2 ** 30).toFixed(2)} GiB`);
    ingest = timed(
      [
        bin,
        'ingest',
        ...gen.paths,
        '--run-id',
        'scale-1',
        '--commit',
        'a'.repeat(40),
        '--history',
        'history.db',
      ],
      dir,
    );
  }
  log(`scale: triage of ${(bytes / 2 ** 30).toFixed(2)} GiB`);
  const out = openSync(join(dir, 'triage.json'), 'w');
  const tri = timed([bin, 'triage', '--format', 'json', '--history', 'history.db'], dir, out);
  closeSync(out);
  const output = statSync(join(dir, 'triage.json')).size;
  rmSync(join(dir, 'triage.json'), { force: true });
  return { key, dir, params, gen, bytes, ingest, tri, output };
}

export async function main({ flags = {}, log = (m) => process.stderr.write(`bench: ${m}\n`) } = {}) {
  mkdirSync(work, { recursive: true });
  if (flags['history-only'] === 'true') return historyTable(flags, log);
  if (flags['scale-only'] === 'true') {
    await historyTable(flags, log);
    return flags['no-stress'] === 'true' ? undefined : scaleTable(flags, log);
  }
  const s = await simulation(log);
  const pct = (x) => `${(100 * x).toFixed(1)}%`;
  console.log(
    `\ntriage simulation: ${s.tests} tests × ${s.runs} runs (${s.attempts.toLocaleString('en-US')} attempts), JUnit vitest + jest-junit, ingested run by run into SQLite`,
  );
  const rows = [
    [
      'recall on tests that flipped',
      `${pct(s.recall)} (${Math.round(s.recall * s.flipped)}/${s.flipped})`,
      s.recall === 1 ? 'PASS' : 'MISS',
    ],
    [
      'precision of flaky verdicts',
      `${pct(s.precision)} (${s.detected} called flaky)`,
      s.precision >= 0.95 ? 'PASS' : 'MISS',
    ],
    [
      'regressions called flaky',
      `${s.regressionsFlaky} (broken: ${s.regressionsBroken}/8)`,
      s.regressionsFlaky === 0 ? 'PASS' : 'MISS',
    ],
    [
      'findings from outage runs',
      `${s.outageFindings} (${s.outageRuns}/${s.expectedOutages} runs set aside)`,
      s.outageFindings === 0 ? 'PASS' : 'MISS',
    ],
    [
      'ingest, 240 calls (wall)',
      `${s.ingestMs.toFixed(0)} ms (${(s.ingestMs / s.runs).toFixed(1)} ms/run)`,
      '',
    ],
    ['triage (wall)', `${s.triageMs.toFixed(0)} ms`, ''],
  ];
  const table = (rs) => {
    console.log(`| ${'measure'.padEnd(30)} | ${'value'.padEnd(38)} | check |`);
    console.log(`| ${'-'.repeat(30)} | ${'-'.repeat(38)} | ----- |`);
    for (const r of rs) console.log(`| ${r[0].padEnd(30)} | ${r[1].padEnd(38)} | ${r[2].padEnd(5)} |`);
  };
  table(rows);
  if (flags['no-scale'] === 'true') return;
  await historyTable(flags, log);
  if (flags['no-stress'] !== 'true') await scaleTable(flags, log);
}

/**
 * ~1 GiB, and ~0.25 GiB next to it: peak RSS about the same at both sizes shows memory is bounded. The
 * CPU seconds and load averages say how busy the machine was: wall times on a shared machine are noisy.
 */
async function scaleTable(flags, log) {
  const large = await scale(flags, Number(flags['scale-mb'] ?? PARAMS.fileMb), log);
  const small =
    flags['compare-mb'] === '0' ? undefined : await scale(flags, Number(flags['compare-mb'] ?? 25), log);
  const columns = small ? [small, large] : [large];
  const gib = (c) => `${(c.bytes / 2 ** 30).toFixed(2)} GiB`;
  const sec = (t) => (Number.isNaN(t.s) ? '-' : `${t.s.toFixed(1)} s${t.failed}`);
  const cpu = (t) => (Number.isNaN(t.cpu) ? '-' : `${t.cpu.toFixed(1)} s`);
  const mib = (t) => (Number.isNaN(t.mb) ? '-' : `${t.mb.toFixed(0)} MiB`);
  const load = (t) => (t.load.length === 0 ? '-' : t.load.map((l) => l.toFixed(1)).join(' → '));
  const total = (c) => (c.ingest.failed || c.tri.failed ? Number.POSITIVE_INFINITY : c.ingest.s + c.tri.s);
  const rows = [
    ['input (Surefire XML, 10 files, one run)', gib],
    ['testcases', (c) => c.gen.testcases.toLocaleString('en-US')],
    ['testloop ingest (wall)', (c) => sec(c.ingest)],
    ['testloop ingest (CPU, user + sys)', (c) => cpu(c.ingest)],
    ['testloop ingest (peak RSS)', (c) => mib(c.ingest)],
    ['testloop triage --format json (wall)', (c) => sec(c.tri)],
    ['testloop triage (CPU, user + sys)', (c) => cpu(c.tri)],
    ['testloop triage (peak RSS)', (c) => mib(c.tri)],
    ['triage output', (c) => `${(c.output / 2 ** 20).toFixed(0)} MiB`],
    [`ingest + triage (target < ${TARGET_S} s)`, (c) => `${total(c).toFixed(1)} s`],
    ['load average (1 min), ingest', (c) => load(c.ingest)],
    ['load average (1 min), triage', (c) => load(c.tri)],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log(
    `\ntriage stress: one run, every testcase a different test (${columns.map((c) => c.key).join(', ')}; ${cpus().length} cores)`,
  );
  console.log(`| ${'measure'.padEnd(width)} | ${columns.map((c) => gib(c).padStart(16)).join(' | ')} |`);
  console.log(`| ${'-'.repeat(width)} | ${columns.map(() => '-'.repeat(16)).join(' | ')} |`);
  for (const [name, cell] of rows)
    console.log(`| ${name.padEnd(width)} | ${columns.map((c) => cell(c).padStart(16)).join(' | ')} |`);
  const checks = [
    [`stress ${gib(large)}: ingest + triage < ${TARGET_S} s`, total(large) < TARGET_S],
    [
      `stress ${gib(large)}: peak RSS < 1 GiB (ingest, triage)`,
      !(large.ingest.mb >= 1024) && large.tri.mb < 1024,
    ],
  ];
  if (small) {
    // Bounded: four times the input may cost the fixed part again, not four times the memory.
    const bounded = (a, b) => Number.isNaN(a) || Number.isNaN(b) || b <= 1.5 * a + 64;
    checks.push([
      `stress: peak RSS at ${gib(large)} within 1.5x + 64 MiB of ${gib(small)} (ingest, triage)`,
      bounded(small.ingest.mb, large.ingest.mb) && bounded(small.tri.mb, large.tri.mb),
    ]);
  }
  for (const [name, ok] of checks) console.log(`${ok ? 'PASS' : 'MISS'}  ${name}`);
  if (total(large) >= TARGET_S && flags['no-profile'] !== 'true') profile(large.dir, large.gen.paths[0], log);
}

// ---- 3. history: ~1 GB as CI writes it, ~200 runs of the same 10,000 tests (the headline figure) ----

/** Generates (or reuses) the history, then times ingest (a process per run, then in one process) and triage. */
function history(flags, runs, log) {
  const params = { ...HISTORY };
  const key = `triage-history-v${params.version}-${params.runs}x${params.classes * params.perClass}-${params.seed}`;
  const dir = join(work, key);
  const gen = cachedInput(dir, () => generateHistory(dir, params, log));
  const picked = gen.runs.slice(0, runs);
  const bytes = picked.reduce(
    (sum, run) => sum + readdirSync(run.dir).reduce((s, f) => s + statSync(join(run.dir, f)).size, 0),
    0,
  );
  const bin = `${root}bin/testloop.js`;
  const db = `history-${runs}.db`;
  const fresh = (name) => {
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(dir, `${name}${suffix}`), { force: true });
  };
  const reuse = flags['no-ingest'] === 'true' && existsSync(join(dir, db));
  const none = { s: Number.NaN, cpu: Number.NaN, mb: Number.NaN, failed: ' (not run)', load: [] };
  let perRun = { ...none, runs: [] };
  let inOne = none;
  if (!reuse) {
    log(`history: ingesting ${runs} runs, ${(bytes / 2 ** 30).toFixed(2)} GiB, one process per run`);
    fresh(db);
    const each = picked.map((run) =>
      timed(
        [
          bin,
          'ingest',
          run.dir,
          '--run-id',
          run.runId,
          '--commit',
          run.commit,
          '--started-at',
          run.startedAt,
          '--branch',
          'main',
          '--job',
          'test',
          '--attempt',
          '1',
          '--history',
          db,
        ],
        dir,
      ),
    );
    const sum = (f) => each.reduce((a, t) => a + f(t), 0);
    perRun = {
      s: sum((t) => t.s),
      cpu: sum((t) => t.cpu),
      mb: Math.max(...each.map((t) => t.mb)),
      failed: each.find((t) => t.failed)?.failed ?? '',
      load: [each[0].load[0], each.at(-1).load[1]],
      runs: each.map((t) => t.s * 1000),
    };
    log(`history: ingesting the same ${runs} runs in one process (library ingestReports)`);
    const manifest = join(dir, `manifest-${runs}.json`);
    writeFileSync(manifest, JSON.stringify(picked));
    fresh('history-lib.db');
    inOne = timed([`${root}bench/ingest-runs.js`, manifest, 'history-lib.db'], dir);
    fresh('history-lib.db');
  }
  log(`history: triage of ${runs} runs`);
  const out = openSync(join(dir, 'triage.json'), 'w');
  const tri = timed([bin, 'triage', '--format', 'json', '--history', db], dir, out);
  closeSync(out);
  const output = statSync(join(dir, 'triage.json')).size;
  const findings = JSON.parse(readFileSync(join(dir, 'triage.json'), 'utf8')).findings;
  const verdicts = {};
  for (const f of findings) verdicts[f.verdict] = (verdicts[f.verdict] ?? 0) + 1;
  rmSync(join(dir, 'triage.json'), { force: true });
  return {
    key,
    dir,
    runs,
    tests: params.classes * params.perClass,
    bytes,
    perRun,
    inOne,
    tri,
    output,
    verdicts,
  };
}

const quantile = (list, q) => {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

/** The 200-run history, and its first 50 runs (~0.25 GiB) next to it: memory must not follow the history. */
async function historyTable(flags, log) {
  const large = history(flags, Number(flags['history-runs'] ?? HISTORY.runs), log);
  const compare = Number(flags['compare-runs'] ?? 50);
  const small = compare === 0 ? undefined : history(flags, compare, log);
  const columns = small ? [small, large] : [large];
  const gib = (c) => `${(c.bytes / 2 ** 30).toFixed(2)} GiB`;
  const sec = (t) => (Number.isNaN(t.s) ? '-' : `${t.s.toFixed(1)} s${t.failed}`);
  const cpu = (t) => (Number.isNaN(t.cpu) ? '-' : `${t.cpu.toFixed(1)} s`);
  const mib = (t) => (Number.isNaN(t.mb) ? '-' : `${t.mb.toFixed(0)} MiB`);
  const load = (t) => (t.load.length === 0 ? '-' : t.load.map((l) => l.toFixed(1)).join(' → '));
  const perRun = (c) =>
    c.perRun.runs.length === 0
      ? '-'
      : `${quantile(c.perRun.runs, 0.5).toFixed(0)} / ${quantile(c.perRun.runs, 0.95).toFixed(0)} ms`;
  const mbps = (c, t) => (Number.isNaN(t.s) ? '-' : `${(c.bytes / 2 ** 20 / t.s).toFixed(0)} MiB/s`);
  const total = (c, ingest) =>
    ingest.failed || c.tri.failed ? Number.POSITIVE_INFINITY : ingest.s + c.tri.s;
  const rows = [
    ['input (Surefire XML, a file per class and run)', gib],
    ['runs × tests', (c) => `${c.runs} × ${c.tests.toLocaleString('en-US')}`],
    ['ingest, a process per run (sum of wall)', (c) => sec(c.perRun)],
    ['  per run, median / p95 (wall)', perRun],
    ['  CPU, user + sys (sum)', (c) => cpu(c.perRun)],
    ['  peak RSS (largest run)', (c) => mib(c.perRun)],
    ['ingest, all runs in one process (wall)', (c) => sec(c.inOne)],
    ['  throughput', (c) => mbps(c, c.inOne)],
    ['  CPU, user + sys', (c) => cpu(c.inOne)],
    ['  peak RSS', (c) => mib(c.inOne)],
    ['testloop triage --format json (wall)', (c) => sec(c.tri)],
    ['  CPU, user + sys', (c) => cpu(c.tri)],
    ['  peak RSS', (c) => mib(c.tri)],
    ['  output', (c) => `${(c.output / 2 ** 20).toFixed(1)} MiB`],
    [
      '  verdicts',
      (c) =>
        Object.entries(c.verdicts)
          .map(([v, n]) => `${n} ${v}`)
          .join(', '),
    ],
    [`ingest in one process + triage (target < ${TARGET_S} s)`, (c) => `${total(c, c.inOne).toFixed(1)} s`],
    ['ingest per process (sum) + triage', (c) => `${total(c, c.perRun).toFixed(1)} s`],
    ['load average (1 min), ingest per process', (c) => load(c.perRun)],
    ['load average (1 min), ingest in one process', (c) => load(c.inOne)],
    ['load average (1 min), triage', (c) => load(c.tri)],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  const cw = 28;
  console.log(`\ntriage history: the same tests run after run (${large.key}; ${cpus().length} cores)`);
  console.log(`| ${'measure'.padEnd(width)} | ${columns.map((c) => gib(c).padStart(cw)).join(' | ')} |`);
  console.log(`| ${'-'.repeat(width)} | ${columns.map(() => '-'.repeat(cw)).join(' | ')} |`);
  for (const [name, cell] of rows)
    console.log(`| ${name.padEnd(width)} | ${columns.map((c) => cell(c).padStart(cw)).join(' | ')} |`);
  const checks = [
    [
      `history ${gib(large)}: ingest (one process) + triage < ${TARGET_S} s`,
      total(large, large.inOne) < TARGET_S,
    ],
    [
      `history ${gib(large)}: peak RSS < 1 GiB (ingest, triage)`,
      !(large.perRun.mb >= 1024) && !(large.inOne.mb >= 1024) && large.tri.mb < 1024,
    ],
  ];
  if (small) {
    const bounded = (a, b) => Number.isNaN(a) || Number.isNaN(b) || b <= 1.5 * a + 64;
    checks.push([
      `history: peak RSS at ${gib(large)} within 1.5x + 64 MiB of ${gib(small)} (ingest, triage)`,
      bounded(small.perRun.mb, large.perRun.mb) &&
        bounded(small.inOne.mb, large.inOne.mb) &&
        bounded(small.tri.mb, large.tri.mb),
    ]);
  }
  for (const [name, ok] of checks) console.log(`${ok ? 'PASS' : 'MISS'}  ${name}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const flags = Object.fromEntries(
    process.argv.slice(2).map((arg) => {
      const [key, value] = arg.replace(/^--/, '').split('=');
      return [key, value ?? 'true'];
    }),
  );
  if (flags.fresh === 'true' && existsSync(work))
    for (const d of readdirSync(work).filter((d) => d.startsWith('triage-')))
      rmSync(join(work, d), { recursive: true, force: true });
  await main({ flags });
}
