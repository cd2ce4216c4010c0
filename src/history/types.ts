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
  close(): Promise<void>;
}
