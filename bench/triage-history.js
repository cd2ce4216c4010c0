// The realistic scale input of bench/triage.js: a CI history, ~200 runs of the same 10,000 tests as
// Surefire writes them (one TEST-<class>.xml per test class and run). See the triage section of README.md.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { seeded } from './common.js';

export const HISTORY = { version: 1, runs: 200, classes: 400, perClass: 25, seed: 20260201 };

const STACK = (cls, depth) =>
  Array.from(
    { length: depth },
    (_, i) => `\tat com.example.service.layer${i % 5}.Handler${i}.process(Handler${i}.java:${40 + i * 7})`,
  )
    .concat(`\tat ${cls}.run(${cls.replace(/.*\./, '')}.java:88)`)
    .join('\n');
const FLAKY_CAUSES = [
  ['java.net.SocketTimeoutException', 'Read timed out'],
  ['java.net.ConnectException', 'Connection refused: localhost/127.0.0.1:6379'],
  ['org.opentest4j.AssertionFailedError', 'expected: &lt;[a, b]&gt; but was: &lt;[b, a]&gt;'],
  ['java.util.ConcurrentModificationException', 'null'],
  ['org.awaitility.core.ConditionTimeoutException', 'Condition was not fulfilled within 5 seconds.'],
];
const LOG_LINES = [
  'INFO  [main] o.s.t.c.s.DefaultTestContextBootstrapper - Loaded default TestExecutionListener class names',
  'DEBUG [main] c.e.repository.OrderRepository - select o from Order o where o.customer = ?1',
  'INFO  [pool-2-thread-1] c.e.service.PaymentService - charge accepted, id=7f3a, amount=42.00 EUR',
  'WARN  [main] c.e.cache.RedisCache - cache miss for key user:1234, loading from database',
  'INFO  [main] c.e.http.Client - GET https://api.example.test/v1/items?page=2 -> 200 (12 ms)',
];

function plan(p) {
  const rand = seeded(p.seed);
  const tests = [];
  for (let c = 0; c < p.classes; c++) {
    const cls = `com.example.m${c % 12}.pkg${c % 37}.Feature${c}Test`;
    for (let t = 0; t < p.perClass; t++) {
      tests.push({
        cls,
        name: `test${t}_${['returnsValue', 'handlesError', 'rejectsInput', 'savesState'][t % 4]}`,
        ms: 2 + Math.floor(rand() ** 3 * 3000),
        // ~30% of tests print to system-out; a third of those log a time stamp, different every run.
        out: rand() < 0.3 ? 2 + Math.floor(rand() * 20) : 0,
        stamped: rand() < 0.33,
        rate: 0,
        brokenFrom: Number.POSITIVE_INFINITY,
      });
    }
  }
  const order = tests.map((_, i) => i).sort(() => rand() - 0.5);
  // ~1% of the tests fail sometimes (0.5–10% of runs), 6 break at some run and stay broken.
  const flaky = Math.round(tests.length * 0.01);
  for (let i = 0; i < flaky; i++) {
    const test = tests[order[i]];
    test.rate = 0.005 + rand() ** 2 * 0.095;
    test.cause = FLAKY_CAUSES[Math.floor(rand() * FLAKY_CAUSES.length)];
  }
  for (let i = 0; i < 6; i++) tests[order[flaky + i]].brokenFrom = Math.floor(rand() * p.runs);
  return tests;
}

function failure(test, el, runIndex) {
  const [type, message] =
    test.brokenFrom <= runIndex
      ? ['org.opentest4j.AssertionFailedError', 'expected: &lt;200&gt; but was: &lt;500&gt;']
      : test.cause;
  return `<${el} message="${message}" type="${type}">${type}: ${message}\n${STACK(test.cls, 18)}\n</${el}>`;
}

function output(test, runIndex, when) {
  const lines = [];
  for (let i = 0; i < test.out; i++) {
    const stamp = test.stamped ? when : '2026-01-01 00:00:00.000';
    lines.push(`${stamp} ${LOG_LINES[(i + test.name.length) % LOG_LINES.length]}`);
  }
  if (test.stamped) lines.push(`run ${runIndex} finished`);
  return `\n    <system-out><![CDATA[${lines.join('\n')}]]></system-out>`;
}

/** Writes runs/<index>/TEST-<class>.xml for every run; returns what each run is ingested as. */
export function generateHistory(dir, p, log) {
  const rand = seeded(p.seed + 1);
  const tests = plan(p);
  const t0 = performance.now();
  const runs = [];
  let commit = 0;
  let testcases = 0;
  let failed = 0;
  for (let r = 0; r < p.runs; r++) {
    if (r === 0 || rand() < 0.7) commit++;
    const runDir = join(dir, 'runs', String(r).padStart(3, '0'));
    mkdirSync(runDir, { recursive: true });
    const startedAt = new Date(Date.UTC(2026, 1, 1) + r * 1_800_000);
    const when = startedAt.toISOString().replace('T', ' ').slice(0, 23);
    // A run retries failing tests once (Surefire rerunFailingTestsCount=1) in half the pipelines' jobs.
    const reruns = r % 2 === 0;
    for (let c = 0; c < p.classes; c++) {
      const group = tests.slice(c * p.perClass, (c + 1) * p.perClass);
      const cls = group[0].cls;
      let body = '';
      let failures = 0;
      let time = 0;
      for (const test of group) {
        const ms = Math.round(test.ms * (0.8 + rand() * 0.4));
        time += ms;
        const head = `  <testcase name="${test.name}" classname="${cls}" time="${(ms / 1000).toFixed(3)}"`;
        const broken = test.brokenFrom <= r;
        const fails = broken || (test.rate > 0 && rand() < test.rate);
        const out = test.out > 0 ? output(test, r, when) : '';
        testcases++;
        if (!fails) {
          body += out ? `${head}>${out}\n  </testcase>\n` : `${head}/>\n`;
          continue;
        }
        failed++;
        // A flaky test that fails usually passes its rerun; a broken one fails it again.
        if (reruns && !broken && rand() < 0.8) {
          body += `${head}>\n    ${failure(test, 'flakyFailure', r)}${out}\n  </testcase>\n`;
          continue;
        }
        failures++;
        const rerun = reruns ? `\n    ${failure(test, 'rerunFailure', r)}` : '';
        body += `${head}>\n    ${failure(test, 'failure', r)}${rerun}${out}\n  </testcase>\n`;
      }
      const fd = openSync(join(runDir, `TEST-${cls}.xml`), 'w');
      writeSync(
        fd,
        `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" name="${cls}" time="${(time / 1000).toFixed(3)}" tests="${group.length}" errors="0" skipped="0" failures="${failures}">\n  <properties>\n    <property name="java.version" value="21.0.2"/>\n    <property name="os.name" value="Linux"/>\n  </properties>\n${body}</testsuite>\n`,
      );
      closeSync(fd);
    }
    runs.push({
      dir: runDir,
      runId: String(5000 + r),
      commit: `${commit.toString(16).padStart(8, '0')}${'c'.repeat(32)}`,
      startedAt: startedAt.toISOString(),
    });
  }
  log(
    `history: generated ${p.runs} runs × ${tests.length.toLocaleString('en-US')} tests (${testcases.toLocaleString('en-US')} testcases, ${failed} failing) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  return { runs, tests: tests.length, testcases };
}
