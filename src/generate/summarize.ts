import type { Stage } from './types.ts';

/** A line that says what went wrong, rather than which test it was. */
const TELLING =
  /\b(?:\w*Error|expected|assert\w*|Cannot|timed out|flaky|adds no coverage|no test passed|not ok|lint\/\w+)\b|syntax error|^\S+:\d+:\d+ /i;
/** A heading such as `lint (eslint):` that only introduces the diagnostics under it. */
const HEADING = /^[\w -]+(?:\([\w -]+\))?:$/;

/** The one line a discarded candidate is reported with. */
export function summarize(reached: Stage, failure: string | undefined): string {
  const what: Record<Stage, string> = {
    generated: 'does not compile or load',
    compiled: 'fails',
    passed: 'flaky: failed on a rerun',
    stable: 'covers none of the uncovered lines',
    addedCoverage: 'kills no mutant',
    killsMutants: 'accepted',
  };
  const lines = (failure ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !HEADING.test(line));
  const first = lines.find((line) => TELLING.test(line)) ?? lines[0];
  return first
    ? `${what[reached]}: ${first.length > 160 ? `${first.slice(0, 159)}…` : first}`
    : what[reached];
}
