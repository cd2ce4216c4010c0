/** One stretch of changed code that no test runs. */
export interface Gap {
  file: string;
  kind: 'line' | 'branch' | 'function';
  start: number;
  end: number;
  symbol?: string;
  reason: string;
}

export interface FileGaps {
  path: string;
  /** Lines added or modified by the change. */
  changedLines: number;
  /** Changed lines the coverage reports measure (diff-cover's measured lines). */
  coverableLines: number;
  /** Changed, measured lines that no test ran (diff-cover's violation_lines), ascending. */
  uncoveredLines: number[];
  uncoveredBranches: { line: number; taken: number; total: number }[];
  uncoveredFunctions: { name: string; line: number }[];
  percent: number;
  /** False when no coverage report mentions the file at all: its changes are not measured. */
  measured: boolean;
  /**
   * True for a changed source file no report mentions, under a `--fail-under` gate: every changed line
   * counts as coverable and not covered, since no report vouches for it.
   */
  assumedUncovered?: boolean;
}

export interface GapsTotals {
  changedLines: number;
  coverableLines: number;
  uncoveredLines: number;
  percent: number;
  uncoveredBranches: number;
  uncoveredFunctions: number;
}

export interface GapsResult {
  base: string;
  head: string;
  /** The ref the base was taken from (e.g. origin/main), when it came from git. */
  baseRef?: string;
  files: FileGaps[];
  totals: GapsTotals;
  gaps: Gap[];
  /** Changed source files that no report covers, and report paths that match no repository file. */
  warnings: string[];
  unmatchedCoveragePaths: string[];
  stats: { ms: number; changedFiles: number; reports: number; coveredFiles: number };
}
