import type { RunInfo, TestAttempt } from '../junit/types.ts';

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
  ingest(run: RunInfo, attempts: AsyncIterable<TestAttempt> | Iterable<TestAttempt>): Promise<IngestResult>;
  /** Every attempt of the most recent `runs` runs (by startedAt, then runId), optionally one branch. */
  recentAttempts(options: { runs: number; branch?: string }): AsyncIterable<StoredAttempt>;
  runCount(options?: { branch?: string }): Promise<number>;
  /** Per test file aggregates over the most recent `runs` runs (chosen as `recentAttempts` chooses), by file. */
  fileStats(options: { runs: number; branch?: string }): Promise<FileStats[]>;
  close(): Promise<void>;
}
