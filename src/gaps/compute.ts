import { type FileCoverage, touchesAny } from '../coverage/types.ts';
import type { ChangedFile } from '../git/types.ts';
import type { FileGaps, Gap, GapsTotals } from './types.ts';

/**
 * diff × coverage for one file. A changed line counts only where the report says it is executable; with
 * `countUnmeasured`, a file no report mentions counts every changed line as not covered.
 */
export function fileGaps(
  change: ChangedFile,
  report: FileCoverage | undefined,
  countUnmeasured = false,
): FileGaps {
  const changed: number[] = [];
  for (const hunk of change.hunks) for (let line = hunk.start; line <= hunk.end; line++) changed.push(line);
  if (!report && countUnmeasured && changed.length > 0) return assumedUncovered(change.path, changed);
  // Only the changed lines are looked at: a reader that can build just those does.
  const coverage = report?.within ? report.within(change.hunks) : report;
  const uncoveredLines: number[] = [];
  let coverableLines = 0;
  const uncoveredBranches: FileGaps['uncoveredBranches'] = [];
  const uncoveredFunctions: FileGaps['uncoveredFunctions'] = [];
  if (coverage) {
    for (const line of changed) {
      const hits = coverage.lines.get(line);
      if (hits === undefined) continue;
      coverableLines++;
      if (hits === 0) uncoveredLines.push(line);
    }
    const uncovered = new Set(uncoveredLines);
    for (const line of changed) {
      const branch = coverage.branches.get(line);
      // An unrun line is already reported as a line; its branches would only repeat it.
      if (branch && branch.taken < branch.total && !uncovered.has(line)) {
        uncoveredBranches.push({ line, taken: branch.taken, total: branch.total });
      }
    }
    for (const fn of coverage.functions) {
      if (fn.hits > 0) continue;
      if (touchesAny(fn.line, fn.endLine ?? fn.line, change.hunks)) {
        uncoveredFunctions.push({ name: fn.name, line: fn.line });
      }
    }
    uncoveredFunctions.sort((a, b) => a.line - b.line || a.name.localeCompare(b.name));
  }
  return {
    path: change.path,
    changedLines: changed.length,
    coverableLines,
    uncoveredLines,
    uncoveredBranches,
    uncoveredFunctions,
    percent: percentOf(coverableLines, uncoveredLines.length),
    measured: coverage !== undefined,
  };
}

/** No report vouches for the file: nothing of it is known to run. */
function assumedUncovered(path: string, changed: number[]): FileGaps {
  return {
    path,
    changedLines: changed.length,
    coverableLines: changed.length,
    uncoveredLines: changed,
    uncoveredBranches: [],
    uncoveredFunctions: [],
    percent: 0,
    measured: false,
    assumedUncovered: true,
  };
}

/** Covered share of coverable lines, 100 when nothing is coverable (as diff-cover). Two decimals. */
export function percentOf(coverable: number, uncovered: number): number {
  if (coverable === 0) return 100;
  // Integer arithmetic first: (0.29 * 10000) is 2899.99… in floating point, 29 * 10000 / 100 is exact.
  return Math.floor(((coverable - uncovered) * 10000) / coverable) / 100;
}

export function totalsOf(files: readonly FileGaps[]): GapsTotals {
  let changedLines = 0;
  let coverableLines = 0;
  let uncoveredLines = 0;
  let uncoveredBranches = 0;
  let uncoveredFunctions = 0;
  for (const file of files) {
    changedLines += file.changedLines;
    coverableLines += file.coverableLines;
    uncoveredLines += file.uncoveredLines.length;
    uncoveredBranches += file.uncoveredBranches.length;
    uncoveredFunctions += file.uncoveredFunctions.length;
  }
  return {
    changedLines,
    coverableLines,
    uncoveredLines,
    percent: percentOf(coverableLines, uncoveredLines),
    uncoveredBranches,
    uncoveredFunctions,
  };
}

/** Flattens per-file findings into Gap records; consecutive uncovered lines form one gap. */
export function gapsOf(file: FileGaps): Gap[] {
  const gaps: Gap[] = [];
  const reason = file.assumedUncovered
    ? 'changed lines of a file no coverage report mentions'
    : 'changed lines not run by any test';
  for (const range of lineRanges(file.uncoveredLines)) {
    gaps.push({ file: file.path, kind: 'line', ...range, reason });
  }
  for (const b of file.uncoveredBranches) {
    gaps.push({
      file: file.path,
      kind: 'branch',
      start: b.line,
      end: b.line,
      reason: `${b.total - b.taken} of ${b.total} branches never taken`,
    });
  }
  for (const fn of file.uncoveredFunctions) {
    gaps.push({
      file: file.path,
      kind: 'function',
      start: fn.line,
      end: fn.line,
      symbol: fn.name,
      reason: 'changed function never called',
    });
  }
  return gaps;
}

/** [3,4,5,9] → [{3,5},{9,9}]; input ascending. */
export function lineRanges(lines: readonly number[]): { start: number; end: number }[] {
  const ranges: { start: number; end: number }[] = [];
  for (const line of lines) {
    const last = ranges[ranges.length - 1];
    if (last && line === last.end + 1) last.end = line;
    else ranges.push({ start: line, end: line });
  }
  return ranges;
}
