import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { TestloopError } from '../errors.ts';
import type { RunInfo, TestAttempt } from '../junit/types.ts';
import { migrateSqlite } from './migrations.ts';
import { AttemptMapper, type AttemptRow, attemptRow, type ReadRow, runLimit, runRow } from './rows.ts';
import type { FileStats, HistoryStore, IngestResult, StoredAttempt } from './types.ts';

export interface SqliteStoreOptions {
  /** Attempts per write transaction. */
  batchSize?: number;
  /** How long a writer waits for another process's write lock before failing. */
  busyTimeoutMs?: number;
}

/** Both stores select the same runs and order rows the same way; see postgres.ts. */
const RECENT_SQL = `
  WITH picked AS (
    SELECT run_id FROM runs
    WHERE @branch IS NULL OR branch = @branch
    GROUP BY run_id
    ORDER BY min(started_at) DESC, run_id DESC
    LIMIT @limit
  )
  SELECT r.id AS runKey, r.run_id, r.attempt, r.job, r."commit" AS "commit", r.branch, r.started_at,
         r.environment, t.test_id, t.file, t.suite, t.name, a.retry, a.status, a.duration_ms,
         a.message, a.stack, a.output
  FROM picked p
  JOIN runs r ON r.run_id = p.run_id AND (@branch IS NULL OR r.branch = @branch)
  JOIN attempts a ON a.run = r.id
  JOIN tests t ON t.id = a.test
  ORDER BY r.started_at, r.run_id, r.attempt, r.job, t.test_id, a.retry`;

/** Per file, then per run: whether any attempt failed, and the first attempts' time. */
const FILE_STATS_SQL = `
  WITH picked AS (
    SELECT run_id FROM runs
    WHERE @branch IS NULL OR branch = @branch
    GROUP BY run_id
    ORDER BY min(started_at) DESC, run_id DESC
    LIMIT @limit
  ), per_run AS (
    SELECT t.file AS file, r.run_id AS run_id,
           max(CASE WHEN a.status IN ('failed', 'error') THEN 1 ELSE 0 END) AS failed,
           sum(CASE WHEN a.retry = 0 THEN a.duration_ms ELSE 0 END) AS ms
    FROM picked p
    JOIN runs r ON r.run_id = p.run_id AND (@branch IS NULL OR r.branch = @branch)
    JOIN attempts a ON a.run = r.id
    JOIN tests t ON t.id = a.test
    WHERE t.file <> ''
    GROUP BY t.file, r.run_id
  )
  SELECT file, count(*) AS runs, sum(failed) AS failedRuns, avg(ms) AS meanMs
  FROM per_run GROUP BY file ORDER BY file`;

type SqliteRow = Omit<ReadRow, 'environment' | 'suite'> & { environment: string | null; suite: string };

/** SQLite's own errors become TESTLOOP_STORE; anything else (a reader's error, say) passes through. */
function storeError(path: string, error: unknown): unknown {
  if (!(error instanceof Database.SqliteError)) return error;
  const code = error.code;
  const hint =
    code === 'SQLITE_BUSY'
      ? 'another process held the write lock too long; retry, or raise busyTimeoutMs'
      : code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT'
        ? 'move the file away to start a new history, or set TESTLOOP_DATABASE_URL'
        : code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY'
          ? 'check that the directory exists and is writable'
          : 'see the cause';
  return new TestloopError('TESTLOOP_STORE', `history database ${path}: ${error.message} (${hint})`, {
    cause: error,
  });
}

/**
 * The embedded store: one SQLite file (WAL, synchronous=NORMAL), safe for several processes. Writes go
 * through prepared statements, one IMMEDIATE transaction per batch; reads stream with `iterate()` on
 * their own connection, so ingesting while a read is in progress works.
 */
export async function openSqliteStore(
  path = '.testloop/history.db',
  options: SqliteStoreOptions = {},
): Promise<HistoryStore> {
  const timeout = options.busyTimeoutMs ?? 30_000;
  let db: Database.Database | undefined;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { timeout });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrateSqlite(db, path);
    return new SqliteHistoryStore(db, path, timeout, options.batchSize ?? 10_000);
  } catch (error) {
    db?.close();
    throw storeError(path, error);
  }
}

class SqliteHistoryStore implements HistoryStore {
  readonly #db: Database.Database;
  readonly #path: string;
  readonly #timeout: number;
  readonly #batchSize: number;
  readonly #insertRun: Database.Statement;
  readonly #selectRun: Database.Statement;
  readonly #selectTest: Database.Statement;
  readonly #insertTest: Database.Statement;
  readonly #insertAttempt: Database.Statement;
  readonly #runCount: Database.Statement;
  readonly #storeRun: (run: ReturnType<typeof runRow>) => number;
  readonly #storeBatch: (runKey: number, batch: AttemptRow[], testKeys: Map<string, number>) => number;

  constructor(db: Database.Database, path: string, timeout: number, batchSize: number) {
    this.#db = db;
    this.#path = path;
    this.#timeout = timeout;
    this.#batchSize = batchSize;
    this.#insertRun = db.prepare(
      `INSERT INTO runs (run_id, attempt, job, "commit", branch, started_at, environment)
       VALUES (@runId, @attempt, @job, @commit, @branch, @startedAt, @environment)
       ON CONFLICT (run_id, attempt, job) DO NOTHING`,
    );
    this.#selectRun = db.prepare('SELECT id FROM runs WHERE run_id = ? AND attempt = ? AND job = ?').pluck();
    this.#selectTest = db.prepare('SELECT id FROM tests WHERE test_id = ?').pluck();
    this.#insertTest = db
      .prepare('INSERT INTO tests (test_id, file, suite, name) VALUES (?, ?, ?, ?) RETURNING id')
      .pluck();
    this.#insertAttempt = db.prepare(
      `INSERT INTO attempts (run, test, retry, status, duration_ms, message, stack, output)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run, test, retry) DO NOTHING`,
    );
    this.#runCount = db
      .prepare('SELECT count(DISTINCT run_id) FROM runs WHERE @branch IS NULL OR branch = @branch')
      .pluck();
    this.#storeRun = db.transaction((run) => {
      this.#insertRun.run(run);
      return this.#selectRun.get(run.runId, run.attempt, run.job) as number;
    }).immediate;
    this.#storeBatch = db.transaction(
      (runKey: number, batch: AttemptRow[], testKeys: Map<string, number>) => {
        let inserted = 0;
        for (const row of batch) {
          let testKey = testKeys.get(row.testId);
          if (testKey === undefined) {
            testKey =
              (this.#selectTest.get(row.testId) as number | undefined) ??
              (this.#insertTest.get(row.testId, row.file, row.suite, row.name) as number);
            testKeys.set(row.testId, testKey);
          }
          inserted += this.#insertAttempt.run(
            runKey,
            testKey,
            row.retry,
            row.status,
            row.durationMs,
            row.message,
            row.stack,
            row.output,
          ).changes;
        }
        return inserted;
      },
    ).immediate;
  }

  async ingest(
    run: RunInfo,
    attempts: AsyncIterable<TestAttempt> | Iterable<TestAttempt>,
  ): Promise<IngestResult> {
    try {
      const runKey = this.#storeRun(runRow(run));
      // Test keys of this report; a batch that fails aborts the whole call, so none outlives a rollback.
      const testKeys = new Map<string, number>();
      const result: IngestResult = { inserted: 0, duplicates: 0 };
      let batch: AttemptRow[] = [];
      const flush = () => {
        const inserted = this.#storeBatch(runKey, batch, testKeys);
        result.inserted += inserted;
        result.duplicates += batch.length - inserted;
        batch = [];
      };
      for await (const attempt of attempts) {
        batch.push(attemptRow(attempt));
        if (batch.length >= this.#batchSize) flush();
      }
      if (batch.length > 0) flush();
      return result;
    } catch (error) {
      throw storeError(this.#path, error);
    }
  }

  async *recentAttempts(options: { runs: number; branch?: string }): AsyncIterable<StoredAttempt> {
    const limit = runLimit(options.runs) ?? -1;
    const memory = this.#path === ':memory:';
    let reader: Database.Database | undefined;
    let rows: IterableIterator<SqliteRow> | undefined;
    try {
      reader = memory ? this.#db : new Database(this.#path, { readonly: true, timeout: this.#timeout });
      rows = reader
        .prepare(RECENT_SQL)
        .iterate({ branch: options.branch ?? null, limit }) as IterableIterator<SqliteRow>;
      const mapper = new AttemptMapper();
      let runKey: unknown;
      let environment: Record<string, string> | null = null;
      for (const row of rows) {
        if (row.runKey !== runKey) {
          runKey = row.runKey;
          environment = row.environment === null ? null : JSON.parse(row.environment);
        }
        yield mapper.map({ ...row, suite: JSON.parse(row.suite), environment });
      }
    } catch (error) {
      throw storeError(this.#path, error);
    } finally {
      // A consumer that stops early leaves the statement open: finish it before closing its connection.
      rows?.return?.();
      if (!memory) reader?.close();
    }
  }

  async runCount(options: { branch?: string } = {}): Promise<number> {
    return this.#runCount.get({ branch: options.branch ?? null }) as number;
  }

  async fileStats(options: { runs: number; branch?: string }): Promise<FileStats[]> {
    try {
      return this.#db
        .prepare(FILE_STATS_SQL)
        .all({ branch: options.branch ?? null, limit: runLimit(options.runs) ?? -1 }) as FileStats[];
    } catch (error) {
      throw storeError(this.#path, error);
    }
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
