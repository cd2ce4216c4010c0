import type { RunnerName } from '../runners/types.ts';
import type { ShardSummary } from './shard.ts';

export interface SelectedTest {
  /** Repository-relative path of the test file. */
  file: string;
  /** Higher runs earlier: 1 for a changed test, 1/d for a test d imports away from a change. */
  score: number;
  reasons: string[];
  runner?: RunnerName;
  /** The package folder the runner runs in, repository-relative ('' for the root). */
  project?: string;
}

export interface SelectResult {
  /** True when a change cannot be seen through: every test is selected, and `reason` says why. */
  all: boolean;
  reason?: string;
  tests: SelectedTest[];
  /** Changed files that affect no test, each with why (documentation, lint config, …). */
  ignored: { file: string; reason: string }[];
  /** With `shard`: this machine's part of the selection (`tests` holds only that part). */
  shard?: ShardSummary;
  /**
   * Changed source files no test imports, directly or through other modules (`import type` included):
   * nothing selected runs them. Listed so that a change nothing tests is never silent; empty when `all`.
   */
  untested: string[];
  /** What the selection could not use (a test history that would not open), for stderr. */
  warnings?: string[];
  stats: {
    files: number;
    parsed: number;
    cached: number;
    ms: number;
    changedFiles: number;
    totalTests: number;
    graphMs: number;
    /** Import specifiers that resolve to no file and are not packages: each widens the selection. */
    unresolved: number;
    /** Test files the history had records for, when a history was read. */
    historyFiles?: number;
  };
}
