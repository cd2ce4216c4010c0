import type { StoredAttempt } from '../../src/history/types.ts';
import type { AttemptStatus } from '../../src/junit/types.ts';
import type { CauseName } from '../../src/triage/types.ts';
import { seededRandom as seeded } from '../helpers/mutate.ts';

export type Kind = 'stable' | 'flaky' | 'cluster' | 'regression';

export interface SimTest {
  testId: string;
  file: string;
  suite: string[];
  name: string;
  kind: Kind;
  /** Chance the first attempt fails in a run (flaky), or the cluster's event rate. */
  rate: number;
  cluster?: number;
  /** Regression: the run index it fails from, to the end. */
  brokenFrom?: number;
  cause: CauseName;
  message: string;
  durationMs: number;
}

export interface SimRun {
  index: number;
  runId: string;
  commit: string;
  startedAt: string;
  /** CI retries failed tests once in this run. */
  retries: boolean;
  outage: boolean;
}

export interface Simulation {
  tests: SimTest[];
  runs: SimRun[];
  attempts: StoredAttempt[];
  /** Tests whose simulated outcomes flipped outside outages: a failure later followed by a pass. */
  flipped: Set<string>;
  outages: number[];
}

const FLAKE_MESSAGES: [CauseName, string, number][] = [
  ['timeout', 'Error: Test timed out in 5000ms.\n ❯ test/api.test.ts:42:3', 5000],
  [
    'network',
    'Error: connect ECONNREFUSED 127.0.0.1:6379\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16)',
    0,
  ],
  ['concurrency', 'SqliteError: database is locked\n    at createUser (src/db/users.ts:18:6)', 0],
  ['order-dependency', 'AssertionError: expected "spy" to be called 1 times, but got 2 times', 0],
  [
    'time',
    "AssertionError: expected '2024-03-10T23:00:00.000Z' to be '2024-03-11T00:00:00.000Z' // Object.is equality",
    0,
  ],
  ['randomness', 'Error: Property failed after 23 tests\n{ seed: 42, path: "3" }\nCounterexample: [""]', 0],
  ['unordered-collection', "AssertionError: expected [ 'b', 'a' ] to deeply equal [ 'a', 'b' ]", 0],
  ['ui-selector', 'TestingLibraryElementError: Unable to find an element with the text: Saved', 0],
  ['resource-leak', "Error: EMFILE: too many open files, open '/tmp/fixture.json'", 0],
  ['floating-point', 'AssertionError: expected 0.30000000000000004 to be 0.3 // Object.is equality', 0],
];
const REGRESSION = "AssertionError: expected 'total: 41' to be 'total: 42' // Object.is equality";
const OUTAGE = 'Error: connect ECONNREFUSED 10.1.0.7:5432\n    at Pool.connect (src/db/pool.ts:12:9)';

export interface SimulationOptions {
  seed?: number;
  runs?: number;
  files?: number;
  testsPerFile?: number;
}

/**
 * A few hundred tests over 240 runs: most stable, 24 rare flakes (0.2–1% of runs), 10 frequent ones
 * (5–20%), two co-failing clusters of three (6% of runs), five regressions plus a cluster of three broken
 * by one commit, and six outage runs (two in a row, one the latest) where 85% of tests fail. Half the
 * runs retry failed tests once; a third of the runs reuse the previous run's commit.
 */
export function simulate(options: SimulationOptions = {}): Simulation {
  const rand = seeded(options.seed ?? 20260101);
  const runCount = options.runs ?? 240;
  const files = options.files ?? 40;
  const perFile = options.testsPerFile ?? 8;

  const tests: SimTest[] = [];
  for (let f = 0; f < files; f++) {
    for (let i = 0; i < perFile; i++) {
      const file = `test/f${String(f).padStart(2, '0')}.test.ts`;
      const suite = [`group ${f}`];
      const name = `case ${i}`;
      tests.push({
        testId: `${file} › ${suite[0]} › ${name}`,
        file,
        suite,
        name,
        kind: 'stable',
        rate: 0,
        cause: 'unknown',
        message: '',
        durationMs: 20 + Math.round(rand() * 400),
      });
    }
  }
  const pick = (() => {
    const order = tests.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let next = 0;
    return () => tests[order[next++]!]!;
  })();
  const flaky = (rate: number) => {
    const test = pick();
    const [cause, message, slowMs] = FLAKE_MESSAGES[Math.floor(rand() * FLAKE_MESSAGES.length)]!;
    Object.assign(test, { kind: 'flaky', rate, cause, message });
    if (slowMs) test.durationMs = Math.min(test.durationMs, 300);
    return test;
  };
  for (let i = 0; i < 24; i++) flaky(0.002 + rand() * 0.008);
  for (let i = 0; i < 10; i++) flaky(0.05 + rand() * 0.15);
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < 3; i++) {
      Object.assign(pick(), {
        kind: 'cluster',
        rate: 0.06,
        cluster: c,
        cause: 'network',
        message: `Error: connect ECONNREFUSED 127.0.0.1:${6380 + c}`,
      });
    }
  }
  const regressionStarts = [100, 150, 180, 205, 225, 160, 160, 160];
  for (const start of regressionStarts) {
    Object.assign(pick(), { kind: 'regression', brokenFrom: start, cause: 'unknown', message: REGRESSION });
  }

  const outages = [30, 31, 77, 140, 190, runCount - 1];
  const runs: SimRun[] = [];
  let commit = 0;
  for (let r = 0; r < runCount; r++) {
    if (r === 0 || regressionStarts.includes(r) || rand() < 0.65) commit++;
    runs.push({
      index: r,
      runId: String(1000 + r),
      commit: `${commit.toString(16).padStart(8, '0')}${'f'.repeat(32)}`,
      startedAt: new Date(Date.UTC(2026, 0, 1) + r * 3_600_000).toISOString(),
      retries: rand() < 0.5,
      outage: outages.includes(r),
    });
  }

  const attempts: StoredAttempt[] = [];
  /** Per test, outcomes outside outages in time order: false = a failed attempt, true = a pass. */
  const timeline = new Map<string, { commit: string; passed: boolean }[]>();
  for (const run of runs) {
    const clusterEvent = [rand() < 0.06, rand() < 0.06];
    for (const test of tests) {
      let fails: (retry: number) => boolean;
      let message = test.message;
      if (run.outage && rand() < 0.85) {
        fails = (retry) => retry === 0 || rand() < 0.85;
        message = OUTAGE;
      } else if (test.kind === 'regression' && run.index >= test.brokenFrom!) {
        fails = () => true;
      } else if (test.kind === 'flaky') {
        fails = () => rand() < test.rate;
      } else if (test.kind === 'cluster') {
        fails = (retry) => (retry === 0 ? clusterEvent[test.cluster!]! : rand() < 0.3);
      } else {
        fails = () => false;
      }
      const slow = test.cause === 'timeout';
      let retry = 0;
      for (;;) {
        const failed = fails(retry);
        const status: AttemptStatus = failed ? 'failed' : 'passed';
        attempts.push({
          testId: test.testId,
          file: test.file,
          suite: test.suite,
          name: test.name,
          status,
          durationMs: failed && slow && message === test.message ? 5003 : test.durationMs,
          retry,
          ...(failed ? { message } : {}),
          runId: run.runId,
          commit: run.commit,
          attempt: 1,
          job: 'test',
          startedAt: run.startedAt,
          branch: 'main',
        });
        if (!run.outage) {
          const list = timeline.get(test.testId) ?? [];
          list.push({ commit: run.commit, passed: !failed });
          timeline.set(test.testId, list);
        }
        if (!failed || !run.retries || retry >= 1) break;
        retry++;
      }
    }
  }

  const flipped = new Set<string>();
  for (const test of tests) {
    if (test.kind === 'regression') continue;
    const list = timeline.get(test.testId) ?? [];
    const firstFailure = list.findIndex((o) => !o.passed);
    if (firstFailure === -1) continue;
    const passAfter = list.slice(firstFailure + 1).some((o) => o.passed);
    const sameCommit = list.some((o) => !o.passed && list.some((p) => p.passed && p.commit === o.commit));
    if (passAfter || sameCommit) flipped.add(test.testId);
  }
  return { tests, runs, attempts, flipped, outages };
}
