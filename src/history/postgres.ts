import pg from 'pg';
import { TestloopError } from '../errors.ts';
import type { RunInfo } from '../junit/types.ts';
import { KeyCache, TEXT_CACHE, textHash } from './keys.ts';
import { migratePostgres } from './migrations.ts';
import { openPostgresWindow, PICKED_RUNS } from './postgres-window.ts';
import {
  AttemptMapper,
  type AttemptRow,
  type AttemptSource,
  attemptRowBatches,
  type ReadRow,
  type RunRow,
  runLimit,
  runRow,
} from './rows.ts';
import type { FileStats, HistoryStore, HistoryWindow, IngestResult, StoredAttempt } from './types.ts';

export interface PostgresStoreOptions {
  /** Schema for the tables (created when missing); the connection's search_path. */
  schema?: string;
  /** Connections this store opens at most. */
  poolSize?: number;
  /** Attempts per INSERT. */
  batchSize?: number;
}

/** The SQLite store's FILE_STATS_SQL. */
const FILE_STATS_SQL = `${PICKED_RUNS}, per_run AS (
    SELECT t.file AS file, r.run_id AS run_id,
           max(CASE WHEN a.status IN ('failed', 'error') THEN 1 ELSE 0 END) AS failed,
           sum(CASE WHEN a.retry = 0 THEN a.duration_ms ELSE 0 END) AS ms
    FROM picked p
    JOIN runs r ON r.run_id = p.run_id AND ($1::text IS NULL OR r.branch = $1)
    JOIN attempts a ON a.run = r.id
    JOIN tests t ON t.id = a.test
    WHERE t.file <> ''
    GROUP BY t.file, r.run_id
  )
  SELECT file COLLATE "C" AS file, count(*)::int AS runs, sum(failed)::int AS "failedRuns",
         avg(ms)::float8 AS "meanMs"
  FROM per_run GROUP BY file ORDER BY file COLLATE "C"`;

/** Same order as the SQLite store: COLLATE "C" columns sort as SQLite's BINARY does. */
const RECENT_SQL = `${PICKED_RUNS}
  SELECT r.id AS "runKey", r.run_id, r.attempt, r.job, r."commit", r.branch, r.started_at, r.environment,
         t.test_id, t.file, t.suite, t.name, a.retry, a.status, a.duration_ms,
         coalesce(a.message, m.body) AS message, coalesce(a.stack, s.body) AS stack,
         coalesce(a.output, o.body) AS output
  FROM picked p
  JOIN runs r ON r.run_id = p.run_id AND ($1::text IS NULL OR r.branch = $1)
  JOIN attempts a ON a.run = r.id
  JOIN tests t ON t.id = a.test
  LEFT JOIN texts m ON m.id = a.message_text
  LEFT JOIN texts s ON s.id = a.stack_text
  LEFT JOIN texts o ON o.id = a.output_text
  ORDER BY r.started_at, r.run_id, r.attempt, r.job, t.test_id, a.retry`;

/** Only tests not stored yet, in one order for every writer, so concurrent ingests cannot deadlock. */
const INSERT_TESTS = `
  INSERT INTO tests (test_id, file, suite, name)
  SELECT u.test_id, u.file, u.suite::jsonb, u.name
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u (test_id, file, suite, name)
  WHERE NOT EXISTS (SELECT 1 FROM tests t WHERE t.test_id = u.test_id)
  ORDER BY u.test_id COLLATE "C"
  ON CONFLICT (test_id) DO NOTHING`;

const INSERT_ATTEMPTS = `
  INSERT INTO attempts (run, test, retry, status, duration_ms, message_text, stack_text, output_text)
  SELECT $1, t.id, u.retry, u.status, u.duration_ms, u.message_text, u.stack_text, u.output_text
  FROM unnest($2::text[], $3::int[], $4::text[], $5::float8[], $6::int8[], $7::int8[], $8::int8[])
    AS u (test_id, retry, status, duration_ms, message_text, stack_text, output_text)
  JOIN tests t ON t.test_id = u.test_id
  ORDER BY t.id, u.retry
  ON CONFLICT (run, test, retry) DO NOTHING`;

/** Texts not stored yet, in one order for every writer (see INSERT_TESTS). */
const INSERT_TEXTS = `
  INSERT INTO texts (hash, body)
  SELECT u.hash, u.body FROM unnest($1::bytea[], $2::text[]) AS u (hash, body)
  WHERE NOT EXISTS (SELECT 1 FROM texts t WHERE t.hash = u.hash)
  ORDER BY u.hash
  ON CONFLICT (hash) DO NOTHING`;

const FETCH_ROWS = 2_000;

type PgRow = Omit<ReadRow, 'started_at'> & { started_at: Date };

/** The URL without its password, for messages. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'TESTLOOP_DATABASE_URL';
  }
}

/** Errors of a database call (server, connection, driver) become TESTLOOP_STORE. */
export function storeError(where: string, error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof TestloopError) return error;
  const hint =
    error instanceof pg.DatabaseError
      ? `PostgreSQL error ${error.code}`
      : 'check TESTLOOP_DATABASE_URL and that the server is reachable';
  return new TestloopError('TESTLOOP_STORE', `history database ${where}: ${error.message} (${hint})`, {
    cause: error,
  });
}

/** Deadlock and serialization failures are retried: every write here is idempotent. */
async function retrying<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= 5 || (code !== '40P01' && code !== '40001')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt * Math.random()));
    }
  }
}

/**
 * The shared store: PostgreSQL, for many CI jobs writing at once. Each batch is one multi-row INSERT
 * from arrays (`unnest`), so a batch is one round trip and one transaction; reads stream through a
 * server-side cursor in a read-only snapshot.
 */
export async function openPostgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<HistoryStore> {
  const where = redactUrl(url) + (options.schema ? ` (schema ${options.schema})` : '');
  if (options.schema !== undefined && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(options.schema)) {
    throw new TestloopError(
      'TESTLOOP_STORE',
      `schema ${JSON.stringify(options.schema)} is not a plain identifier`,
    );
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 4,
    application_name: 'testloop',
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // An idle connection the server drops must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    try {
      await migratePostgres(client, where, options.schema);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw storeError(where, error);
  }
  return new PostgresHistoryStore(pool, where, options.batchSize ?? 5_000);
}

class PostgresHistoryStore implements HistoryStore {
  readonly #pool: pg.Pool;
  readonly #where: string;
  readonly #batchSize: number;

  constructor(pool: pg.Pool, where: string, batchSize: number) {
    this.#pool = pool;
    this.#where = where;
    this.#batchSize = batchSize;
  }

  async ingest(run: RunInfo, attempts: AttemptSource): Promise<IngestResult> {
    const row = runRow(run);
    let broken = false;
    // Only database calls are wrapped: an error of the attempts' reader reaches the caller unchanged.
    const database = async <T>(work: () => Promise<T>): Promise<T> => {
      try {
        return await work();
      } catch (error) {
        broken = true;
        throw storeError(this.#where, error);
      }
    };
    const client = await database(() => this.#pool.connect());
    try {
      const runKey = await database(() => storeRun(client, row));
      const result: IngestResult = { inserted: 0, duplicates: 0 };
      // Text keys stay valid once looked up: every statement commits, and texts are never deleted.
      const texts = new KeyCache<string>(TEXT_CACHE.entries, TEXT_CACHE.chars);
      for await (const batch of attemptRowBatches(attempts, this.#batchSize)) {
        await database(() => storeBatch(client, runKey, batch, result, texts));
      }
      return result;
    } finally {
      // Every statement here commits on its own, so only a failed call can leave the connection unusable.
      client.release(broken);
    }
  }

  async *recentAttempts(options: { runs: number; branch?: string }): AsyncIterable<StoredAttempt> {
    const limit = runLimit(options.runs);
    let client: pg.PoolClient | undefined;
    let finished = false;
    try {
      client = await this.#pool.connect();
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query(`DECLARE testloop_recent NO SCROLL CURSOR FOR ${RECENT_SQL}`, [
        options.branch ?? null,
        limit,
      ]);
      const mapper = new AttemptMapper();
      for (;;) {
        const { rows } = await client.query<PgRow>(`FETCH ${FETCH_ROWS} FROM testloop_recent`);
        for (const row of rows) yield mapper.map({ ...row, started_at: row.started_at.toISOString() });
        if (rows.length < FETCH_ROWS) break;
      }
      await client.query('COMMIT');
      finished = true;
    } catch (error) {
      throw storeError(this.#where, error);
    } finally {
      // A consumer that stops early (or an error) leaves the cursor's transaction open: end it.
      let healthy = finished;
      if (client && !finished)
        healthy = await client.query('ROLLBACK').then(
          () => true,
          () => false,
        );
      client?.release(!healthy);
    }
  }

  async openWindow(options: { runs: number; branch?: string }): Promise<HistoryWindow> {
    const limit = runLimit(options.runs);
    let client: pg.PoolClient | undefined;
    try {
      client = await this.#pool.connect();
      return await openPostgresWindow(client, { branch: options.branch ?? null, limit }, (error) =>
        storeError(this.#where, error),
      );
    } catch (error) {
      client?.release(true);
      throw storeError(this.#where, error);
    }
  }

  async runCount(options: { branch?: string } = {}): Promise<number> {
    try {
      const { rows } = await this.#pool.query<{ n: number }>(
        'SELECT count(DISTINCT run_id)::int AS n FROM runs WHERE $1::text IS NULL OR branch = $1',
        [options.branch ?? null],
      );
      return rows[0]?.n ?? 0;
    } catch (error) {
      throw storeError(this.#where, error);
    }
  }

  async fileStats(options: { runs: number; branch?: string }): Promise<FileStats[]> {
    try {
      const { rows } = await this.#pool.query<FileStats>(FILE_STATS_SQL, [
        options.branch ?? null,
        runLimit(options.runs),
      ]);
      return rows;
    } catch (error) {
      throw storeError(this.#where, error);
    }
  }

  async close(): Promise<void> {
    if (!this.#pool.ended) await this.#pool.end();
  }
}

async function storeRun(client: pg.PoolClient, run: RunRow): Promise<string> {
  const inserted = await retrying(() =>
    client.query<{ id: string }>(
      `INSERT INTO runs (run_id, attempt, job, "commit", branch, started_at, environment)
       VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7::jsonb)
       ON CONFLICT (run_id, attempt, job) DO NOTHING RETURNING id`,
      [run.runId, run.attempt, run.job, run.commit, run.branch, run.startedAt, run.environment],
    ),
  );
  if (inserted.rows[0]) return inserted.rows[0].id;
  // Stored before, perhaps by a writer that committed after this statement began: a new statement sees it.
  const existing = await client.query<{ id: string }>(
    'SELECT id FROM runs WHERE run_id = $1 AND attempt = $2 AND job = $3',
    [run.runId, run.attempt, run.job],
  );
  return existing.rows[0]!.id;
}

async function storeBatch(
  client: pg.PoolClient,
  runKey: string,
  batch: AttemptRow[],
  result: IngestResult,
  texts: KeyCache<string>,
) {
  const tests = new Map<string, AttemptRow>();
  for (const row of batch) if (!tests.has(row.testId)) tests.set(row.testId, row);
  const testRows = [...tests.values()];
  // The tests commit first (their own statement), so the attempts' join sees every one of them.
  await retrying(() =>
    client.query(INSERT_TESTS, [
      testRows.map((row) => row.testId),
      testRows.map((row) => row.file),
      testRows.map((row) => row.suite),
      testRows.map((row) => row.name),
    ]),
  );
  const textKeys = await storeTexts(client, batch, texts);
  const key = (text: string | null) => (text === null ? null : textKeys.get(text)!);
  const stored = await retrying(() =>
    client.query(INSERT_ATTEMPTS, [
      runKey,
      batch.map((row) => row.testId),
      batch.map((row) => row.retry),
      batch.map((row) => row.status),
      batch.map((row) => row.durationMs),
      batch.map((row) => key(row.message)),
      batch.map((row) => key(row.stack)),
      batch.map((row) => key(row.output)),
    ]),
  );
  const inserted = stored.rowCount ?? 0;
  result.inserted += inserted;
  result.duplicates += batch.length - inserted;
}

/** Keys of the batch's texts, storing the new ones; in the batch's own map, as the cache may drop keys. */
async function storeTexts(
  client: pg.PoolClient,
  batch: readonly AttemptRow[],
  cache: KeyCache<string>,
): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  const unknown = new Map<string, Buffer>();
  for (const row of batch) {
    for (const text of [row.message, row.stack, row.output]) {
      if (text === null || keys.has(text) || unknown.has(text)) continue;
      const key = cache.get(text);
      if (key === undefined) unknown.set(text, textHash(text));
      else keys.set(text, key);
    }
  }
  if (unknown.size === 0) return keys;
  const bodies = [...unknown.keys()];
  const hashes = [...unknown.values()];
  await retrying(() => client.query(INSERT_TEXTS, [hashes, bodies]));
  const { rows } = await client.query<{ id: string; hash: Buffer }>(
    'SELECT id, hash FROM texts WHERE hash = ANY($1::bytea[])',
    [hashes],
  );
  const byHash = new Map(rows.map((row) => [row.hash.toString('hex'), row.id]));
  bodies.forEach((body, i) => {
    const id = byHash.get(hashes[i]!.toString('hex'))!;
    keys.set(body, id);
    cache.set(body, id);
  });
  return keys;
}
