import type { Gap, GapsResult } from '../gaps/types.ts';
import { renderMarkdown } from './markdown.ts';
import { describeGap } from './text.ts';
import type { GapsReporter, ReportContext } from './types.ts';

/** GitHub shows at most this many warning annotations per step; the rest are silently dropped. */
export const GITHUB_ANNOTATION_CAP = 10;
/** $GITHUB_STEP_SUMMARY accepts at most 1024 KiB per step. */
export const JOB_SUMMARY_LIMIT = 1024 * 1024;

const TITLES: Record<Gap['kind'], string> = {
  line: 'Uncovered changed lines',
  branch: 'Uncovered branch',
  function: 'Uncovered function',
};

/** Workflow commands (`::warning …`) for the step log; the step's annotations come from these. */
export const githubReporter: GapsReporter = {
  name: 'github',
  render(result) {
    const gaps = [...result.gaps].sort(largestFirst);
    const shown = gaps.slice(0, GITHUB_ANNOTATION_CAP);
    const out = shown.map((gap) => {
      const properties = [
        `file=${escapeProperty(gap.file)}`,
        `line=${gap.start}`,
        `endLine=${gap.end}`,
        `title=${escapeProperty(TITLES[gap.kind])}`,
      ];
      return `::warning ${properties.join(',')}::${escapeData(describeGap(gap))}`;
    });
    const left = gaps.length - shown.length;
    if (left > 0) {
      const what = left === 1 ? 'gap was' : 'gaps were';
      out.push(
        `::notice::${escapeData(`${left} more coverage ${what} not annotated (GitHub shows ${GITHUB_ANNOTATION_CAP} per step); see the job summary or the JSON/SARIF output`)}`,
      );
    }
    return out.length === 0 ? '' : `${out.join('\n')}\n`;
  },
};

/** Markdown for $GITHUB_STEP_SUMMARY: the pull-request comment, with the summary's larger limit. */
export function renderJobSummary(result: GapsResult, context: ReportContext): string {
  return renderMarkdown(result, context, JOB_SUMMARY_LIMIT);
}

function largestFirst(a: Gap, b: Gap): number {
  return (
    b.end - b.start - (a.end - a.start) ||
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    a.start - b.start ||
    a.kind.localeCompare(b.kind)
  );
}

/** Message text of a workflow command (toolkit's escapeData). */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Property values of a workflow command (toolkit's escapeProperty). */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
