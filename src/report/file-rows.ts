import { isCoverageSource } from '../gaps/source-files.ts';
import type { FileGaps } from '../gaps/types.ts';

/** Names the "other files" line spells out before "and N more". */
const NAMED_OTHERS = 5;

/** What a per-file coverage table shows of the changed files. */
export interface FileRows {
  /** Measured files with coverable changed lines, and source files no report mentions. */
  listed: FileGaps[];
  /** Measured files whose changed lines are none of them executable (types, comments): only counted. */
  uncoverable: number;
  /** Files coverage tools do not measure (tests, configuration, manifests, lockfiles, documents) that no report mentions: only counted. */
  others: string[];
}

/** Sorts the changed files into table rows and the two kinds only counted. */
export function fileRows(files: readonly FileGaps[]): FileRows {
  const rows: FileRows = { listed: [], uncoverable: 0, others: [] };
  for (const file of files) {
    if (file.measured) {
      if (file.coverableLines > 0) rows.listed.push(file);
      else rows.uncoverable++;
    } else if (isCoverageSource(file.path)) rows.listed.push(file);
    else rows.others.push(file.path);
  }
  return rows;
}

/**
 * One sentence for the unmeasured non-source files, naming the first few so that a file put there by
 * mistake can still be seen; `name` quotes a path for the output format.
 */
export function othersSentence(others: readonly string[], name: (path: string) => string): string {
  const n = others.length;
  const named = others.slice(0, NAMED_OTHERS).map(name).join(', ');
  const more = n > NAMED_OTHERS ? ` and ${(n - NAMED_OTHERS).toLocaleString('en-US')} more` : '';
  const files = n === 1 ? '1 other changed file' : `${n.toLocaleString('en-US')} other changed files`;
  return `${files} (tests, configuration, manifests, documents) ${n === 1 ? 'is' : 'are'} not measured by coverage: ${named}${more}.`;
}

/** Most uncovered lines first, then unmeasured, then lowest percent: cutting rows from the end drops the best. */
export function worstFirst(a: FileGaps, b: FileGaps): number {
  return (
    b.uncoveredLines.length - a.uncoveredLines.length ||
    Number(a.measured) - Number(b.measured) ||
    a.percent - b.percent ||
    (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
  );
}
