import { lineRanges } from '../gaps/compute.ts';
import { unmeasuredSources } from '../gaps/source-files.ts';
import type { FileGaps, Gap, GapsResult } from '../gaps/types.ts';
import { fileRows, othersSentence } from './file-rows.ts';
import type { GapsReporter, ReportContext } from './types.ts';

// Raw SGR codes rather than util.styleText: newer Node versions make styleText drop colors when stdout
// is not a TTY, which would override the caller's FORCE_COLOR decision carried in context.color.
const SGR = { red: 31, green: 32, yellow: 33, dim: 2 } as const;
type Style = keyof typeof SGR;

/** "4-6, 10" for [4, 5, 6, 10]. */
export function formatRanges(lines: readonly number[]): string {
  return lineRanges(lines)
    .map(({ start, end }) => (start === end ? `${start}` : `${start}-${end}`))
    .join(', ');
}

export function formatPercent(percent: number): string {
  return `${percent.toFixed(2)}%`;
}

/** Whether the total meets context.failUnder; undefined when no threshold is set. */
export function passesThreshold(result: GapsResult, context: ReportContext): boolean | undefined {
  if (context.failUnder === undefined) return undefined;
  return result.totals.percent >= context.failUnder;
}

export const textReporter: GapsReporter = {
  name: 'text',
  render(result, context) {
    const paint = (style: Style, text: string) =>
      context.color ? `\u001b[${SGR[style]}m${text}\u001b[0m` : text;
    const out: string[] = [];
    if (result.files.length === 0) {
      out.push('No changed source files: nothing to check.');
    } else {
      out.push(...fileLines(result.files, paint));
      out.push(totalsLine(result));
    }
    for (const warning of result.warnings) out.push(paint('yellow', `warning: ${warning}`));
    const passed = passesThreshold(result, context);
    if (passed !== undefined) {
      const verdict = `${formatPercent(result.totals.percent)} against the required ${context.failUnder}%`;
      out.push(passed ? paint('green', `Passed: ${verdict}`) : paint('red', `Failed: ${verdict}`));
    }
    return `${out.join('\n')}\n`;
  },
};

function fileLines(files: readonly FileGaps[], paint: (style: Style, text: string) => string): string[] {
  const { listed, uncoverable, others } = fileRows(files);
  const pathWidth = Math.max(0, ...listed.map((file) => file.path.length));
  const percentWidth = Math.max(
    0,
    ...listed.filter((file) => file.measured).map((file) => formatPercent(file.percent).length),
  );
  const out: string[] = [];
  for (const file of listed) {
    const path = file.path.padEnd(pathWidth);
    if (!file.measured) {
      const counted = file.assumedUncovered
        ? `; its ${file.changedLines} changed line(s) count as not covered`
        : '';
      out.push(
        `${path}  ${paint('yellow', `not measured: no coverage report mentions this file${counted}`)}`,
      );
      continue;
    }
    const uncovered = file.uncoveredLines.length;
    const percent = formatPercent(file.percent).padStart(percentWidth);
    let line = `${path}  ${paint(uncovered > 0 ? 'red' : 'green', percent)}  ${uncovered}/${file.coverableLines} uncovered`;
    if (uncovered > 0) line += `: ${formatRanges(file.uncoveredLines)}`;
    out.push(line);
    if (file.uncoveredBranches.length > 0) {
      const branches = file.uncoveredBranches.map((b) => `line ${b.line} (${b.taken} of ${b.total} taken)`);
      out.push(paint('dim', `  uncovered branches: ${branches.join(', ')}`));
    }
    if (file.uncoveredFunctions.length > 0) {
      const functions = file.uncoveredFunctions.map((fn) => `${fn.name} (line ${fn.line})`);
      out.push(paint('dim', `  functions never called: ${functions.join(', ')}`));
    }
  }
  if (uncoverable > 0) {
    out.push(`${uncoverable} changed ${uncoverable === 1 ? 'file has' : 'files have'} no coverable lines`);
  }
  if (others.length > 0) out.push(othersSentence(others, (path) => path));
  return out;
}

function totalsLine(result: GapsResult): string {
  const { totals } = result;
  const covered = totals.coverableLines - totals.uncoveredLines;
  const unmeasured = unmeasuredSources(result);
  let line =
    totals.coverableLines > 0
      ? `Diff coverage: ${formatPercent(totals.percent)} (${covered} of ${totals.coverableLines} coverable changed lines)`
      : unmeasured > 0
        ? // Nothing was measured: a percentage would read as "covered".
          `Diff coverage: not measured (${unmeasured} changed source file(s) no coverage report mentions)`
        : `Diff coverage: ${formatPercent(totals.percent)} (no coverable changed lines)`;
  const extra: string[] = [];
  if (totals.uncoveredBranches > 0) extra.push(plural(totals.uncoveredBranches, 'uncovered branch', 'es'));
  if (totals.uncoveredFunctions > 0) extra.push(plural(totals.uncoveredFunctions, 'uncovered function', 's'));
  if (extra.length > 0) line += `, ${extra.join(', ')}`;
  return line;
}

export function plural(count: number, noun: string, suffix: string): string {
  return `${count} ${noun}${count === 1 ? '' : suffix}`;
}

/** One-line description of a gap, shared by the annotation formats. */
export function describeGap(gap: Gap): string {
  const where =
    gap.kind === 'function'
      ? `Function ${gap.symbol ?? '(anonymous)'} (line ${gap.start})`
      : gap.start === gap.end
        ? `Line ${gap.start}`
        : `Lines ${gap.start}-${gap.end}`;
  return `${where}: ${gap.reason}`;
}
