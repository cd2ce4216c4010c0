import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/history/migrations.ts';
import { openHistoryStore } from '../../src/history/open.ts';
import type { HistoryStore, StoredAttempt, WindowTest } from '../../src/history/types.ts';
import { forEachWindowTest } from '../../src/history/window-tests.ts';
import { type RunInfo, type TestAttempt, testIdOf } from '../../src/junit/types.ts';
import { type Backend, postgresBackend, sqliteBackend } from './backends.ts';
import { runWriters } from './concurrency.ts';
import { startTestPostgres } from './postgres-server.ts';
import { type Report, randomHistory } from './random-history.ts';
import type { StoreTarget } from './writer-worker.ts';

const server = await startTestPostgres();
const backends: Backend[] = [sqliteBackend(), postgresBackend(server)];
afterAll(async () => {
  await Promise.all(backends.map((backend) => backend.dispose()));
});

async function collect(iterable: AsyncIterable<StoredAttempt>): Promise<StoredAttempt[]> {
  const rows: StoredAttempt[] = [];
  for await (const row of iterable) rows.push(row);
  return rows;
}

function attempt(file: string, suite: string[], name: string, extra: Partial<TestAttempt> = {}): TestAttempt {
  return {
    testId: testIdOf(file, suite, name),
    file,
    suite,
    name,
    status: 'passed',
    durationMs: 5,
    retry: 0,
    ...extra,
  };
}

const run = (runId: string, startedAt: string, extra: Partial<RunInfo> = {}): RunInfo => ({
  runId,
  commit: `c-${runId}`,
  attempt: 1,
  startedAt,
  branch: 'main',
  ...extra,
});

async function* lazily(count: number, make: (i: number) => TestAttempt): AsyncIterable<TestAttempt> {
  for (let i = 0; i < count; i++) yield make(i);
}

/** Runs SQL on a database of either backend, as a client of its own. */
async function execute(target: StoreTarget, statements: readonly string[]): Promise<void> {
  if (target.kind === 'sqlite') {
    mkdirSync(dirname(target.path), { recursive: true });
    const db = new Database(target.path);
    try {
      for (const statement of statements) db.exec(statement);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${target.schema}`);
    await client.query(`SET search_path = ${target.schema}`);
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Names of the indexes on the attempts table. */
async function attemptIndexes(target: StoreTarget): Promise<string[]> {
  if (target.kind === 'sqlite') {
    const db = new Database(target.path, { readonly: true });
    try {
      return db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'attempts' ORDER BY name",
        )
        .pluck()
        .all() as string[];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      "SELECT indexname AS name FROM pg_indexes WHERE schemaname = $1 AND tablename = 'attempts' ORDER BY 1",
      [target.schema],
    );
    return rows.map((row) => row.name);
  } finally {
    await client.end();
  }
}

describe.each(backends)('$name history store', (backend) => {
  const test = backend.skip ? it.skip : it;
  if (backend.skip) it.skip(`skipped: ${backend.skip}`, () => undefined);

  async function withStore<T>(work: (store: HistoryStore) => Promise<T>): Promise<T> {
    const store = await (await backend.fresh()).open();
    try {
      return await work(store);
    } finally {
      await store.close();
    }
  }

  test('ingests a report and reads back exactly the attempts stored', () =>
    withStore(async (store) => {
      const info = run('1001', '2026-04-01T10:00:00+02:00', {
        job: 'unit',
        environment: { runner: 'ubuntu-24.04', node: '20.19.0' },
      });
      const attempts = [
        attempt('src/b.test.ts', ['math'], 'adds', { durationMs: 12.25, output: 'log line' }),
        attempt('src/a.test.ts', [], 'boots', {
          status: 'failed',
          durationMs: 3001,
          message: 'Timeout of 3000ms',
          stack: 'Error: Timeout\n    at boot (src/a.ts:3:9)',
        }),
        attempt('', ['Suite', 'nested'], 'no file', { status: 'skipped', durationMs: 0 }),
      ];
      expect(await store.ingest(info, attempts)).toEqual({ inserted: 3, duplicates: 0 });
      const shared = {
        runId: '1001',
        attempt: 1,
        job: 'unit',
        commit: 'c-1001',
        branch: 'main',
        startedAt: '2026-04-01T08:00:00.000Z',
        environment: { node: '20.19.0', runner: 'ubuntu-24.04' },
      };
      expect(await collect(store.recentAttempts({ runs: 10 }))).toStrictEqual([
        { ...attempts[2], ...shared },
        { ...attempts[1], ...shared },
        { ...attempts[0], ...shared },
      ]);
      expect(await store.runCount()).toBe(1);
    }));

  test('stores a report ingested twice once, and counts repeated attempts as duplicates', () =>
    withStore(async (store) => {
      const info = run('7', '2026-04-02T00:00:00Z');
      const attempts = [attempt('a.test.ts', [], 'one'), attempt('a.test.ts', [], 'two')];
      expect(await store.ingest(info, attempts)).toEqual({ inserted: 2, duplicates: 0 });
      expect(await store.ingest(info, attempts)).toEqual({ inserted: 0, duplicates: 2 });
      // The same attempt twice in one report, next to a new one.
      const repeated = [attempts[0]!, attempt('a.test.ts', [], 'three'), attempt('a.test.ts', [], 'three')];
      expect(await store.ingest(info, repeated)).toEqual({ inserted: 1, duplicates: 2 });
      expect(await store.runCount()).toBe(1);
      expect((await collect(store.recentAttempts({ runs: 5 }))).map((row) => row.name)).toEqual([
        'one',
        'three',
        'two',
      ]);
    }));

  test('keeps in-run retries and CI re-runs of a job apart', () =>
    withStore(async (store) => {
      const flaky = (retry: number, status: 'failed' | 'passed') =>
        attempt('f.test.ts', [], 'flaky', {
          retry,
          status,
          ...(status === 'failed' ? { message: 'boom' } : {}),
        });
      await store.ingest(run('50', '2026-04-03T10:00:00Z', { job: 'e2e' }), [
        flaky(1, 'passed'),
        flaky(0, 'failed'),
      ]);
      await store.ingest(run('50', '2026-04-03T11:00:00Z', { job: 'e2e', attempt: 2 }), [flaky(0, 'passed')]);
      const rows = await collect(store.recentAttempts({ runs: 1 }));
      expect(rows.map((row) => [row.attempt, row.retry, row.status, row.message])).toEqual([
        [1, 0, 'failed', 'boom'],
        [1, 1, 'passed', undefined],
        [2, 0, 'passed', undefined],
      ]);
      expect(await store.runCount()).toBe(1);
    }));

  test('filters runs and attempts by branch', () =>
    withStore(async (store) => {
      await store.ingest(run('1', '2026-04-01T00:00:00Z'), [attempt('t.ts', [], 'x')]);
      await store.ingest(run('2', '2026-04-02T00:00:00Z', { branch: 'feature/y' }), [
        attempt('t.ts', [], 'x'),
      ]);
      await store.ingest(run('3', '2026-04-03T00:00:00Z'), [attempt('t.ts', [], 'x')]);
      await store.ingest(run('4', '2026-04-04T00:00:00Z', { branch: undefined }), [attempt('t.ts', [], 'x')]);
      expect(await store.runCount()).toBe(4);
      expect(await store.runCount({ branch: 'main' })).toBe(2);
      expect(await store.runCount({ branch: 'feature/y' })).toBe(1);
      expect(await store.runCount({ branch: 'nope' })).toBe(0);
      const main = await collect(store.recentAttempts({ runs: 10, branch: 'main' }));
      expect(main.map((row) => row.runId)).toEqual(['1', '3']);
      const feature = await collect(store.recentAttempts({ runs: 10, branch: 'feature/y' }));
      expect(feature.map((row) => [row.runId, row.branch])).toEqual([['2', 'feature/y']]);
      const all = await collect(store.recentAttempts({ runs: 10 }));
      expect(all.map((row) => row.runId)).toEqual(['1', '2', '3', '4']);
      expect(all[3]).not.toHaveProperty('branch');
    }));

  test('reads the most recent runs, ordered by start, run, attempt, job, test and retry', () =>
    withStore(async (store) => {
      const two = [attempt('b.ts', [], 'B'), attempt('a.ts', [], 'A')];
      // Ingested out of order; runs 'r-b' and 'r-a' start at the same instant (written in two offsets).
      await store.ingest(run('r-c', '2026-05-03T00:00:00Z'), two);
      await store.ingest(run('r-b', '2026-05-02T02:00:00+02:00', { job: 'lint' }), two);
      await store.ingest(run('r-b', '2026-05-02T00:00:00Z', { job: 'e2e' }), two);
      await store.ingest(run('r-a', '2026-05-02T00:00:00Z'), two);
      await store.ingest(run('old', '2026-01-01T00:00:00Z'), two);
      await store.ingest(run('r-c', '2026-05-03T01:00:00Z', { attempt: 2 }), [attempt('c.ts', [], 'C')]);
      const key = (row: StoredAttempt) =>
        `${row.runId}#${row.attempt}${row.job ? `/${row.job}` : ''}:${row.name}`;
      const latestTwo = await collect(store.recentAttempts({ runs: 2 }));
      expect(latestTwo.map(key)).toEqual([
        'r-b#1/e2e:A',
        'r-b#1/e2e:B',
        'r-b#1/lint:A',
        'r-b#1/lint:B',
        'r-c#1:A',
        'r-c#1:B',
        'r-c#2:C',
      ]);
      const latestThree = await collect(store.recentAttempts({ runs: 3 }));
      expect(latestThree.map(key).slice(0, 2)).toEqual(['r-a#1:A', 'r-a#1:B']);
      expect(await collect(store.recentAttempts({ runs: 0 }))).toEqual([]);
      const every = await collect(store.recentAttempts({ runs: Number.POSITIVE_INFINITY }));
      expect(every.map(key).slice(0, 2)).toEqual(['old#1:A', 'old#1:B']);
      expect(every).toHaveLength(11);
      await expect(collect(store.recentAttempts({ runs: -1 }))).rejects.toMatchObject({
        code: 'TESTLOOP_STORE',
      });
    }));

  test('streams a 50,000-attempt report in, and out, in batches', () =>
    withStore(async (store) => {
      const count = 50_000;
      const make = (i: number) =>
        attempt(`src/f${i % 500}.test.ts`, ['suite'], `case ${i}`, { durationMs: i % 97 });
      const info = run('big', '2026-06-01T00:00:00Z');
      let started = performance.now();
      expect(await store.ingest(info, lazily(count, make))).toEqual({ inserted: count, duplicates: 0 });
      const ingestMs = performance.now() - started;
      started = performance.now();
      expect(await store.ingest(info, lazily(count, make))).toEqual({ inserted: 0, duplicates: count });
      const againMs = performance.now() - started;
      started = performance.now();
      let read = 0;
      for await (const _ of store.recentAttempts({ runs: 1 })) read++;
      const readMs = performance.now() - started;
      expect(read).toBe(count);
      const rate = (ms: number) => `${Math.round((count / ms) * 1000).toLocaleString('en')} rows/s`;
      process.stderr.write(
        `[history] ${backend.name}: ingest ${rate(ingestMs)}, re-ingest ${rate(againMs)}, read ${rate(readMs)}\n`,
      );
    }));

  test('releases a read stopped early, and ingests while a read is open', () =>
    withStore(async (store) => {
      await store.ingest(
        run('1', '2026-04-01T00:00:00Z'),
        lazily(5000, (i) => attempt('t.ts', [], `n${i}`)),
      );
      for await (const row of store.recentAttempts({ runs: 1 })) {
        expect(row.runId).toBe('1');
        break;
      }
      const reading = store.recentAttempts({ runs: 1 })[Symbol.asyncIterator]();
      await reading.next();
      expect(await store.ingest(run('2', '2026-04-02T00:00:00Z'), [attempt('t.ts', [], 'x')])).toEqual({
        inserted: 1,
        duplicates: 0,
      });
      await reading.return?.();
      expect(await store.runCount()).toBe(2);
    }));

  test('8 writers in separate threads and connections store every attempt once', async () => {
    const database = await backend.fresh();
    const shared = Array.from({ length: 300 }, (_, i) => attempt(`s${i % 7}.ts`, [], `shared ${i}`));
    const reports: Report[] = Array.from({ length: 6 }, (_, i) => ({
      run: run(`w${i}`, `2026-07-0${i + 1}T00:00:00Z`, { job: i % 2 ? 'a' : 'b' }),
      attempts: [...shared, ...Array.from({ length: 200 }, (_, k) => attempt(`own${i}.ts`, [], `own ${k}`))],
    }));
    // Two writers repeat reports that others write at the same moment.
    const jobs = [...reports, reports[0]!, reports[3]!].map((report) => ({
      target: database.target,
      report,
    }));
    const results = await runWriters(jobs);
    expect(results.reduce((sum, result) => sum + result.inserted, 0)).toBe(6 * 500);
    expect(results.reduce((sum, result) => sum + result.duplicates, 0)).toBe(2 * 500);
    const store = await database.open();
    try {
      expect(await store.runCount()).toBe(6);
      const rows = await collect(store.recentAttempts({ runs: 10 }));
      expect(rows).toHaveLength(6 * 500);
      expect(new Set(rows.map((row) => row.testId)).size).toBe(300 + 6 * 200);
    } finally {
      await store.close();
    }
  });

  test('applies each migration once when 8 processes open a new database together', async () => {
    const database = await backend.fresh();
    await runWriters(Array.from({ length: 8 }, () => ({ target: database.target })));
    expect(await database.migrationVersions()).toEqual(MIGRATIONS.map((m) => m.version));
    await (await database.open()).close();
    expect(await database.migrationVersions()).toEqual(MIGRATIONS.map((m) => m.version));
  });

  test('migrates a database of schema 1: attempts stored before keep their text, next to new ones', async () => {
    const database = await backend.fresh();
    const sqlite = backend.name === 'sqlite';
    // A history written by the testloop of schema 1: failure text in the attempts table itself.
    await execute(database.target, [
      sqlite
        ? 'CREATE TABLE testloop_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT'
        : 'CREATE TABLE testloop_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
      sqlite ? MIGRATIONS[0]!.sqlite : MIGRATIONS[0]!.postgres,
      `INSERT INTO testloop_migrations (version, name, applied_at) VALUES (1, 'runs, tests, attempts', '2026-01-01T00:00:00Z')`,
      `INSERT INTO runs (run_id, attempt, job, "commit", branch, started_at) VALUES ('old', 1, '', 'c-old', 'main', '2026-03-01T00:00:00.000Z')`,
      `INSERT INTO tests (test_id, file, suite, name) VALUES ('t.ts › x', 't.ts', '[]', 'x'), ('t.ts › y', 't.ts', '[]', 'y')`,
      `INSERT INTO attempts (run, test, retry, status, duration_ms, message, stack, output)
       VALUES (1, 1, 0, 'failed', 5, 'boom', 'at x (t.ts:1:1)', 'log'), (1, 2, 0, 'passed', 3, NULL, NULL, 'log')`,
    ]);
    const store = await database.open();
    try {
      expect(await database.migrationVersions()).toEqual(MIGRATIONS.map((m) => m.version));
      const failing = (extra: Partial<TestAttempt>) =>
        attempt('t.ts', [], 'x', { status: 'failed', message: 'boom', stack: 'at x (t.ts:1:1)', ...extra });
      await store.ingest(run('new', '2026-03-02T00:00:00Z'), [
        failing({ output: 'log' }),
        attempt('t.ts', [], 'y'),
      ]);
      const rows = await collect(store.recentAttempts({ runs: 5 }));
      expect(
        rows.map((row) => [row.runId, row.name, row.status, row.message, row.stack, row.output]),
      ).toEqual([
        ['old', 'x', 'failed', 'boom', 'at x (t.ts:1:1)', 'log'],
        ['old', 'y', 'passed', undefined, undefined, 'log'],
        ['new', 'x', 'failed', 'boom', 'at x (t.ts:1:1)', 'log'],
        ['new', 'y', 'passed', undefined, undefined, undefined],
      ]);
      const window = await store.openWindow({ runs: 5 });
      try {
        const failures = [];
        for await (const failure of window.failures()) failures.push(failure);
        expect(failures.map((f) => [f.message, f.stack, f.output])).toEqual([
          ['boom', 'at x (t.ts:1:1)', 'log'],
          ['boom', 'at x (t.ts:1:1)', 'log'],
        ]);
        const byTest = [];
        for await (const a of window.attemptsByTest()) byTest.push([a.testId, a.status, a.message ?? null]);
        // Passing attempts come without text: it is never evidence.
        expect(byTest.sort()).toEqual([
          ['t.ts › x', 'failed', 'boom'],
          ['t.ts › x', 'failed', 'boom'],
          ['t.ts › y', 'passed', null],
          ['t.ts › y', 'passed', null],
        ]);
      } finally {
        await window.close();
      }
    } finally {
      await store.close();
    }
  });

  test('migrates a database of schema 2: drops the attempts index by test, attempts still come test by test', async () => {
    const database = await backend.fresh();
    const sqlite = backend.name === 'sqlite';
    await execute(database.target, [
      sqlite
        ? 'CREATE TABLE testloop_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT'
        : 'CREATE TABLE testloop_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
      sqlite ? MIGRATIONS[0]!.sqlite : MIGRATIONS[0]!.postgres,
      sqlite ? MIGRATIONS[1]!.sqlite : MIGRATIONS[1]!.postgres,
      `INSERT INTO testloop_migrations (version, name, applied_at) VALUES (1, 'runs, tests, attempts', '2026-01-01T00:00:00Z'), (2, 'texts stored once', '2026-01-01T00:00:00Z')`,
    ]);
    expect(await attemptIndexes(database.target)).toContain('attempts_test');
    const store = await database.open();
    try {
      expect(await database.migrationVersions()).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await attemptIndexes(database.target)).not.toContain('attempts_test');
      // Stored in an order unlike test_id order, with a retry: read back test by test in test_id order.
      await store.ingest(run('r1', '2026-03-01T00:00:00Z'), [
        attempt('t.ts', [], 'c'),
        attempt('t.ts', [], 'a', { status: 'failed', message: 'boom' }),
        attempt('t.ts', [], 'a', { retry: 1 }),
        attempt('t.ts', [], 'b'),
      ]);
      await store.ingest(run('r2', '2026-03-02T00:00:00Z'), [
        attempt('t.ts', [], 'b', { status: 'failed', message: 'bang' }),
        attempt('t.ts', [], 'a'),
      ]);
      const window = await store.openWindow({ runs: 5 });
      try {
        const keys = new Map(window.runs.map((r) => [r.key, r.runId]));
        const byTest = [];
        for await (const a of window.attemptsByTest())
          byTest.push([a.name, keys.get(a.run), a.retry, a.status, a.message ?? null]);
        expect(byTest.slice(0, 3).sort()).toEqual([
          ['a', 'r1', 0, 'failed', 'boom'],
          ['a', 'r1', 1, 'passed', null],
          ['a', 'r2', 0, 'passed', null],
        ]);
        expect(byTest.slice(3, 5).sort()).toEqual([
          ['b', 'r1', 0, 'passed', null],
          ['b', 'r2', 0, 'failed', 'bang'],
        ]);
        expect(byTest.slice(5)).toEqual([['c', 'r1', 0, 'passed', null]]);
      } finally {
        await window.close();
      }
    } finally {
      await store.close();
    }
  });

  test('sums up each test of a window as triage sums up its attempts, outages set aside', async () => {
    const store = await (await backend.fresh()).open();
    try {
      for (const report of randomHistory(20260402, 4_000)) await store.ingest(report.run, report.attempts);
      // A test that was only ever skipped is summed up with nothing executed.
      await store.ingest(run('skips', '2026-04-01T00:00:00Z'), [
        attempt('s.ts', [], 'only skipped', { status: 'skipped' }),
      ]);
      const inTestOrder = (tests: WindowTest[]) =>
        tests.map((t) => ({
          ...t,
          ...(t.attempts
            ? { attempts: [...t.attempts].sort((a, b) => a.run - b.run || a.retry - b.retry) }
            : {}),
        }));
      const seen = { loud: false, quiet: false, outage: false };
      for (const options of [
        { runs: Number.POSITIVE_INFINITY },
        { runs: 7 },
        { runs: 2 },
        { runs: 40, branch: 'main' },
      ]) {
        const window = await store.openWindow(options);
        try {
          for (const outages of [[], window.runs.slice(0, 3).map((r) => r.key)]) {
            const summed: WindowTest[] = [];
            await forEachWindowTest(window.attemptsByTest(), new Set(outages), (t) => summed.push(t));
            const stored: WindowTest[] = [];
            for await (const t of window.testsByTest!(outages)) stored.push(t);
            expect(inTestOrder(stored)).toEqual(inTestOrder(summed));
            seen.loud ||= stored.some((t) => t.attempts);
            seen.quiet ||= stored.some((t) => !t.attempts && t.executed > 0);
            seen.outage ||= stored.some((t) => t.counted < t.executed);
            if (options.runs === Number.POSITIVE_INFINITY)
              expect(stored.find((t) => t.name === 'only skipped')).toMatchObject({
                executed: 0,
                counted: 0,
              });
          }
        } finally {
          await window.close();
        }
      }
      expect(seen).toEqual({ loud: true, quiet: true, outage: true });
    } finally {
      await store.close();
    }
  });

  test('refuses a database migrated by a newer testloop', async () => {
    const database = await backend.fresh();
    await (await database.open()).close();
    await database.recordMigration(SCHEMA_VERSION + 1);
    await expect(database.open()).rejects.toMatchObject({ code: 'TESTLOOP_STORE_SCHEMA' });
  });

  test('rejects malformed attempts and passes a reader error through unchanged', () =>
    withStore(async (store) => {
      const bad = { ...attempt('t.ts', [], 'x'), status: 'weird' } as unknown as TestAttempt;
      await expect(store.ingest(run('1', '2026-04-01T00:00:00Z'), [bad])).rejects.toMatchObject({
        code: 'TESTLOOP_STORE',
        message: expect.stringContaining('status "weird"'),
      });
      await expect(store.ingest(run('1', 'yesterday'), [])).rejects.toMatchObject({ code: 'TESTLOOP_STORE' });
      const failure = new Error('report truncated');
      async function* broken(): AsyncIterable<TestAttempt> {
        yield attempt('t.ts', [], 'x');
        throw failure;
      }
      await expect(store.ingest(run('2', '2026-04-01T00:00:00Z'), broken())).rejects.toBe(failure);
    }));
});

describe('both stores', () => {
  const postgres = backends[1]!;
  const test = postgres.skip ? it.skip : it;

  test('give identical answers for a seeded random history of 10,000+ attempts', async () => {
    const reports = randomHistory(20260401, 10_000);
    const stores = await Promise.all(backends.map(async (backend) => (await backend.fresh()).open()));
    try {
      const ingested = await Promise.all(
        stores.map(async (store) => {
          let inserted = 0;
          for (const report of reports)
            inserted += (await store.ingest(report.run, report.attempts)).inserted;
          return inserted;
        }),
      );
      expect(ingested[0]).toBeGreaterThanOrEqual(9_000);
      expect(ingested[1]).toBe(ingested[0]);
      for (const branch of [undefined, 'main', 'feature/x', 'ünï/branch', 'none']) {
        const counts = await Promise.all(stores.map((store) => store.runCount({ branch })));
        expect(counts[1]).toBe(counts[0]);
        for (const runs of [Number.POSITIVE_INFINITY, 1, 7, 40]) {
          const [sqlite, pgRows] = await Promise.all(
            stores.map((store) => collect(store.recentAttempts({ runs, ...(branch ? { branch } : {}) }))),
          );
          expect(pgRows!.length).toBe(sqlite!.length);
          expect(pgRows).toStrictEqual(sqlite);
        }
      }
      const all = await collect(stores[0]!.recentAttempts({ runs: Number.POSITIVE_INFINITY }));
      expect(all).toHaveLength(ingested[0]!);
      expect(all.some((row) => row.message?.includes('\uFFFD'))).toBe(true);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });
});

describe('openHistoryStore', () => {
  it('opens .testloop/history.db under cwd without TESTLOOP_DATABASE_URL', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'testloop-open-'));
    try {
      const store = await openHistoryStore({ cwd, env: {} });
      await store.ingest(run('1', '2026-04-01T00:00:00Z'), [attempt('t.ts', [], 'x')]);
      await store.close();
      expect(existsSync(join(cwd, '.testloop', 'history.db'))).toBe(true);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it.skipIf('skip' in server)('opens PostgreSQL when TESTLOOP_DATABASE_URL is set', async () => {
    if ('skip' in server) return;
    const schema = `tl_open_${process.pid}`;
    const admin = new pg.Client(server.url);
    await admin.connect();
    try {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
      const url = new URL(server.url);
      url.searchParams.set('options', `-c search_path=${schema}`);
      const store = await openHistoryStore({
        cwd: '/nonexistent',
        env: { TESTLOOP_DATABASE_URL: url.toString() },
      });
      await store.ingest(run('1', '2026-04-01T00:00:00Z'), [attempt('t.ts', [], 'x')]);
      await store.close();
      const { rows } = await admin.query(`SELECT count(*)::int AS n FROM ${schema}.attempts`);
      expect(rows[0].n).toBe(1);
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });

  it.skipIf('skip' in server)('readOnly leaves PostgreSQL alone: no file is looked for', async () => {
    if ('skip' in server) return;
    const store = await openHistoryStore({
      cwd: '/nonexistent',
      env: { TESTLOOP_DATABASE_URL: server.url },
      path: 'missing.db',
      readOnly: true,
    });
    await store.close();
  });

  it('readOnly never creates a SQLite file: a missing named one is an error, a missing default is empty', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'testloop-open-read-'));
    try {
      const error = await openHistoryStore({ cwd, env: {}, path: 'typo.db', readOnly: true }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toMatchObject({ code: 'TESTLOOP_NO_HISTORY' });
      const empty = await openHistoryStore({ cwd, env: {}, readOnly: true });
      expect(await empty.fileStats({ runs: 10 })).toEqual([]);
      await empty.close();
      expect(readdirSync(cwd)).toEqual([]);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('names the store and the fix when PostgreSQL is unreachable, without the password', async () => {
    const error = await openHistoryStore({
      env: { TESTLOOP_DATABASE_URL: 'postgresql://ci:s3cret@127.0.0.1:1/history?connect_timeout=5' },
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'TESTLOOP_STORE' });
    expect((error as Error).message).toContain('127.0.0.1:1');
    expect((error as Error).message).not.toContain('s3cret');
  });
});
