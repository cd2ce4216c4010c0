import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeAttempts } from '../../src/triage/analyze.ts';
import type { Cause, CauseName } from '../../src/triage/types.ts';
import { attempt, pattern, run } from './build.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/triage/causes');
const ID = 'test/app.test.ts › app › works';

/** The causes of a flaky test whose two failures carry the fixture's text as message and stack. */
function causesOf(fixture: string, options: { failMs?: number } = {}): Cause[] {
  const message = readFileSync(join(FIXTURES, `${fixture}.txt`), 'utf8');
  const { findings } = analyzeAttempts(pattern(ID, 'PPPFPPPFPP', { message, ...options }));
  expect(findings[0]!.verdict).toBe('flaky');
  return findings[0]!.causes;
}

const CASES: [fixture: string, cause: CauseName, evidence: string[], fix?: RegExp][] = [
  ['timeout-vitest', 'timeout', ['Error: Test timed out in 5000ms.'], /fake timers/],
  ['timeout-jest', 'timeout', ['thrown: "Exceeded timeout of 5000 ms for a test.']],
  [
    'async-wait-jest',
    'async-wait',
    ['Cannot log after tests are done. Did you forget to wait for something async in your test?'],
    /await every promise/,
  ],
  ['concurrency-sqlite', 'concurrency', ['SqliteError: database is locked'], /VITEST_POOL_ID/],
  [
    'order-dependency-spy',
    'order-dependency',
    ['AssertionError: expected "spy" to be called 1 times, but got 2 times'],
    /restoreAllMocks/,
  ],
  [
    'time-timezone',
    'time',
    [
      "AssertionError: expected '2024-03-10T23:00:00.000Z' to be '2024-03-11T00:00:00.000Z' // Object.is equality",
      "13|     const day = startOfDay(new Date('2024-03-11T09:30:00'));",
    ],
    /TZ=UTC/,
  ],
  [
    'randomness-fast-check',
    'randomness',
    [
      'Error: Property failed after 23 tests',
      'Counterexample: ["a",""]',
      '{ seed: -1819918769, path: "22:0", endOnFailure: true }',
    ],
    /seed/,
  ],
  [
    'network-econnrefused',
    'network',
    ['Error: connect ECONNREFUSED 127.0.0.1:5432'],
    /wait until it answers/,
  ],
  [
    'network-eaddrinuse',
    'network',
    ['Error: listen EADDRINUSE: address already in use :::3000'],
    /listen on port 0/,
  ],
  [
    'network-enotfound',
    'network',
    ['[cause]: Error: getaddrinfo ENOTFOUND api.stripe.com', 'TypeError: fetch failed'],
    /DNS/,
  ],
  ['network-etimedout', 'network', ['Error: connect ETIMEDOUT 140.82.112.3:443'], /short timeout/],
  [
    'resource-leak-heap',
    'resource-leak',
    ['FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory'],
    /logHeapUsage/,
  ],
  [
    'resource-leak-emfile',
    'resource-leak',
    ["Error: EMFILE: too many open files, open '/home/runner/work/app/app/fixtures/invoice.pdf'"],
    /File descriptors/,
  ],
  [
    'resource-leak-open-handles',
    'resource-leak',
    ['Jest has detected the following 1 open handle potentially keeping Jest from exiting:'],
    /detectOpenHandles/,
  ],
  [
    'floating-point',
    'floating-point',
    ['AssertionError: expected 0.30000000000000004 to be 0.3 // Object.is equality'],
    /toBeCloseTo/,
  ],
  [
    'unordered-chai',
    'unordered-collection',
    ["AssertionError: expected [ 'b', 'a', 'c' ] to deeply equal [ 'a', 'b', 'c' ]"],
    /sort both sides/,
  ],
  ['unordered-jest-diff', 'unordered-collection', ['-   "alice",', '+   "alice",']],
  [
    'snapshot-vitest',
    'snapshot',
    ['Error: Snapshot `renders the invoice > 1` mismatched'],
    /property matchers/,
  ],
  [
    'ui-playwright',
    'ui-selector',
    [
      'Error: locator.click: Timeout 30000ms exceeded.',
      "- waiting for getByRole('button', { name: 'Checkout' })",
    ],
    /web-first assertions/,
  ],
  [
    'ui-testing-library',
    'ui-selector',
    [
      'TestingLibraryElementError: Unable to find an element with the text: Order confirmed. This could be because the text is broken up by multiple elements. In this case, you can provide a function for your text matcher to make your matcher more flexible.',
    ],
  ],
  [
    'infrastructure-oom',
    'infrastructure',
    [
      'Error: Process completed with exit code 137.',
      '##[error]The runner has received a shutdown signal. This can happen when the runner service is stopped, or a manually started runner is canceled.',
    ],
    /more memory/,
  ],
  ['unknown-assertion', 'unknown', ['AssertionError: expected 3 to be 4 // Object.is equality'], /--rerun/],
];

describe('causes: one realistic failure per rule', () => {
  it.each(CASES)('%s → %s', (fixture, cause, evidence, fix) => {
    const [top] = causesOf(fixture);
    expect(top!.cause).toBe(cause);
    expect(top!.evidence).toEqual(evidence);
    expect(top!.score).toBeGreaterThanOrEqual(0.3);
    if (fix) expect(top!.fix).toMatch(fix);
  });

  it('never takes evidence from frames inside node_modules', () => {
    const causes = causesOf('timeout-jest');
    expect(causes.flatMap((c) => c.evidence).join('\n')).not.toMatch(/node_modules/);
  });

  it('async-wait/timeout from durations: failing runs far slower than the passing median', () => {
    const [top] = causesOf('unknown-assertion', { failMs: 9000 });
    expect(top).toMatchObject({
      cause: 'timeout',
      evidence: [
        'failed attempt took 9000 ms in run r4 (passing median 100 ms)',
        'failed attempt took 9000 ms in run r8 (passing median 100 ms)',
      ],
    });
    expect(top!.score).toBeCloseTo(0.7, 2);
  });

  it('a timeout message and a slow failure add up', () => {
    const alone = causesOf('timeout-vitest')[0]!.score;
    const slow = causesOf('timeout-vitest', { failMs: 5003 })[0]!;
    expect(slow.score).toBeGreaterThan(alone);
    expect(slow.evidence).toEqual([
      'Error: Test timed out in 5000ms.',
      'failed attempt took 5003 ms in run r4 (passing median 100 ms)',
      'failed attempt took 5003 ms in run r8 (passing median 100 ms)',
    ]);
  });

  it('environment: fails only under one value of an environment fact', () => {
    const attempts = [];
    for (let i = 0; i < 20; i++) {
      const node = i % 2 === 0 ? '18.20.4' : '20.17.0';
      const spec = run(i, { environment: { node } });
      const fails = node === '18.20.4' && i % 4 === 0;
      attempts.push(
        attempt(
          ID,
          spec,
          fails ? 'failed' : 'passed',
          fails ? { message: 'TypeError: Array.prototype.toSorted is not a function' } : {},
        ),
      );
    }
    const [finding] = analyzeAttempts(attempts).findings;
    expect(finding!.verdict).toBe('flaky');
    expect(finding!.causes[0]).toMatchObject({
      cause: 'environment',
      score: 0.85,
      evidence: [
        'all 5 failures ran with node=18.20.4 (5 of 10 runs there); 0 of 10 runs failed with another node',
      ],
    });
  });

  it('ranks several causes when the failures differ, each with its own evidence', () => {
    const network = readFileSync(join(FIXTURES, 'network-econnrefused.txt'), 'utf8');
    const timeout = readFileSync(join(FIXTURES, 'timeout-vitest.txt'), 'utf8');
    const attempts = [
      ...pattern(ID, 'PPFPPPPP', { message: network }),
      ...pattern(ID, 'FPF', { message: timeout, runs: [run(10), run(11), run(12)] }),
    ];
    const causes = analyzeAttempts(attempts).findings[0]!.causes;
    expect(causes.map((c) => c.cause)).toEqual(['timeout', 'network']);
    expect(causes[1]!.evidence).toEqual(['Error: connect ECONNREFUSED 127.0.0.1:5432']);
  });
});
