import type { TestCounts } from './types.ts';

/** Counts from a summary line such as vitest's `Tests  2 failed | 3 passed (5)` or jest's `Tests: 1 failed, 4 passed, 5 total`. */
export function summaryCounts(summary: string): TestCounts {
  const count = (word: RegExp): number =>
    [...summary.matchAll(word)].reduce((sum, m) => sum + Number(m[1]), 0);
  return {
    passed: count(/(\d+) passed/g),
    failed: count(/(\d+) failed/g),
    skipped: count(/(\d+) (?:skipped|todo)/g),
  };
}
