import type { CodeLens } from 'vscode-languageserver';
import type { FileCoverage } from '../coverage/types.ts';
import type { Unit } from '../generate/ast.ts';
import type { AffectedTests } from '../select/warm.ts';

export const RUN_AFFECTED = 'testloop.runAffectedTests';
export const GENERATE_TEST = 'testloop.generateTest';

/**
 * Two lenses over each function: whether the coverage report saw it run (a function not run offers to
 * generate a test), and how many tests a change of its file affects (running them on click).
 */
export function functionLenses(
  uri: string,
  units: readonly Unit[],
  coverage: FileCoverage | undefined,
  affected: AffectedTests | string,
): CodeLens[] {
  const affectedTitle = titleOfAffected(affected);
  return units.flatMap((unit) => {
    const range = {
      start: { line: unit.startLine - 1, character: 0 },
      end: { line: unit.startLine - 1, character: 0 },
    };
    const state = coverageOf(unit, coverage);
    return [
      {
        range,
        command:
          state === 'not covered'
            ? { title: state, command: GENERATE_TEST, arguments: [uri, unit.symbol] }
            : { title: state, command: '' },
      },
      { range, command: { title: affectedTitle, command: RUN_AFFECTED, arguments: [uri] } },
    ];
  });
}

/** "affects 3 tests"; a file whose change selects everything says so; a graph that failed says why. */
function titleOfAffected(affected: AffectedTests | string): string {
  if (typeof affected === 'string') return `affected tests unknown: ${affected}`;
  const count = affected.tests.length;
  if (affected.all !== undefined) return `affects all ${count} tests (${affected.all})`;
  return `affects ${count} test${count === 1 ? '' : 's'}`;
}

/**
 * From the report's function record starting in the unit, else from its executable lines: run when any
 * of them ran. A file the report does not mention is not measured, which is not the same as not covered.
 */
export function coverageOf(
  unit: Unit,
  coverage: FileCoverage | undefined,
): 'covered' | 'not covered' | 'not measured' {
  if (!coverage) return 'not measured';
  const inside = (line: number) => unit.startLine <= line && line <= unit.endLine;
  const record =
    coverage.functions.find((fn) => fn.line === unit.startLine) ??
    coverage.functions.find((fn) => inside(fn.line));
  if (record) return record.hits > 0 ? 'covered' : 'not covered';
  let executable = false;
  for (const [line, hits] of coverage.lines) {
    if (!inside(line)) continue;
    if (hits > 0) return 'covered';
    executable = true;
  }
  return executable ? 'not covered' : 'not measured';
}
