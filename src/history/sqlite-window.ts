import Database from 'better-sqlite3';
import { TestloopError } from '../errors.ts';
import { TextReader, type WindowRow, windowRun } from './rows.ts';
import type { HistoryWindow, WindowAttempt, WindowFailure } from './types.ts';
import { FAILED, LOUD, TEXT_COLUMNS } from './window-sql.ts';
import { type LoudAttempt, mergeWindowTests, type TestSummary } from './window-tests.ts';

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

const FAILURES_SQL = `
  SELECT a.run, a.test, ${TEXT_COLUMNS}
  FROM attempts a
  WHERE ${IN_WINDOW} AND ${FAILED}`;

/**
 * Each test's attempts, tests in test_id order, each test's in the order they were stored. Sorted (in
 * bounded memory: SQLite's sorter spills to temporary files) rather than read through an index by test,
 * which every ingest would have to update at as many places as the run has tests (see migration 3).
 * Only the attempt's own columns: a row per attempt is the bulk of a triage, and the test's names
 * (TESTS_SQL, read alongside in the same order) and the texts of the rare failures (TEXTS_SQL) would
 * otherwise be copied into every row.
 */
const BY_TEST_SQL = `
  SELECT a.run, a.test, a.retry, a.status, a.duration_ms
  FROM attempts a JOIN tests t ON t.id = a.test
  WHERE ${IN_WINDOW}
  ORDER BY t.test_id, a.rowid`;

const TESTS_SQL = 'SELECT id, test_id, file, suite, name FROM tests ORDER BY test_id';

/**
 * One row per test of the window, in test_id order: the counts judging a test that only passed needs.
 * Summing in SQLite reads 2 million attempts in a fraction of the time handing each to JavaScript takes.
 */
const SUMMARY_SQL = `
  SELECT t.id, t.test_id, t.file, t.suite, t.name, s.executed, s.counted, s.loud
  FROM (
    SELECT a.test AS test,
           sum(a.status <> 'skipped') AS executed,
           sum(a.status <> 'skipped' AND a.run NOT IN (SELECT value FROM json_each(@outages))) AS counted,
           max(${LOUD}) AS loud
    FROM attempts a
    WHERE ${IN_WINDOW}
    GROUP BY a.test
  ) s JOIN tests t ON t.id = s.test
  ORDER BY t.test_id`;

/** BY_TEST_SQL for the tests SUMMARY_SQL calls loud only. */
const LOUD_BY_TEST_SQL = `
  SELECT a.run, a.test, a.retry, a.status, a.duration_ms
  FROM attempts a JOIN tests t ON t.id = a.test
  WHERE ${IN_WINDOW} AND a.test IN (SELECT a.test FROM attempts a WHERE ${IN_WINDOW} AND ${LOUD})
  ORDER BY t.test_id, a.rowid`;

const TEXTS_SQL = `
  SELECT message, stack, output, message_text, stack_text, output_text
  FROM attempts WHERE run = ? AND test = ? AND retry = ?`;

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
    const read = <T>(sql: string, map: (row: unknown[]) => T, params: Record<string, string> = inWindow) =>
      readRows(db, path, sql, map, params);
    const body = db.prepare('SELECT body FROM texts WHERE id = ?').pluck();
    const textReader = new TextReader((id) => body.get(id) as string);
    const loudAttemptOf = loudAttemptReader(db, textReader);
    return {
      runs,
      failures: () =>
        read(FAILURES_SQL, (row): WindowFailure => {
          const failure: WindowFailure = { run: row[0] as number, test: row[1] as number };
          textReader.fill(failure, row, 2);
          return failure;
        }),
      attemptsByTest: () => {
        const tests = testNamesCursor(db);
        const attempts = read(BY_TEST_SQL, (row): WindowAttempt => {
          const attempt = loudAttemptOf(row) as WindowAttempt;
          const t = tests.namesOf(attempt.test);
          attempt.testId = t.testId;
          attempt.file = t.file;
          attempt.suite = t.suite;
          attempt.name = t.name;
          return attempt;
        });
        return (async function* () {
          try {
            yield* attempts;
          } finally {
            tests.close();
          }
        })();
      },
      testsByTest: (outageRuns) =>
        mergeWindowTests(
          read(SUMMARY_SQL, summaryOf, { ...inWindow, outages: JSON.stringify(outageRuns) }),
          read(LOUD_BY_TEST_SQL, loudAttemptOf),
        ),
      async close() {
        if (own && db.open) db.close();
      },
    };
  } catch (error) {
    if (own) db.close();
    throw storeError(path, error);
  }
}

/** The rows of `sql`, mapped one at a time as they are read; SQLite's errors become TESTLOOP_STORE. */
async function* readRows<T>(
  db: Database.Database,
  path: string,
  sql: string,
  map: (row: unknown[]) => T,
  params: Record<string, string>,
): AsyncGenerator<T> {
  let rows: IterableIterator<unknown[]> | undefined;
  try {
    rows = db.prepare(sql).raw().iterate(params) as IterableIterator<unknown[]>;
    for (const row of rows) yield map(row);
  } catch (error) {
    throw storeError(path, error);
  } finally {
    rows?.return?.();
  }
}

/** A BY_TEST_SQL row without the test's names; a failure's texts are read by its key. */
function loudAttemptReader(db: Database.Database, textReader: TextReader): (row: unknown[]) => LoudAttempt {
  const textsOf = db.prepare(TEXTS_SQL).raw();
  return (row) => {
    const attempt: LoudAttempt = {
      run: row[0] as number,
      test: row[1] as number,
      retry: row[2] as number,
      status: row[3] as WindowAttempt['status'],
      durationMs: row[4] as number,
    };
    if (attempt.status === 'failed' || attempt.status === 'error') {
      const texts = textsOf.get(attempt.run, attempt.test, attempt.retry) as unknown[];
      textReader.fill(attempt, texts, 0);
    }
    return attempt;
  };
}

/** The names of the tests, read alongside attempts in the same test_id order. */
function testNamesCursor(db: Database.Database): { namesOf(id: number): TestNames; close(): void } {
  const tests = db.prepare(TESTS_SQL).raw().iterate() as IterableIterator<unknown[]>;
  let test: TestNames | undefined;
  return {
    namesOf(id) {
      if (test?.id === id) return test;
      // Both in test_id order: tests without an attempt in the window are passed over.
      for (let next = tests.next(); !next.done; next = tests.next()) {
        const row = next.value;
        if (row[0] !== id) continue;
        test = {
          id,
          testId: row[1] as string,
          file: row[2] as string,
          suite: JSON.parse(row[3] as string),
          name: row[4] as string,
        };
        return test;
      }
      throw new Error(`test ${id} is not in the tests table`);
    },
    close() {
      tests.return?.();
    },
  };
}

function summaryOf(row: unknown[]): TestSummary {
  return {
    test: row[0] as number,
    testId: row[1] as string,
    file: row[2] as string,
    suite: JSON.parse(row[3] as string),
    name: row[4] as string,
    executed: row[5] as number,
    counted: row[6] as number,
    loud: row[7] === 1,
  };
}

interface TestNames {
  id: number;
  testId: string;
  file: string;
  suite: string[];
  name: string;
}
