import Database from 'better-sqlite3';
import { TestloopError } from '../errors.ts';
import { TextReader, type WindowRow, windowRun } from './rows.ts';
import type { HistoryWindow, WindowAttempt, WindowFailure } from './types.ts';

export const PICKED_RUNS = `
  WITH picked AS (
    SELECT run_id FROM runs
    WHERE @branch IS NULL OR branch = @branch
    GROUP BY run_id
    ORDER BY min(started_at) DESC, run_id DESC
    LIMIT @limit
  )`;

const RUNS_SQL = `${PICKED_RUNS}
  SELECT r.id AS key, r.run_id, r.attempt, r.job, r."commit" AS "commit", r.branch, r.started_at,
         r.environment,
         (SELECT count(*) FROM attempts a WHERE a.run = r.id) AS attempts,
         (SELECT count(DISTINCT a.test) FROM attempts a WHERE a.run = r.id AND a.status <> 'skipped') AS tests
  FROM picked p
  JOIN runs r ON r.run_id = p.run_id AND (@branch IS NULL OR r.branch = @branch)
  ORDER BY r.started_at, r.run_id, r.attempt, r.job`;

const IN_WINDOW = 'a.run IN (SELECT value FROM json_each(@runs))';
const FAILED = "a.status IN ('failed', 'error')";

/** Text of failures only; texts stored once come as ids, resolved through a cache (see TextReader). */
const TEXT_COLUMNS = `
  CASE WHEN ${FAILED} THEN a.message END, CASE WHEN ${FAILED} THEN a.stack END,
  CASE WHEN ${FAILED} THEN a.output END, CASE WHEN ${FAILED} THEN a.message_text END,
  CASE WHEN ${FAILED} THEN a.stack_text END, CASE WHEN ${FAILED} THEN a.output_text END`;

const FAILURES_SQL = `
  SELECT a.run, a.test, ${TEXT_COLUMNS}
  FROM attempts a
  WHERE ${IN_WINDOW} AND ${FAILED}`;

/**
 * Tests in test_id order (its unique index, so nothing is sorted) and each one's attempts: CROSS JOIN
 * keeps SQLite from choosing the other order.
 */
const BY_TEST_SQL = `
  SELECT a.run, t.id, t.test_id, t.file, t.suite, t.name, a.retry, a.status, a.duration_ms, ${TEXT_COLUMNS}
  FROM tests t CROSS JOIN attempts a
  WHERE a.test = t.id AND ${IN_WINDOW}
  ORDER BY t.test_id`;

/** SQLite's own errors become TESTLOOP_STORE; anything else (a reader's error, say) passes through. */
export function storeError(path: string, error: unknown): unknown {
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

type SqliteWindowRow = Omit<WindowRow, 'environment' | 'attempts'> & {
  environment: string | null;
  attempts: number;
};

/**
 * A window on `db`, a connection of its own (`own`: closed with the window, and holding one read
 * transaction so every pass sees the same snapshot) or the store's in-memory database.
 */
export function openSqliteWindow(
  db: Database.Database,
  path: string,
  own: boolean,
  params: { branch: string | null; limit: number },
): HistoryWindow {
  try {
    if (own) db.exec('BEGIN');
    const runs = (db.prepare(RUNS_SQL).all(params) as SqliteWindowRow[])
      .filter((row) => row.attempts > 0)
      .map((row) =>
        windowRun({ ...row, environment: row.environment === null ? null : JSON.parse(row.environment) }),
      );
    const inWindow = { runs: JSON.stringify(runs.map((run) => run.key)) };
    const read = async function* <T>(sql: string, map: (row: unknown[]) => T): AsyncGenerator<T> {
      let rows: IterableIterator<unknown[]> | undefined;
      try {
        rows = db.prepare(sql).raw().iterate(inWindow) as IterableIterator<unknown[]>;
        for (const row of rows) yield map(row);
      } catch (error) {
        throw storeError(path, error);
      } finally {
        rows?.return?.();
      }
    };
    const body = db.prepare('SELECT body FROM texts WHERE id = ?').pluck();
    const texts = new TextReader((id) => body.get(id) as string);
    return {
      runs,
      failures: () =>
        read(FAILURES_SQL, (row): WindowFailure => {
          const failure: WindowFailure = { run: row[0] as number, test: row[1] as number };
          texts.fill(failure, row, 2);
          return failure;
        }),
      attemptsByTest: () => {
        let test: number | undefined;
        let suite: string[] = [];
        return read(BY_TEST_SQL, (row): WindowAttempt => {
          // A test's rows come together: its suite is decoded once.
          if (row[1] !== test) {
            test = row[1] as number;
            suite = JSON.parse(row[4] as string);
          }
          const attempt: WindowAttempt = {
            run: row[0] as number,
            test: row[1] as number,
            testId: row[2] as string,
            file: row[3] as string,
            suite,
            name: row[5] as string,
            retry: row[6] as number,
            status: row[7] as WindowAttempt['status'],
            durationMs: row[8] as number,
          };
          texts.fill(attempt, row, 9);
          return attempt;
        });
      },
      async close() {
        if (own && db.open) db.close();
      },
    };
  } catch (error) {
    if (own) db.close();
    throw storeError(path, error);
  }
}
