import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TestloopError } from '../../src/errors.ts';
import { openSqliteStore } from '../../src/history/sqlite.ts';
import type { HistoryStore, StoredAttempt } from '../../src/history/types.ts';
import type { TestAttempt } from '../../src/junit/types.ts';
import { type IngestReportsOptions, ingestReports } from '../../src/triage/ingest.ts';
import { readAttemptsInWorker } from '../../src/triage/read-attempts.ts';
import { testloopInProcess } from '../helpers/cli.ts';

const JUNIT = join(import.meta.dirname, '../fixtures/junit');
const RUN = { runId: 'r1', commit: 'c1', startedAt: '2026-01-01T00:00:00.000Z', attempt: 1 };

/** Every report of the JUnit fixtures that reads without error: each dialect and each runner log. */
function reportFixtures(): string[] {
  return readdirSync(JUNIT, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(xml|txt)$/.test(e.name) && !e.parentPath.includes('malformed'))
    .filter((e) => !e.parentPath.includes('projects'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** Surefire reports of `classes` classes × 50 tests, a tenth failing with a stack and output. */
function writeLargeReports(dir: string, classes: number): void {
  mkdirSync(dir, { recursive: true });
  const stack = Array.from({ length: 12 }, (_, i) => `\tat com.example.Service.call(Service.java:${i + 10})`);
  for (let c = 0; c < classes; c++) {
    const name = `com.example.pkg${c}.Class${c}Test`;
    const cases = Array.from({ length: 50 }, (_, i) => {
      const head = `<testcase name="case ${i} &amp; more" classname="${name}" time="0.${i}">`;
      if (i % 10 !== 3)
        return `${head}<system-out>line ${i} of ${name}\n${'x'.repeat(i * 40)}</system-out></testcase>`;
      return `${head}<failure message="expected ${i} but was ${i + 1}" type="org.opentest4j.AssertionFailedError">${stack.join('\n')}</failure><system-out>out ${c}.${i}</system-out></testcase>`;
    });
    writeFileSync(
      join(dir, `TEST-${name}.xml`),
      `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="${name}" tests="50">\n${cases.join('\n')}\n</testsuite>\n`,
    );
  }
}

async function stored(store: HistoryStore): Promise<StoredAttempt[]> {
  const out: StoredAttempt[] = [];
  for await (const attempt of store.recentAttempts({ runs: Number.POSITIVE_INFINITY })) out.push(attempt);
  return out;
}

/** ingestReports into a new in-memory history: what it returned and what the history holds. */
async function ingestInto(options: Omit<IngestReportsOptions, 'store'>) {
  const store = await openSqliteStore(':memory:');
  try {
    const result = await ingestReports({ env: {}, run: RUN, ...options, store });
    return { result, attempts: await stored(store) };
  } finally {
    await store.close();
  }
}

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return { code: (error as TestloopError).code, message: (error as Error).message };
}

describe('ingest reading reports on a worker thread', () => {
  let work: string;
  let large: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'testloop-read-attempts-'));
    large = join(work, 'large');
    writeLargeReports(large, 80);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('stores exactly what reading on this thread stores, for every dialect and log format', async () => {
    const reports = reportFixtures();
    expect(reports.length).toBeGreaterThan(15);
    for (const report of reports) {
      const inline = await ingestInto({ reports: [report], readInWorker: false });
      const worker = await ingestInto({ reports: [report], readInWorker: true });
      expect(inline.attempts.length, report).toBeGreaterThan(0);
      expect(worker.attempts, report).toEqual(inline.attempts);
      expect(worker.result, report).toEqual(inline.result);
    }
  });

  it('chooses the worker by default for large reports, and for smaller ones once a reader thread runs', async () => {
    vi.resetModules();
    const fresh = await import('../../src/triage/ingest.ts');
    const threads = await import('../../src/triage/read-attempts.ts');
    const size = (dir: string) => readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
    expect(size(large)).toBeGreaterThan(fresh.WARM_WORKER_BYTES);
    expect(size(large)).toBeLessThan(fresh.WORKER_BYTES);
    const ingest = async (reports: string[]) => {
      const store = await openSqliteStore(':memory:');
      try {
        return await fresh.ingestReports({ env: {}, run: RUN, reports, store });
      } finally {
        await store.close();
      }
    };
    await ingest([large]);
    expect(threads.hasIdleReader()).toBe(false);
    const huge = join(work, 'huge');
    writeLargeReports(huge, 320);
    expect(size(huge)).toBeGreaterThan(fresh.WORKER_BYTES);
    expect((await ingest([huge])).inserted).toBe(320 * 50);
    expect(threads.hasIdleReader()).toBe(true);
    const warm = await ingest([large]);
    const inline = await ingestInto({ reports: [large], readInWorker: false });
    expect(warm).toEqual(inline.result);
    expect(warm.attempts).toBe(80 * 50);
  });

  it('hands over attempts in bounded batches, each with every field the reader gave', async () => {
    const source = readAttemptsInWorker(readdirSync(large).map((f) => join(large, f)));
    expect(source).toBeDefined();
    const sizes: number[] = [];
    let failure: TestAttempt | undefined;
    for await (const batch of source!.attemptBatches) {
      sizes.push(batch.length);
      failure ??= batch.find((a) => a.status === 'failed');
    }
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2_000);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(4_000);
    expect(source!.attempts).toBe(4_000);
    expect(failure).toMatchObject({
      suite: [expect.stringContaining('com.example.pkg')],
      message: 'expected 3 but was 4',
      errorType: 'org.opentest4j.AssertionFailedError',
      output: expect.stringContaining('out '),
    });
    expect(failure!.stack).toContain('Service.java:21');
  });

  it('carries the readers’ warnings back', async () => {
    const report = join(JUNIT, 'playwright', 'results-include-retries.xml');
    const inline = await ingestInto({ reports: [report], readInWorker: false });
    const worker = await ingestInto({ reports: [report], readInWorker: true });
    expect(worker.result.warnings).toEqual(inline.result.warnings);
  });

  it('a malformed report fails with the same code and message, and the next ingest still works', async () => {
    for (const name of readdirSync(join(JUNIT, 'malformed'))) {
      const report = join(JUNIT, 'malformed', name);
      const inline = await rejection(ingestInto({ reports: [report], readInWorker: false }));
      const worker = await rejection(ingestInto({ reports: [report], readInWorker: true }));
      expect(inline.code, name).toMatch(/^TESTLOOP_/);
      expect(worker, name).toEqual(inline);
      const next = await ingestInto({ reports: [join(JUNIT, 'vitest', 'junit.xml')], readInWorker: true });
      expect(next.attempts.length).toBeGreaterThan(0);
    }
  });

  it('a store that fails part-way stops the reader, and a later ingest starts a new one', async () => {
    const store = await openSqliteStore(':memory:');
    const failing: HistoryStore = {
      ...store,
      ingest: async (_run, attempts) => {
        if (!('attemptBatches' in attempts)) throw new Error('expected batches');
        for await (const _batch of attempts.attemptBatches) throw new Error('disk full');
        return { inserted: 0, duplicates: 0 };
      },
      close: () => store.close(),
    };
    await expect(
      ingestReports({ env: {}, run: RUN, reports: [large], store: failing, readInWorker: true }),
    ).rejects.toThrow('disk full');
    await store.close();
    const again = await ingestInto({ reports: [large] });
    expect(again.result.inserted).toBe(4_000);
  });

  it('a store written before batches still gets every attempt, one by one', async () => {
    const store = await openSqliteStore(':memory:');
    const seen: string[] = [];
    const legacy: HistoryStore = {
      ...store,
      ingest: async (run, attempts) => {
        const plain: TestAttempt[] = [];
        for await (const attempt of attempts as AsyncIterable<TestAttempt>) {
          seen.push(attempt.testId);
          plain.push(attempt);
        }
        return store.ingest(run, plain);
      },
      recentAttempts: (options) => store.recentAttempts(options),
      close: () => store.close(),
    };
    try {
      const result = await ingestReports({
        env: {},
        run: RUN,
        reports: [large],
        store: legacy,
        readInWorker: true,
      });
      expect(result).toMatchObject({ attempts: 4_000, inserted: 4_000 });
      expect(new Set(seen).size).toBe(4_000);
      expect(await stored(store)).toEqual(
        (await ingestInto({ reports: [large], readInWorker: false })).attempts,
      );
    } finally {
      await store.close();
    }
  });

  it('`testloop ingest` of a large folder stores every attempt and exits', async () => {
    const result = await testloopInProcess(
      ['ingest', relative(work, large), '--run-id', '7', '--commit', 'abc', '--history', 'h.db', '--json'],
      { cwd: work },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ attempts: 4_000, inserted: 4_000, duplicates: 0 });
  });
});
