import type pg from 'pg';
import { TextReader, type WindowRow, windowRun } from './rows.ts';
import type { HistoryWindow, WindowAttempt, WindowFailure } from './types.ts';
import { FAILED, LOUD, TEXT_COLUMNS } from './window-sql.ts';
import { type LoudAttempt, mergeWindowTests, type TestSummary } from './window-tests.ts';

/** The window's runs: same selection as the SQLite store. */
export const PICKED_RUNS = `
  WITH picked AS (
    SELECT run_id FROM runs
    WHERE $1::text IS NULL OR branch = $1
    GROUP BY run_id
    ORDER BY min(started_at) DESC, run_id DESC
    LIMIT $2
  )`;

const RUNS_SQL = `${PICKED_RUNS}
  SELECT r.id AS key, r.run_id, r.attempt, r.job, r."commit", r.branch, r.started_at, r.environment,
         (SELECT count(*) FROM attempts a WHERE a.run = r.id) AS attempts,
         (SELECT count(DISTINCT a.test) FROM attempts a WHERE a.run = r.id AND a.status <> 'skipped') AS tests
  FROM picked p
  JOIN runs r ON r.run_id = p.run_id AND ($1::text IS NULL OR r.branch = $1)
  ORDER BY r.started_at, r.run_id, r.attempt, r.job`;

const FAILURES_SQL = `
  SELECT a.run, a.test, ${TEXT_COLUMNS}
  FROM attempts a
  WHERE a.run = ANY($1::int8[]) AND ${FAILED}`;

/** test_id is COLLATE "C": tests come in the byte order SQLite's BINARY gives. */
const BY_TEST_SQL = `
  SELECT a.run, t.id, t.test_id, t.file, t.suite, t.name, a.retry, a.status, a.duration_ms, ${TEXT_COLUMNS}
  FROM attempts a
  JOIN tests t ON t.id = a.test
  WHERE a.run = ANY($1::int8[])
  ORDER BY t.test_id`;

/** One row per test of the window, in test_id order: see the SQLite store's SUMMARY_SQL. */
const SUMMARY_SQL = `
  SELECT t.id, t.test_id, t.file, t.suite, t.name, s.executed, s.counted, s.loud
  FROM (
    SELECT a.test,
           count(*) FILTER (WHERE a.status <> 'skipped') AS executed,
           count(*) FILTER (WHERE a.status <> 'skipped' AND a.run <> ALL($2::int8[])) AS counted,
           bool_or(${LOUD}) AS loud
    FROM attempts a
    WHERE a.run = ANY($1::int8[])
    GROUP BY a.test
  ) s JOIN tests t ON t.id = s.test
  ORDER BY t.test_id`;

/** BY_TEST_SQL for the tests SUMMARY_SQL calls loud only. */
const LOUD_BY_TEST_SQL = `
  SELECT a.run, a.test, a.retry, a.status, a.duration_ms, ${TEXT_COLUMNS}
  FROM attempts a
  JOIN tests t ON t.id = a.test
  WHERE a.run = ANY($1::int8[])
    AND a.test IN (SELECT a.test FROM attempts a WHERE a.run = ANY($1::int8[]) AND ${LOUD})
  ORDER BY t.test_id`;

const FETCH_ROWS = 2_000;

type PgWindowRow = Omit<WindowRow, 'started_at'> & { started_at: Date };

/**
 * A window on `client`, in one read-only REPEATABLE READ transaction so every pass sees the same
 * snapshot; each pass streams through its own server-side cursor. Closing releases the client.
 */
export async function openPostgresWindow(
  client: pg.PoolClient,
  params: { branch: string | null; limit: number | null },
  storeError: (error: unknown) => unknown,
): Promise<HistoryWindow> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  const { rows } = await client.query<PgWindowRow>(RUNS_SQL, [params.branch, params.limit]);
  const runs = rows
    .filter((row) => Number(row.attempts) > 0)
    .map((row) => windowRun({ ...row, started_at: row.started_at.toISOString() }));
  const keys = runs.map((run) => run.key);
  let cursors = 0;
  let broken = false;
  const texts = new TextReader();
  const fetchTexts = async (ids: number[]) => {
    const { rows } = await client.query<{ id: string; body: string }>(
      'SELECT id, body FROM texts WHERE id = ANY($1::int8[])',
      [ids],
    );
    return new Map(rows.map((row) => [Number(row.id), row.body]));
  };
  /** Streams `sql` through a cursor; `at` is where the text columns of its rows start (-1: none). */
  const read = async function* <T>(
    sql: string,
    at: number,
    map: (row: unknown[]) => T,
    params: unknown[] = [keys],
  ): AsyncGenerator<T> {
    const cursor = `testloop_window_${++cursors}`;
    let open = false;
    try {
      await client.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`, params);
      open = true;
      for (;;) {
        const { rows } = await client.query<unknown[]>({
          text: `FETCH ${FETCH_ROWS} FROM ${cursor}`,
          rowMode: 'array',
        });
        if (at >= 0) await texts.load(rows, at, fetchTexts);
        for (const row of rows) yield map(row);
        if (rows.length < FETCH_ROWS) break;
      }
    } catch (error) {
      broken = true;
      throw storeError(error);
    } finally {
      if (open && !broken) await client.query(`CLOSE ${cursor}`).catch(() => (broken = true));
    }
  };
  return {
    runs,
    failures: () => read(FAILURES_SQL, 2, (row) => failureOf(texts, row)),
    attemptsByTest: () => read(BY_TEST_SQL, 9, (row) => attemptOf(texts, row)),
    testsByTest: (outageRuns) =>
      mergeWindowTests(
        read(SUMMARY_SQL, -1, summaryOf, [keys, outageRuns]),
        read(LOUD_BY_TEST_SQL, 5, (row) => loudAttemptOf(texts, row)),
      ),
    async close() {
      if (!broken)
        broken = await client.query('COMMIT').then(
          () => false,
          () => true,
        );
      client.release(broken);
    },
  };
}

function failureOf(texts: TextReader, row: unknown[]): WindowFailure {
  const failure: WindowFailure = { run: Number(row[0]), test: Number(row[1]) };
  texts.fill(failure, row, 2);
  return failure;
}

function attemptOf(texts: TextReader, row: unknown[]): WindowAttempt {
  const attempt: WindowAttempt = {
    run: Number(row[0]),
    test: Number(row[1]),
    testId: row[2] as string,
    file: row[3] as string,
    suite: row[4] as string[],
    name: row[5] as string,
    retry: row[6] as number,
    status: row[7] as WindowAttempt['status'],
    durationMs: row[8] as number,
  };
  texts.fill(attempt, row, 9);
  return attempt;
}

function summaryOf(row: unknown[]): TestSummary {
  return {
    test: Number(row[0]),
    testId: row[1] as string,
    file: row[2] as string,
    suite: row[3] as string[],
    name: row[4] as string,
    executed: Number(row[5]),
    counted: Number(row[6]),
    loud: row[7] === true,
  };
}

function loudAttemptOf(texts: TextReader, row: unknown[]): LoudAttempt {
  const attempt: LoudAttempt = {
    run: Number(row[0]),
    test: Number(row[1]),
    retry: row[2] as number,
    status: row[3] as LoudAttempt['status'],
    durationMs: row[4] as number,
  };
  texts.fill(attempt, row, 5);
  return attempt;
}
