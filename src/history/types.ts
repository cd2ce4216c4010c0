import type { RunInfo, TestAttempt } from '../junit/types.ts';
import type { AttemptSource } from './rows.ts';

export interface StoredAttempt extends TestAttempt {
  runId: string;
  commit: string;
  branch?: string;
  /** CI re-run number of the job. */
  attempt: number;
  job?: string;
  startedAt?: string;
  /** The run's environment facts (os, node version, runner image), when the run recorded any. */
  environment?: Record<string, string>;
}

/** One test file's record over the most recent runs: what `select` orders a tier by. */
export interface FileStats {
  /** The file as the reports name it (repository- or package-relative). */
  file: string;
  /** Recent runs in which some test of the file ran. */
  runs: number;
  /** Of those, runs in which some attempt of the file failed (a failure a retry hid counts too). */
  failedRuns: number;
  /** Mean time per run of the file's first attempts, in ms. */
  meanMs: number;
}

export interface IngestResult {
  /** Attempts stored by this call; a report ingested twice stores nothing the second time. */
  inserted: number;
  duplicates: number;
}

/**
 * Test history, one interface for the embedded SQLite store and the shared PostgreSQL store: both give
 * identical answers to identical calls.
 */
export interface HistoryStore {
  /** Idempotent: the key is (runId, attempt, job, testId, retry). */
  ingest(run: RunInfo, attempts: AttemptSource): Promise<IngestResult>;
  /** Every attempt of the most recent `runs` runs (by startedAt, then runId), optionally one branch. */
  recentAttempts(options: { runs: number; branch?: string }): AsyncIterable<StoredAttempt>;
  runCount(options?: { branch?: string }): Promise<number>;
  /** Per test file aggregates over the most recent `runs` runs (chosen as `recentAttempts` chooses), by file. */
  fileStats(options: { runs: number; branch?: string }): Promise<FileStats[]>;
  /**
   * The same runs as recentAttempts, read in passes that never hold the window in memory: runs with
   * their counts, then the failures, then every attempt grouped by test. All reads of one window see
   * one snapshot of the history.
   */
  openWindow(options: { runs: number; branch?: string }): Promise<HistoryWindow>;
  close(): Promise<void>;
}

/** One run of a window (a CI run attempt of one job) that has attempts, as recentAttempts reads it. */
export interface WindowRun {
  /** The store's key of the run; attempts of the window name their run by it. */
  key: number;
  runId: string;
  attempt: number;
  job?: string;
  commit: string;
  branch?: string;
  startedAt: string;
  environment?: Record<string, string>;
  /** Attempts stored for the run, skipped ones included. */
  attempts: number;
  /** Tests with at least one attempt that was not skipped. */
  tests: number;
}

/** A failed or errored attempt, with its text. */
export interface WindowFailure {
  run: number;
  /** The store's key of the test. */
  test: number;
  message?: string;
  stack?: string;
  output?: string;
}

/** An attempt of a window; passing and skipped attempts carry no text (it is never evidence). */
export interface WindowAttempt extends TestAttempt {
  run: number;
  test: number;
}

/** A test of a window, as triage judges it: counts for a test that only passed, attempts for any other. */
export interface WindowTest {
  /** The store's key of the test. */
  test: number;
  testId: string;
  file: string;
  suite: string[];
  name: string;
  /** Attempts that were not skipped. */
  executed: number;
  /** Of those, attempts outside the runs named as outages. */
  counted: number;
  /**
   * Every attempt of the test, as attemptsByTest gives them, when one that was not skipped failed or was
   * a retry; absent for a test that only ever passed, once per run (most tests: nothing to diagnose).
   */
  attempts?: WindowAttempt[];
}

export interface HistoryWindow {
  readonly runs: readonly WindowRun[];
  failures(): AsyncIterable<WindowFailure>;
  /** Every attempt, those of one test together, tests in test id order (code points, as both stores sort). */
  attemptsByTest(): AsyncIterable<WindowAttempt>;
  /**
   * The tests of attemptsByTest, in its order, summed up by the store where a test only passed: far fewer
   * rows to read. Optional: without it, triage sums up attemptsByTest itself (see forEachWindowTest).
   */
  testsByTest?(outageRuns: readonly number[]): AsyncIterable<WindowTest>;
  close(): Promise<void>;
}
