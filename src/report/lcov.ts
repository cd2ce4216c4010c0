import type { FileGaps } from '../gaps/types.ts';
import type { GapsReporter } from './types.ts';

/**
 * An lcov tracefile of the gaps, for editor gutters (Coverage Gutters and the like). The result keeps
 * only uncovered lines, so DA lists those (hits 0) while LF/LH still count every coverable changed
 * line; BRDA and FN/FNDA carry the uncovered branches and functions.
 */
export const lcovReporter: GapsReporter = {
  name: 'lcov',
  render(result) {
    return result.files
      .filter(
        (file) =>
          file.measured &&
          file.coverableLines + file.uncoveredBranches.length + file.uncoveredFunctions.length > 0,
      )
      .map(recordOf)
      .join('');
  },
};

function recordOf(file: FileGaps): string {
  const out = ['TN:', `SF:${file.path}`];
  for (const fn of file.uncoveredFunctions) out.push(`FN:${fn.line},${oneLine(fn.name)}`);
  for (const fn of file.uncoveredFunctions) out.push(`FNDA:0,${oneLine(fn.name)}`);
  if (file.uncoveredFunctions.length > 0) out.push(`FNF:${file.uncoveredFunctions.length}`, 'FNH:0');
  let branches = 0;
  let taken = 0;
  for (const branch of file.uncoveredBranches) {
    // Which outcomes ran is not kept, only how many; list the taken ones first, each counted once.
    for (let i = 0; i < branch.total; i++) out.push(`BRDA:${branch.line},0,${i},${i < branch.taken ? 1 : 0}`);
    branches += branch.total;
    taken += branch.taken;
  }
  if (branches > 0) out.push(`BRF:${branches}`, `BRH:${taken}`);
  for (const line of file.uncoveredLines) out.push(`DA:${line},0`);
  out.push(
    `LF:${file.coverableLines}`,
    `LH:${file.coverableLines - file.uncoveredLines.length}`,
    'end_of_record',
  );
  return `${out.join('\n')}\n`;
}

/** A newline in a name would end the record line early. */
const oneLine = (text: string) => text.replace(/[\r\n]+/g, ' ');
