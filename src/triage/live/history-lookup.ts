import { existsSync } from 'node:fs';
import { openHistoryStore, sqliteHistoryPath } from '../../history/open.ts';
import { strongestLineCause } from '../causes.ts';

/** One test's record over the recent runs of the history. */
export interface TestRecord {
  /** Runs the test ran in (not skipped). */
  runs: number;
  /** Of those, runs with a failed attempt. */
  failedRuns: number;
  /** Of `runs`, those of the commit under test: failing on it alone is not flakiness but the change. */
  headRuns: number;
  /** Of `failedRuns`, those of the commit under test. */
  headFailedRuns: number;
  /** The cause the line rules give its last failure, when one matches. */
  lastCause?: string;
  /** Consecutive runs whose outcome differs (passed, then failed, or back): a flaky test flips often. */
  flips: number;
  /** The causes of its failures, oldest first, each once (the last three). */
  causes: string[];
}

/** The last three distinct causes are what a reader can take in at a glance. */
const CAUSES_KEPT = 3;

/**
 * Every test's record over the last `runs` runs of the history store (SQLite file or TESTLOOP_DATABASE_URL),
 * read once when a suite starts. An empty map where there is no history yet.
 */
export async function readTestRecords(options: {
  cwd: string;
  env: NodeJS.ProcessEnv;
  path?: string;
  runs: number;
  /** The commit under test, when known. */
  head?: string;
}): Promise<Map<string, TestRecord>> {
  const records = new Map<string, TestRecord>();
  const file = sqliteHistoryPath({ cwd: options.cwd, env: options.env, ...pathOption(options.path) });
  if (file !== undefined && !existsSync(file)) return records;
  const store = await openHistoryStore({
    cwd: options.cwd,
    env: options.env,
    readOnly: true,
    ...pathOption(options.path),
  });
  try {
    /** test id → the run it was last counted in, whether that run failed, and whether the one before did. */
    const seen = new Map<string, { run: string; failed: boolean; before?: boolean }>();
    for await (const attempt of store.recentAttempts({ runs: options.runs })) {
      if (attempt.status === 'skipped') continue;
      const record = records.get(attempt.testId) ?? {
        runs: 0,
        failedRuns: 0,
        headRuns: 0,
        headFailedRuns: 0,
        flips: 0,
        causes: [],
      };
      records.set(attempt.testId, record);
      const run = `${attempt.runId}\0${attempt.attempt}\0${attempt.job ?? ''}`;
      const atHead = options.head !== undefined && attempt.commit === options.head;
      let last = seen.get(attempt.testId);
      if (last?.run !== run) {
        // Attempts come run by run: the test's previous run is complete here.
        if (last) countFlip(record, last);
        last = { run, failed: false, ...(last ? { before: last.failed } : {}) };
        seen.set(attempt.testId, last);
        record.runs++;
        if (atHead) record.headRuns++;
      }
      if (attempt.status !== 'failed' && attempt.status !== 'error') continue;
      if (!last.failed) {
        record.failedRuns++;
        if (atHead) record.headFailedRuns++;
      }
      last.failed = true;
      const cause = strongestLineCause(attempt);
      if (cause !== undefined) {
        record.lastCause = cause;
        record.causes = [...record.causes.filter((c) => c !== cause), cause].slice(-CAUSES_KEPT);
      }
    }
    for (const [testId, last] of seen) countFlip(records.get(testId)!, last);
  } finally {
    await store.close();
  }
  return records;
}

function countFlip(record: TestRecord, run: { failed: boolean; before?: boolean }): void {
  if (run.before !== undefined && run.before !== run.failed) record.flips++;
}

function pathOption(path: string | undefined): { path?: string } {
  return path === undefined ? {} : { path };
}
