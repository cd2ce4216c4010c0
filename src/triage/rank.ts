import { isFailure, type TestHistory } from './model.ts';
import type { Finding, Verdict } from './types.ts';

/**
 * - failedPipelines: runs where the test's failure was final (the last attempt failed; a passing retry
 *   saved the pipeline, so it does not count),
 * - minutesLost: time of the failed attempts plus the retries that followed them,
 * - failureRate: runs with a failure / runs.
 */
export function impactOf(history: TestHistory): Finding['impact'] {
  let failedPipelines = 0;
  let failedRuns = 0;
  let ms = 0;
  for (const execution of history.executions) {
    if (execution.finalFailed) failedPipelines++;
    if (execution.failed) failedRuns++;
    for (const attempt of execution.attempts) {
      if (isFailure(attempt.status) || attempt.retry > 0) ms += attempt.durationMs;
    }
  }
  const runs = history.executions.length;
  return {
    failedPipelines,
    minutesLost: Math.round((ms / 60_000) * 100) / 100,
    failureRate: runs > 0 ? Math.round((failedRuns / runs) * 10_000) / 10_000 : 0,
  };
}

const ORDER: Record<Verdict, number> = { flaky: 0, broken: 1, healthy: 2 };

/** Flaky first by impact (failed pipelines, minutes lost, failure rate), then broken by impact, then healthy. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    ORDER[a.verdict] - ORDER[b.verdict] ||
    b.impact.failedPipelines - a.impact.failedPipelines ||
    b.impact.minutesLost - a.impact.minutesLost ||
    b.impact.failureRate - a.impact.failureRate ||
    b.confidence - a.confidence ||
    (a.testId < b.testId ? -1 : a.testId > b.testId ? 1 : 0)
  );
}
