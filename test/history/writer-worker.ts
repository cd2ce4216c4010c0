import { parentPort, workerData } from 'node:worker_threads';
import { openPostgresStore } from '../../src/history/postgres.ts';
import { openSqliteStore } from '../../src/history/sqlite.ts';
import type { RunInfo, TestAttempt } from '../../src/junit/types.ts';

/** The location of one store, enough for another thread to open it. */
export type StoreTarget =
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; url: string; schema: string };

export interface WriterJob {
  target: StoreTarget;
  /** Absent: only open the store (migrations), ingest nothing. */
  report?: { run: RunInfo; attempts: TestAttempt[] };
}

/**
 * A writer in its own thread with its own connection: it loads, reports ready, waits for `go` so that all
 * writers start together, then opens the store and ingests. Bundled by concurrency.ts.
 */
const job = workerData as WriterJob;
parentPort!.postMessage({ ready: true });
parentPort!.once('message', async () => {
  try {
    const store =
      job.target.kind === 'sqlite'
        ? await openSqliteStore(job.target.path)
        : await openPostgresStore(job.target.url, { schema: job.target.schema, poolSize: 1 });
    const result = job.report ? await store.ingest(job.report.run, job.report.attempts) : undefined;
    await store.close();
    parentPort!.postMessage({ result });
  } catch (error) {
    const { message, code } = error as { message: string; code?: string };
    parentPort!.postMessage({ error: { message, code } });
  }
});
