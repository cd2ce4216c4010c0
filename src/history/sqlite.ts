import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { RunInfo } from '../junit/types.ts';
import { KeyCache, TEXT_CACHE, textHash } from './keys.ts';
import { migrateSqlite } from './migrations.ts';
import {
  AttemptMapper,
  type AttemptRow,
  type AttemptSource,
  attemptRowBatches,
  type ReadRow,
  runLimit,
  runRow,
} from './rows.ts';
import { openSqliteWindow, PICKED_RUNS, storeError } from './sqlite-window.ts';
import type { FileStats, HistoryStore, HistoryWindow, IngestResult, StoredAttempt } from './types.ts';

export interface SqliteStoreOptions {
  /** Attempts per write transaction. */
  batchSize?: number;
  /** How long a writer waits for another process's write lock before failing. */
  busyTimeoutMs?: number;
}

/** Both stores select the same runs and order rows the same way; see postgres.ts. */
const RECENT_SQL = `${PICKED_RUNS}
  SELECT r.id AS runKey, r.run_id, r.attempt, r.job, r."commit" AS "commit", r.branch, r.started_at,
         r.environment, t.test_id, t.file, t.suite, t.name, a.retry, a.status, a.duration_ms,
         coalesce(a.message, m.body) AS message, coalesce(a.stack, s.body) AS stack,
         coalesce(a.output, o.body) AS output
  FROM picked p
  JOIN runs r ON r.run_id = p.run_id AND (@branch IS NULL OR r.branch = @branch)
  JOIN attempts a ON a.run = r.id
  JOIN tests t ON t.id = a.test
  LEFT JOIN texts m ON m.id = a.message_text
  LEFT JOIN texts s ON s.id = a.stack_text
  LEFT JOIN texts o ON o.id = a.output_text
  ORDER BY r.started_at, r.run_id, r.attempt, r.job, t.test_id, a.retry`;

/** Per file, then per run: whether any attempt failed, and the first attempts' time. */
const FILE_STATS_SQL = `${PICKED_RUNS}, per_run AS (
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

/**
 * The embedded store: one SQLite file (WAL, synchronous=NORMAL), safe for several processes. Writes go
 * through prepared multi-row statements, one IMMEDIATE transaction per batch; reads stream with
 * `iterate()` on their own connection, so ingesting while a read is in progress works.
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
    enterWalMode(db, timeout);
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // The test_id index of a history with millions of tests outgrows SQLite's default 8 MiB page cache,
    // and every insert then rereads its pages from the OS; 64 MiB keeps the hot part in memory.
    db.pragma('cache_size = -65536');
    migrateSqlite(db, path);
    return new SqliteHistoryStore(db, path, timeout, options.batchSize ?? 10_000);
  } catch (error) {
    db?.close();
    throw storeError(path, error);
  }
}

/**
 * Switching a new file to WAL needs a moment of exclusive access, and SQLite answers SQLITE_BUSY at once
 * rather than through the busy timeout when several processes open the same new history together (CI
 * jobs sharing a workspace): retry for as long as the timeout allows.
 */
function enterWalMode(db: Database.Database, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 5; ; wait = Math.min(wait * 2, 200)) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      const busy = error instanceof Database.SqliteError && error.code.startsWith('SQLITE_BUSY');
      if (!busy || Date.now() + wait > deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, wait);
    }
  }
}

/** Test keys a store keeps across batches (see #knownTests): a few hundred bytes each with the id. */
const KNOWN_TESTS = 50_000;

/** Rows per multi-row statement: 8 parameters a row stays far below SQLite's 32,766. */
const ROWS_PER_STATEMENT = 200;

class SqliteHistoryStore implements HistoryStore {
  readonly #db: Database.Database;
  readonly #path: string;
  readonly #timeout: number;
  readonly #batchSize: number;
  readonly #insertRun: Database.Statement;
  readonly #selectRun: Database.Statement;
  readonly #selectText: Database.Statement;
  readonly #insertText: Database.Statement;
  readonly #runCount: Database.Statement;
  /** Multi-row statements by kind and row count. */
  readonly #statements = new Map<string, Database.Statement>();
  readonly #storeRun: (run: ReturnType<typeof runRow>) => number;
  readonly #storeBatch: (
    runKey: number,
    batch: AttemptRow[],
    keys: IngestKeys,
  ) => { inserted: number; looked: Map<string, number> };
  readonly #anyTest: Database.Statement;
  /**
   * Keys of committed tests, kept across batches and calls: a history is the same tests run after run, so
   * a process that ingests several runs looks each one up once. Tests are never deleted, so a committed
   * key stays right; bounded, and started over when full (a single run of millions of distinct tests).
   */
  readonly #knownTests = new Map<string, number>();
  /** Whether the tests of the last batch were mostly stored already: then looking up first is cheaper. */
  #mostlyStored: boolean | undefined;

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
    this.#selectText = db.prepare('SELECT id FROM texts WHERE hash = ?').pluck();
    this.#insertText = db.prepare('INSERT INTO texts (hash, body) VALUES (?, ?) RETURNING id').pluck();
    this.#runCount = db
      .prepare('SELECT count(DISTINCT run_id) FROM runs WHERE @branch IS NULL OR branch = @branch')
      .pluck();
    this.#storeRun = db.transaction((run) => {
      this.#insertRun.run(run);
      return this.#selectRun.get(run.runId, run.attempt, run.job) as number;
    }).immediate;
    this.#storeBatch = db.transaction((runKey: number, batch: AttemptRow[], keys: IngestKeys) => {
      const { tests, looked } = this.#testKeys(batch);
      const values: unknown[] = [];
      for (const row of batch) {
        values.push(
          runKey,
          tests.get(row.testId),
          row.retry,
          row.status,
          row.durationMs,
          this.#textKey(row.message, keys.texts),
          this.#textKey(row.stack, keys.texts),
          this.#textKey(row.output, keys.texts),
        );
      }
      let inserted = 0;
      this.#chunks('attempts', values, 8, (statement, params) => {
        inserted += statement.run(params).changes;
      });
      return { inserted, looked };
    }).immediate;
    this.#anyTest = db.prepare('SELECT EXISTS (SELECT 1 FROM tests)').pluck();
  }

  /** A multi-row statement for `rows` rows, prepared once per size. */
  #statement(kind: 'attempts' | 'select-tests' | 'insert-tests', rows: number): Database.Statement {
    const name = `${kind}:${rows}`;
    let statement = this.#statements.get(name);
    if (statement) return statement;
    const list = (row: string) => Array.from({ length: rows }, () => row).join(', ');
    statement =
      kind === 'attempts'
        ? this.#db.prepare(
            `INSERT INTO attempts (run, test, retry, status, duration_ms, message_text, stack_text, output_text)
             VALUES ${list('(?, ?, ?, ?, ?, ?, ?, ?)')} ON CONFLICT (run, test, retry) DO NOTHING`,
          )
        : kind === 'select-tests'
          ? this.#db.prepare(`SELECT id, test_id FROM tests WHERE test_id IN (${list('?')})`).raw()
          : this.#db
              .prepare(
                `INSERT INTO tests (test_id, file, suite, name) VALUES ${list('(?, ?, ?, ?)')}
                 ON CONFLICT (test_id) DO NOTHING RETURNING id, test_id`,
              )
              .raw();
    this.#statements.set(name, statement);
    return statement;
  }

  /** Runs `use` over `values` (rows of `width` values) in statements of up to ROWS_PER_STATEMENT rows. */
  #chunks(
    kind: 'attempts' | 'select-tests' | 'insert-tests',
    values: unknown[],
    width: number,
    use: (statement: Database.Statement, params: unknown[]) => void,
  ): void {
    const step = ROWS_PER_STATEMENT * width;
    for (let at = 0; at < values.length; at += step) {
      const params = values.slice(at, at + step);
      use(this.#statement(kind, params.length / width), params);
    }
  }

  /**
   * Keys of the batch's tests, storing the new ones. A run of a known history names tests stored before:
   * they are looked up first. A new history's tests are inserted first, which costs a stored test one index
   * probe, as a lookup would, and a new one no lookup.
   */
  #testKeys(batch: readonly AttemptRow[]): { tests: Map<string, number>; looked: Map<string, number> } {
    const keys = new Map<string, number>();
    /** The keys read or stored by this call, not known before. */
    const looked = new Map<string, number>();
    const unknown = new Map<string, AttemptRow>();
    for (const row of batch) {
      const known = this.#knownTests.get(row.testId);
      if (known !== undefined) keys.set(row.testId, known);
      else if (!unknown.has(row.testId)) unknown.set(row.testId, row);
    }
    if (unknown.size === 0) return { tests: keys, looked };
    const asked = unknown.size;
    let inserted = 0;
    const found = (rows: unknown[][]) => {
      for (const [id, testId] of rows as [number, string][]) {
        keys.set(testId, id);
        looked.set(testId, id);
        unknown.delete(testId);
      }
    };
    const select = () => {
      this.#chunks('select-tests', [...unknown.keys()], 1, (statement, params) => {
        found(statement.all(params) as unknown[][]);
      });
    };
    this.#mostlyStored ??= this.#anyTest.get() === 1;
    if (this.#mostlyStored) select();
    if (unknown.size > 0) {
      const fresh: unknown[] = [];
      for (const row of unknown.values()) fresh.push(row.testId, row.file, row.suite, row.name);
      this.#chunks('insert-tests', fresh, 4, (statement, params) => {
        const rows = statement.all(params) as unknown[][];
        inserted += rows.length;
        found(rows);
      });
      // Stored before (when not looked up first) or by another process since the lookup.
      if (unknown.size > 0) select();
    }
    this.#mostlyStored = (asked - inserted) * 2 >= asked;
    return { tests: keys, looked };
  }

  /**
   * Called once the batch that looked these keys up has committed: they are safe to reuse. Only while
   * batches name tests stored before: keys of a report of new tests would never be asked for again, and
   * each would keep alive the whole read chunk its test id was cut from.
   */
  #remember(tests: Map<string, number>): void {
    if (!this.#mostlyStored) return;
    for (const [testId, key] of tests) {
      if (this.#knownTests.size >= KNOWN_TESTS) this.#knownTests.clear();
      this.#knownTests.set(testId, key);
    }
  }

  #textKey(text: string | null, cache: KeyCache<number>): number | null {
    if (text === null) return null;
    let key = cache.get(text);
    if (key === undefined) {
      const hash = textHash(text);
      key =
        (this.#selectText.get(hash) as number | undefined) ?? (this.#insertText.get(hash, text) as number);
      cache.set(text, key);
    }
    return key;
  }

  async ingest(run: RunInfo, attempts: AttemptSource): Promise<IngestResult> {
    try {
      const runKey = this.#storeRun(runRow(run));
      // Keys of this call; a batch that fails aborts the whole call, so none outlives a rollback.
      const keys: IngestKeys = { texts: new KeyCache(TEXT_CACHE.entries, TEXT_CACHE.chars) };
      const result: IngestResult = { inserted: 0, duplicates: 0 };
      for await (const batch of attemptRowBatches(attempts, this.#batchSize)) {
        const { inserted, looked } = this.#storeBatch(runKey, batch, keys);
        this.#remember(looked);
        result.inserted += inserted;
        result.duplicates += batch.length - inserted;
      }
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
      reader = memory ? this.#db : this.#reader();
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

  async openWindow(options: { runs: number; branch?: string }): Promise<HistoryWindow> {
    const limit = runLimit(options.runs) ?? -1;
    const memory = this.#path === ':memory:';
    try {
      return openSqliteWindow(memory ? this.#db : this.#reader(), this.#path, !memory, {
        branch: options.branch ?? null,
        limit,
      });
    } catch (error) {
      throw storeError(this.#path, error);
    }
  }

  #reader(): Database.Database {
    return new Database(this.#path, { readonly: true, timeout: this.#timeout });
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

interface IngestKeys {
  texts: KeyCache<number>;
}
