import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { HistoryStore, StoredAttempt } from '../../src/history/types.ts';
import type { RunInfo, TestAttempt } from '../../src/junit/types.ts';
import { renderTriage, triageJson } from '../../src/report/triage.ts';
import { analyzeAttempts, finding } from '../../src/triage/analyze.ts';
import { type OwnerRule, parseCodeowners } from '../../src/triage/codeowners.ts';
import { quietDetection } from '../../src/triage/detect.ts';
import { renderBatch, renderQuiet } from '../../src/triage/quiet.ts';
import { openTriage, triage } from '../../src/triage/triage.ts';
import type { TriageResult } from '../../src/triage/types.ts';
import { type Backend, postgresBackend, sqliteBackend } from '../history/backends.ts';
import { startTestPostgres } from '../history/postgres-server.ts';
import { randomHistory } from '../history/random-history.ts';
import { simulate } from './simulate.ts';

const LAZY = join(import.meta.dirname, '../fixtures/triage/lazy-store/triage-lazily.mjs');
const LIBRARY = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

const server = await startTestPostgres();
const backends: Backend[] = [sqliteBackend(), postgresBackend(server)];
afterAll(async () => {
  await Promise.all(backends.map((backend) => backend.dispose()));
});

/** Attempts as recentAttempts gives them, grouped back into the runs they were ingested as. */
function byRun(attempts: readonly StoredAttempt[]): { run: RunInfo; attempts: TestAttempt[] }[] {
  const runs = new Map<string, { run: RunInfo; attempts: TestAttempt[] }>();
  for (const a of attempts) {
    const key = `${a.runId}#${a.attempt}#${a.job ?? ''}`;
    let entry = runs.get(key);
    if (!entry) {
      const run: RunInfo = { runId: a.runId, commit: a.commit, attempt: a.attempt };
      if (a.job !== undefined) run.job = a.job;
      if (a.branch !== undefined) run.branch = a.branch;
      if (a.startedAt !== undefined) run.startedAt = a.startedAt;
      if (a.environment !== undefined) run.environment = a.environment;
      entry = { run, attempts: [] };
      runs.set(key, entry);
    }
    const {
      runId: _r,
      commit: _c,
      attempt: _a,
      job: _j,
      branch: _b,
      startedAt: _s,
      environment: _e,
      ...rest
    } = a;
    entry.attempts.push(rest);
  }
  return [...runs.values()];
}

const withoutMs = (result: TriageResult) => ({ ...result, stats: { ...result.stats, ms: 0 } });

describe('triage reads a store in passes', () => {
  it('writes a quiet finding exactly as JSON.stringify writes the finding analyze.ts builds', () => {
    const rules = parseCodeowners('*.ts @team\nweird/ @"quoted" @üser\n');
    const tests = [
      { testId: 'a.test.ts › adds', file: 'a.test.ts', suite: [], name: 'adds' },
      {
        testId: 'weird/x.ts › S › "q" \\ \u2028 🧪',
        file: 'weird/x.ts',
        suite: ['S', 'T'],
        name: '"q" \\ \u2028 🧪',
      },
      { testId: 'no file', file: '', suite: ['only'], name: 'no file' },
    ];
    for (const test of tests) {
      for (const runs of [0, 1, 7, 30, 200, 1e6]) {
        const built = finding(
          test,
          quietDetection(runs),
          [],
          { failedPipelines: 0, minutesLost: 0, failureRate: 0 },
          rules,
          undefined,
        );
        expect(renderQuiet(test, runs, built.owners ?? [])).toBe(renderBatch([built]));
      }
    }
  });

  it('holds one test at a time: 500,000 attempts made up as they are read fit in a 40 MiB heap', () => {
    // Reading every attempt first, as triage once did, needs several times that heap.
    const child = spawnSync(process.execPath, ['--max-old-space-size=40', LAZY, LIBRARY, '200', '2500'], {
      encoding: 'utf8',
    });
    expect(child.stderr).not.toMatch(/heap out of memory/);
    expect(child.status).toBe(0);
    const out = JSON.parse(child.stdout);
    expect(out.stats).toMatchObject({ runs: 200, tests: 2500, attempts: 500_000, flaky: 5, healthy: 2495 });
    expect(out.findings).toBe(2500);
    expect(out.flaky).toEqual(
      [7, 507, 1007, 1507, 2007].map((t) => `test/t${String(t).padStart(6, '0')}.test.ts › suite › case`),
    );
  });

  it('sums tests up in the store once they ran several times each, and reads attempts otherwise', async () => {
    const store = await (await backends[0]!.fresh()).open();
    const calls: string[] = [];
    const watched: HistoryStore = {
      ingest: (run, attempts) => store.ingest(run, attempts),
      recentAttempts: (options) => store.recentAttempts(options),
      runCount: (options) => store.runCount(options),
      fileStats: (options) => store.fileStats(options),
      close: () => store.close(),
      openWindow: async (options) => {
        const window = await store.openWindow(options);
        return {
          runs: window.runs,
          failures: () => window.failures(),
          attemptsByTest: () => {
            calls.push('attemptsByTest');
            return window.attemptsByTest();
          },
          testsByTest: (outages) => {
            calls.push('testsByTest');
            return window.testsByTest!(outages);
          },
          close: () => window.close(),
        };
      },
    };
    try {
      for (const report of byRun(simulate().attempts)) await store.ingest(report.run, report.attempts);
      const few = await triage({ store: watched, codeowners: false, runs: 3 });
      expect(calls).toEqual(['attemptsByTest']);
      calls.length = 0;
      const many = await triage({ store: watched, codeowners: false, runs: 60 });
      expect(calls).toEqual(['testsByTest']);
      expect(few.stats.runs).toBe(3);
      expect(many.findings.some((f) => f.verdict === 'flaky')).toBe(true);
    } finally {
      await store.close();
    }
  });

  describe.each(backends)('$name store', (backend) => {
    const test = backend.skip ? it.skip : it;
    const owners: OwnerRule[] = [];

    async function check(
      reports: { run: RunInfo; attempts: TestAttempt[] }[],
      queries: { runs: number; branch?: string }[],
    ) {
      const store: HistoryStore = await (await backend.fresh()).open();
      try {
        for (const report of reports) await store.ingest(report.run, report.attempts);
        for (const query of queries) {
          const read: StoredAttempt[] = [];
          for await (const a of store.recentAttempts(query)) read.push(a);
          const inMemory = analyzeAttempts(read, { owners });
          const streamed = await triage({ store, codeowners: false, ...query });
          expect(withoutMs(streamed)).toStrictEqual(withoutMs(inMemory));
        }
      } finally {
        await store.close();
      }
    }

    test('writes json in parts, quiet findings read back from files, as renderTriage writes the whole result', async () => {
      // 6,000 tests: over 2 MiB of quiet findings in two confidences (tests new in the second run ran once).
      const store = await (await backend.fresh()).open();
      try {
        const make = (count: number, failing: number): TestAttempt[] =>
          Array.from({ length: count }, (_, i) => ({
            testId: `t${String(i).padStart(5, '0')}.test.ts › case "${i}" ✓`,
            file: `t${String(i).padStart(5, '0')}.test.ts`,
            suite: [],
            name: `case "${i}" ✓`,
            status: i === failing ? 'failed' : 'passed',
            durationMs: i % 7,
            retry: 0,
            ...(i === failing ? { message: 'Error: Test timed out in 5000ms.' } : {}),
          }));
        await store.ingest(
          { runId: '1', commit: 'a', attempt: 1, startedAt: '2026-01-01T00:00:00Z' },
          make(3000, -1),
        );
        await store.ingest(
          { runId: '2', commit: 'b', attempt: 1, startedAt: '2026-01-02T00:00:00Z' },
          make(6000, 42),
        );
        const report = await openTriage({ store, codeowners: false });
        let streamed = '';
        try {
          expect(report.quiet).toBe(5999);
          for await (const chunk of triageJson(report.result.stats, report.jsonBatches()))
            streamed += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        } finally {
          await report.close();
        }
        const whole = JSON.parse(streamed) as TriageResult;
        expect(whole.findings).toHaveLength(6000);
        expect(streamed).toBe(renderTriage(whole, 'json', { color: false }));
        expect(withoutMs(whole)).toStrictEqual(withoutMs(await triage({ store, codeowners: false })));
      } finally {
        await store.close();
      }
    });

    test('gives the findings of the in-memory analysis for the seeded simulation (outages, clusters, regressions)', () =>
      check(byRun(simulate().attempts), [{ runs: 240 }, { runs: 60 }, { runs: 3 }]));

    test('gives the findings of the in-memory analysis for a random history (branches, jobs, re-runs, awkward text)', () =>
      check(randomHistory(20260402, 6_000), [
        { runs: 200 },
        { runs: 25 },
        { runs: Number.POSITIVE_INFINITY, branch: 'main' },
        { runs: 0 },
      ]));
  });
});
