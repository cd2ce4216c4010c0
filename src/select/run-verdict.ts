import type { RunOutcomes } from './run-outcomes.ts';

/** A run in a word or three, worst first: a failing test or runner, the time limit, nothing passing. */
export function verdictOf(outcome: RunOutcomes): string {
  const { passed, failed } = outcome.tests;
  if (failed > 0 || outcome.exitCode !== 0) return 'Failed';
  if (outcome.timedOut) return 'Stopped at the time limit';
  return passed === 0 ? 'No test passed' : 'Passed';
}
