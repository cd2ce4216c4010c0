import { addBranchHits, addLineHits, type FileCoverage } from './types.ts';

/** Folds `from` into `into`: a line, branch or function counts as covered if either side covers it. */
export function mergeFileCoverage(into: FileCoverage, from: FileCoverage): void {
  for (const [line, hits] of from.lines) addLineHits(into, line, hits);
  for (const [line, b] of from.branches) addBranchHits(into, line, b.taken, b.total);
  for (const fn of from.functions) {
    const same = into.functions.find((f) => f.name === fn.name && f.line === fn.line);
    if (same) {
      same.hits += fn.hits;
      // lcov and Cobertura place a function by its first line only; keep the extent another report knows.
      if (same.endLine === undefined && fn.endLine !== undefined) same.endLine = fn.endLine;
    } else into.functions.push({ ...fn });
  }
}
