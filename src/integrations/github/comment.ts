/** The sticky pull-request comment of `testloop ci`: one markdown body, kept under GitHub's limit. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CiResult } from '../../ci/types.ts';
import { filesOfPatch } from '../../generate/output.ts';
import { MARKDOWN_LIMIT } from '../../report/markdown.ts';
import { fixesSection } from './comment-fixes.ts';
import {
  type CommentContext,
  coverageRows,
  coverageSection,
  type Detail,
  failedTestsSection,
  findingsSection,
  headSection,
  patchSection,
  rankedFindings,
  testsSection,
} from './comment-sections.ts';
import { readGitHubContext } from './context.ts';

export type { CommentContext } from './comment-sections.ts';

/** Lets the sticky-comment logic find this comment again on the next push. */
export const CI_COMMENT_MARKER = '<!-- testloop:ci -->';
/** GitHub rejects comment bodies longer than 65,536 characters. */
const COMMENT_LIMIT = MARKDOWN_LIMIT;

/**
 * What goes first when the body is too long, in this order: the whole-patch diff block (the patch file and
 * artifact still have it), the code of generated tests (last first), evidence lines under findings, line
 * ranges past five per file; then the list of generated tests, findings (least costly first), coverage rows
 * (best covered first) and failing test names, each down to ten; then the same four down to none. The
 * headline, steps and gates always stay. Every cut says "… N more" in its section; nothing is cut in the
 * middle of markdown.
 */
const LISTS = ['tests', 'findings', 'rows', 'failedTests'] as const;
const SHORTENING: readonly { key: keyof Detail; to?: boolean | number; floor?: number }[] = [
  { key: 'patch', to: false },
  { key: 'codeBlocks' },
  { key: 'evidence', to: false },
  { key: 'rangeCap', to: 5 },
  ...LISTS.map((key) => ({ key, floor: 10 })),
  ...LISTS.map((key) => ({ key })),
];

/** The comment body, at most `limit` UTF-8 bytes (so never more characters either). */
export function renderCiComment(result: CiResult, context: CommentContext, limit = COMMENT_LIMIT): string {
  const rows = coverageRows(result);
  const findings = rankedFindings(result);
  const accepted = result.generate?.accepted.length ?? 0;
  let detail: Detail = {
    patch: true,
    codeBlocks: accepted,
    evidence: true,
    rangeCap: Number.POSITIVE_INFINITY,
    findings: findings.length,
    failedTests: result.run?.failedTests.length ?? 0,
    rows: rows.rows.length,
    tests: accepted,
    budget: limit,
  };
  const render = (d: Detail, shortened: boolean) => {
    const sections = [
      headSection(result, context),
      failedTestsSection(result, d),
      coverageSection(rows, context, d),
      testsSection(result, context, d),
      patchSection(result, context, d),
      findingsSection(findings, d),
      fixesSection(result, d),
      footer(context, shortened ? limit : undefined),
    ].filter((section) => section.length > 0);
    return `${[[CI_COMMENT_MARKER], ...sections].map((section) => section.join('\n')).join('\n\n')}\n`;
  };
  const fits = (d: Detail) => bytes(render(d, true)) <= limit;

  const full = render(detail, false);
  if (bytes(full) <= limit) return full;
  for (const step of SHORTENING) {
    if (fits(detail)) break;
    const current = detail[step.key];
    if (step.to !== undefined) {
      if (typeof current === 'number' && typeof step.to === 'number' && current <= step.to) continue;
      detail = { ...detail, [step.key]: step.to };
      continue;
    }
    const floor = Math.min(step.floor ?? 0, current as number);
    const keep = largestFitting(floor, current as number, (n) => fits({ ...detail, [step.key]: n }));
    detail = { ...detail, [step.key]: keep };
  }
  return render(detail, true);
}

/** The largest n in min..max for which `fits(n)` holds (fewer items never make a longer body); min if none. */
function largestFitting(min: number, max: number, fits: (n: number) => boolean): number {
  let low = min;
  let high = max;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fits(middle)) low = middle;
    else high = middle - 1;
  }
  return low;
}

function footer(context: CommentContext, shortenedTo: number | undefined): string[] {
  const parts: string[] = [];
  if (shortenedTo !== undefined) {
    parts.push(
      `Shortened to stay under ${shortenedTo.toLocaleString('en-US')} characters; the job summary and the JSON output have everything.`,
    );
  }
  if (context.runUrl) parts.push(`[${context.runLabel ?? 'Workflow run'}](${context.runUrl})`);
  return parts.length === 0 ? [] : [`<sub>${parts.join(' · ')}</sub>`];
}

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/**
 * The comment's context from the environment: links when GITHUB_* variables name the repository and
 * commit (plain line numbers elsewhere), and the generated tests read back from the patch file.
 */
export function commentContextOf(
  result: CiResult,
  cwd: string,
  env: NodeJS.ProcessEnv,
  extra: Partial<CommentContext> & { patchPath?: string } = {},
): CommentContext {
  const github = readGitHubContext(env);
  const patchPath = extra.patchPath ?? result.generate?.patch;
  const file = patchPath === undefined ? undefined : resolve(cwd, patchPath);
  const patch = file !== undefined && existsSync(file) ? readFileSync(file, 'utf8') : '';
  return {
    serverUrl: github.serverUrl,
    repository: github.repository ?? '',
    headSha: github.pullRequest?.headSha ?? github.sha ?? result.head ?? '',
    testFiles: filesOfPatch(patch),
    ...(patch && patchPath ? { patch, patchPath } : {}),
    ...(github.runUrl ? { runUrl: github.runUrl } : {}),
    ...extra,
  };
}
