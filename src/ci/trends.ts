import type { HistoryStore, StoredAttempt } from '../history/types.ts';
import type { CiTrend, TrendPoint } from './types.ts';

/** Runs drawn per trend chart. */
const TREND_RUNS = 30;

/**
 * The recent history of a few tests, one point per recorded run (oldest first): failed-then-passed
 * retries inside a run read as `flaky`, so the chart shows what the verdict rests on.
 */
export async function trendsOf(
  store: HistoryStore,
  testIds: readonly string[],
  runs = TREND_RUNS,
): Promise<CiTrend[]> {
  const wanted = new Set(testIds);
  if (wanted.size === 0) return [];
  const byTest = new Map<string, Map<string, StoredAttempt[]>>();
  for await (const attempt of store.recentAttempts({ runs })) {
    if (!wanted.has(attempt.testId)) continue;
    const runsOfTest = byTest.get(attempt.testId) ?? new Map<string, StoredAttempt[]>();
    byTest.set(attempt.testId, runsOfTest);
    const key = `${attempt.runId}\u0000${attempt.attempt}`;
    runsOfTest.set(key, [...(runsOfTest.get(key) ?? []), attempt]);
  }
  return testIds.map((testId) => ({
    testId,
    points: [...(byTest.get(testId)?.values() ?? [])].map(pointOf).sort(byTime),
  }));
}

function pointOf(attempts: StoredAttempt[]): TrendPoint {
  const last = attempts.reduce((a, b) => (b.retry > a.retry ? b : a));
  const failed = attempts.some((a) => a.status === 'failed' || a.status === 'error');
  const status: TrendPoint['status'] =
    last.status === 'passed'
      ? failed
        ? 'flaky'
        : 'passed'
      : last.status === 'skipped'
        ? 'skipped'
        : 'failed';
  return {
    runId: last.runId,
    commit: last.commit,
    ...(last.startedAt === undefined ? {} : { startedAt: last.startedAt }),
    status,
    durationMs: Math.round(last.durationMs),
  };
}

function byTime(a: TrendPoint, b: TrendPoint): number {
  return (a.startedAt ?? '').localeCompare(b.startedAt ?? '') || a.runId.localeCompare(b.runId);
}
