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
    compareCodePoints(a.testId, b.testId)
  );
}

/**
 * Code point order, the order both history stores sort text in (UTF-8 bytes); it differs from `<` only
 * where a character above U+FFFF (a surrogate pair) meets one in U+E000–U+FFFF.
 */
function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    return x >= 0xd800 && y >= 0xd800 ? codePointRank(x) - codePointRank(y) : x - y;
  }
  return a.length - b.length;
}

/** Surrogates (U+D800–U+DFFF) after U+E000–U+FFFF. */
function codePointRank(unit: number): number {
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}
