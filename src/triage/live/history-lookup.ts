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
}

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
    /** test id → the run it was last counted in, and whether that run's failure is counted yet. */
    const seen = new Map<string, { run: string; failed: boolean }>();
    for await (const attempt of store.recentAttempts({ runs: options.runs })) {
      if (attempt.status === 'skipped') continue;
      const record = records.get(attempt.testId) ?? {
        runs: 0,
        failedRuns: 0,
        headRuns: 0,
        headFailedRuns: 0,
      };
      records.set(attempt.testId, record);
      const run = `${attempt.runId}\0${attempt.attempt}\0${attempt.job ?? ''}`;
      const atHead = options.head !== undefined && attempt.commit === options.head;
      let last = seen.get(attempt.testId);
      if (last?.run !== run) {
        last = { run, failed: false };
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
      if (cause !== undefined) record.lastCause = cause;
    }
  } finally {
    await store.close();
  }
  return records;
}

function pathOption(path: string | undefined): { path?: string } {
  return path === undefined ? {} : { path };
}
