import type pg from 'pg';
import { type WindowRow, windowRun } from './rows.ts';
import type { HistoryWindow, WindowAttempt, WindowFailure, WindowTest } from './types.ts';

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

const FAILED = "a.status IN ('failed', 'error')";

const FAILURES_SQL = `
  SELECT a.run, a.test, coalesce(a.message, m.body), coalesce(a.stack, s.body), coalesce(a.output, o.body)
  FROM attempts a
  LEFT JOIN texts m ON m.id = a.message_text
  LEFT JOIN texts s ON s.id = a.stack_text
  LEFT JOIN texts o ON o.id = a.output_text
  WHERE a.run = ANY($1::int8[]) AND ${FAILED}`;

/** test_id is COLLATE "C": tests come in the byte order SQLite's BINARY gives. */
const BY_TEST_SQL = `
  SELECT a.run, t.id, t.test_id, t.file, t.suite, t.name, a.retry, a.status, a.duration_ms,
         CASE WHEN ${FAILED} THEN coalesce(a.message, m.body) END,
         CASE WHEN ${FAILED} THEN coalesce(a.stack, s.body) END,
         CASE WHEN ${FAILED} THEN coalesce(a.output, o.body) END
  FROM attempts a
  JOIN tests t ON t.id = a.test
  LEFT JOIN texts m ON m.id = a.message_text AND ${FAILED}
  LEFT JOIN texts s ON s.id = a.stack_text AND ${FAILED}
  LEFT JOIN texts o ON o.id = a.output_text AND ${FAILED}
  WHERE a.run = ANY($1::int8[])
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
  const read = async function* <T>(sql: string, map: (row: unknown[]) => T): AsyncGenerator<T> {
    const cursor = `testloop_window_${++cursors}`;
    let open = false;
    try {
      await client.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`, [keys]);
      open = true;
      for (;;) {
        const { rows } = await client.query<unknown[]>({
          text: `FETCH ${FETCH_ROWS} FROM ${cursor}`,
          rowMode: 'array',
        });
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
  const text = (value: unknown): string | undefined => (value === null ? undefined : (value as string));
  return {
    runs,
    failures: () =>
      read(FAILURES_SQL, (row): WindowFailure => {
        const failure: WindowFailure = { run: Number(row[0]), test: Number(row[1]) };
        if (row[2] !== null) failure.message = text(row[2])!;
        if (row[3] !== null) failure.stack = text(row[3])!;
        if (row[4] !== null) failure.output = text(row[4])!;
        return failure;
      }),
    attemptsByTest: () =>
      read(BY_TEST_SQL, (row): WindowAttempt => {
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
        if (row[9] !== null) attempt.message = text(row[9])!;
        if (row[10] !== null) attempt.stack = text(row[10])!;
        if (row[11] !== null) attempt.output = text(row[11])!;
        return attempt;
      }),
    async tests(testKeys) {
      try {
        const { rows } = await client.query<{
          id: string;
          test_id: string;
          file: string;
          suite: string[];
          name: string;
        }>('SELECT id, test_id, file, suite, name FROM tests WHERE id = ANY($1::int8[])', [testKeys]);
        const byKey = new Map<number, WindowTest>();
        for (const row of rows) {
          const key = Number(row.id);
          byKey.set(key, { key, testId: row.test_id, file: row.file, suite: row.suite, name: row.name });
        }
        return testKeys.map((key) => byKey.get(key)!);
      } catch (error) {
        broken = true;
        throw storeError(error);
      }
    },
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
