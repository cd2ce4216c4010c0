import { gapsOf, percentOf, totalsOf } from '../../src/gaps/compute.ts';
import type { FileGaps, GapsResult } from '../../src/gaps/types.ts';

/** Characters each output format must escape: markdown table, HTML, code span, workflow command, URL. */
export const ODD_PATH = 'src/we`ird dir/a|b<c>,d:e%f (1).ts';

type FileInput = Omit<FileGaps, 'percent' | 'changedLines' | 'uncoveredBranches' | 'uncoveredFunctions'> &
  Partial<Pick<FileGaps, 'uncoveredBranches' | 'uncoveredFunctions' | 'changedLines'>>;

export function fileOf(input: FileInput): FileGaps {
  return {
    changedLines: input.coverableLines + 2,
    uncoveredBranches: [],
    uncoveredFunctions: [],
    ...input,
    percent: percentOf(input.coverableLines, input.uncoveredLines.length),
  };
}

export function resultOf(files: FileGaps[], warnings: string[] = []): GapsResult {
  return {
    base: 'abc1234',
    head: 'def5678',
    baseRef: 'origin/main',
    files,
    totals: totalsOf(files),
    gaps: files.flatMap(gapsOf),
    warnings,
    unmatchedCoveragePaths: [],
    stats: { ms: 12, changedFiles: files.length, reports: 1, coveredFiles: files.length },
  };
}

/** Several files: ranges, branches, functions, a fully covered file, an uncoverable and an unmeasured one. */
export function sampleResult(): GapsResult {
  return resultOf(
    [
      fileOf({
        path: 'src/a.ts',
        coverableLines: 12,
        uncoveredLines: [4, 5, 6, 10],
        uncoveredBranches: [{ line: 7, taken: 1, total: 2 }],
        uncoveredFunctions: [{ name: 'parseArgs', line: 3 }],
        measured: true,
      }),
      fileOf({
        path: ODD_PATH,
        coverableLines: 4,
        uncoveredLines: [2],
        uncoveredFunctions: [{ name: 'run`it|<now>', line: 2 }],
        measured: true,
      }),
      fileOf({
        path: 'src/ok.ts',
        coverableLines: 5,
        uncoveredLines: [],
        uncoveredBranches: [{ line: 3, taken: 0, total: 2 }],
        measured: true,
      }),
      fileOf({ path: 'src/types.ts', coverableLines: 0, uncoveredLines: [], measured: true }),
      fileOf({ path: 'src/new.ts', coverableLines: 0, uncoveredLines: [], measured: false }),
    ],
    ['src/new.ts: no coverage report mentions this changed file'],
  );
}

/** `fileCount` files with `linesPerFile` uncovered lines each, every other line, so each is its own range. */
export function largeResult(fileCount: number, linesPerFile: number): GapsResult {
  const files: FileGaps[] = [];
  for (let i = 0; i < fileCount; i++) {
    const uncoveredLines = Array.from({ length: linesPerFile - (i % 7) }, (_, k) => 2 * k + 1);
    files.push(
      fileOf({
        path: `packages/pkg-${i % 50}/src/module-${i}.ts`,
        coverableLines: 2 * linesPerFile,
        uncoveredLines,
        uncoveredBranches: [{ line: 2, taken: 1, total: 2 }],
        uncoveredFunctions: [{ name: `fn${i}`, line: 1 }],
        measured: true,
      }),
    );
  }
  return resultOf(files, [`${fileCount} files changed`]);
}
