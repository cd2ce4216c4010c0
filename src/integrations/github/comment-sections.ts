/** The sections of the pull-request comment, each rendered at a given level of detail. */
import { notEvaluatedGates } from '../../ci/gates.ts';
import type { CiResult, CiStep } from '../../ci/types.ts';
import { lineRanges } from '../../gaps/compute.ts';
import { unmeasuredSources } from '../../gaps/source-files.ts';
import type { FileGaps } from '../../gaps/types.ts';
import type { NewFile } from '../../generate/output.ts';
import { fileRows, othersSentence, worstFirst } from '../../report/file-rows.ts';
import { encodePath } from '../../report/markdown.ts';
import { formatPercent } from '../../report/text.ts';
import type { Finding } from '../../triage/types.ts';
import { codeBlock, codeSpan, escapeHtml, escapeText } from './escape.ts';

export interface CommentContext {
  /** https://github.com (GITHUB_SERVER_URL). */
  serverUrl: string;
  /** owner/name. */
  repository: string;
  /** The commit line links point at: the pull request's head, not the merge commit. */
  headSha: string;
  /** Generated tests' content by path (read from the patch); a test without content is listed without code. */
  testFiles?: readonly NewFile[];
  /** The whole patch of the accepted tests, offered as one diff to apply. */
  patch?: string;
  /** Repository-relative path of the patch in the job's workspace. */
  patchPath?: string;
  /** The workflow artifact the patch is uploaded as, when the workflow uploads it. */
  artifactName?: string;
  /** The pull request that proposes the generated tests, when one was opened. */
  proposal?: { number: number; url: string };
  runUrl?: string;
  /** What the run link is called (default "Workflow run"), e.g. "Pipeline" on GitLab. */
  runLabel?: string;
  /** Where the repository lives: GitHub (default) and GitLab spell links to a line differently. */
  forge?: 'github' | 'gitlab';
  failUnder?: number;
}

/** How much of each section is shown; the shortening in comment.ts lowers these in a fixed order. */
export interface Detail {
  patch: boolean;
  /** Generated tests shown with their code (the first N). */
  codeBlocks: number;
  evidence: boolean;
  /** Uncovered line ranges per file row. */
  rangeCap: number;
  findings: number;
  failedTests: number;
  rows: number;
  tests: number;
  /**
   * The body's byte limit: a section stops rendering items once it alone is past it (the body cannot fit
   * then anyway), so that trying a level of detail costs O(limit), not O(result).
   */
  budget: number;
}

const STEP_ICONS: Record<CiStep['status'], string> = {
  ok: '✅',
  off: '➖',
  skipped: '⏭️',
  failed: '❌',
  timedOut: '⏱️',
};
const STEP_WORDS: Record<CiStep['status'], string> = {
  ok: 'ok',
  off: 'off',
  skipped: 'skipped',
  failed: 'failed',
  timedOut: 'timed out',
};
/** Step and gate details come from testloop, but may quote user input: kept to one short line each. */
const DETAIL_CHARS = 300;

export function headSection(result: CiResult, context: CommentContext): string[] {
  const unknown = notEvaluatedGates(result).map((gate) => gate.name);
  const title =
    result.exitCode === 0
      ? unknown.length > 0
        ? `⚠️ testloop: tests pass, but not evaluated: ${unknown.join(', ')}`
        : '✅ testloop: tests pass and every gate holds'
      : result.exitCode === 1
        ? `❌ testloop: ${failedGates(result).join(', ') || 'failed'}`
        : '⚠️ testloop could not check this change';
  const facts = [
    testsFact(result),
    coverageFact(result, context),
    generateFact(result, context),
    triageFact(result),
    `**Steps:** ${result.steps.map((step) => `${step.name} ${STEP_ICONS[step.status]}`).join(' · ')}`,
  ].filter((fact): fact is string => fact !== undefined);
  const problems = [
    ...result.steps
      .filter((step) => step.status === 'failed' || step.status === 'timedOut')
      .map((step) => {
        const code = step.code ? ` (${codeSpan(step.code)})` : '';
        const detail = step.detail ? `: ${escapeText(short(step.detail))}` : '';
        return `- ${STEP_ICONS[step.status]} **${step.name}** ${STEP_WORDS[step.status]}${code}${detail}`;
      }),
    ...result.gates
      .filter((gate) => !gate.passed)
      .map((gate) =>
        gate.status === 'not-evaluated'
          ? `- ⚠️ gate **${gate.name}** not evaluated: ${escapeText(short(gate.reason ?? gate.detail))}`
          : `- ❌ gate **${gate.name}**: ${escapeText(short(gate.detail))}`,
      ),
  ];
  return [
    `### ${title}`,
    '',
    ...facts.map((fact) => `- ${fact}`),
    ...(problems.length ? ['', ...problems] : []),
  ];
}

function failedGates(result: CiResult): string[] {
  return result.gates
    .filter((gate) => !gate.passed)
    .map((gate) => {
      if (gate.status === 'not-evaluated') return `${gate.name} not evaluated`;
      if (gate.name === 'tests') return `${plural(result.run?.tests.failed ?? 0, 'test')} failed`;
      if (gate.name === 'fail-under') return 'diff coverage below the required level';
      if (gate.name === 'flaky') return 'new flaky tests';
      return 'testloop steps failed (strict)';
    });
}

function testsFact(result: CiResult): string | undefined {
  const { run, selection } = result;
  if (run) {
    const which = run.all
      ? `all ${count(run.totalTestFiles)} test files`
      : `${count(run.testFiles)} of ${count(run.totalTestFiles)} test files`;
    const saved = run.savedMs ? ` (saved ~${duration(run.savedMs)})` : '';
    const { passed, failed, skipped } = run.tests;
    return `**Tests:** ran ${which}${saved} in ${duration(run.durationMs)}: ${count(passed)} passed, ${count(failed)} failed, ${count(skipped)} skipped`;
  }
  if (selection) {
    const which = selection.all
      ? 'every test file'
      : `${count(selection.tests.length)} of ${count(selection.stats.totalTests)} test files`;
    return `**Tests:** selected ${which} (not run here)`;
  }
  return undefined;
}

function coverageFact(result: CiResult, context: CommentContext): string | undefined {
  const totals = result.gaps?.totals;
  if (!totals) return undefined;
  const required = context.failUnder === undefined ? '' : ` (required: ${context.failUnder}%)`;
  const unmeasured = result.gaps ? unmeasuredSources(result.gaps) : 0;
  if (unmeasured > 0)
    return `**Diff coverage:** not measured${required}: ${count(unmeasured)} changed source ${unmeasured === 1 ? 'file' : 'files'} no coverage report mentions`;
  const covered = totals.coverableLines - totals.uncoveredLines;
  return `**Diff coverage:** ${formatPercent(totals.percent)}${required}, ${count(covered)} of ${count(totals.coverableLines)} changed lines covered`;
}

function generateFact(result: CiResult, context: CommentContext): string | undefined {
  const generate = result.generate;
  if (!generate) return undefined;
  const parts = [`${count(generate.accepted.length)} accepted`];
  if (generate.discarded.length > 0) parts.push(`${count(generate.discarded.length)} discarded`);
  if (generate.stubs.length > 0) parts.push(`${plural(generate.stubs.length, 'skeleton')} (stub engine)`);
  const proposal = context.proposal
    ? `, proposed in [#${context.proposal.number}](${context.proposal.url})`
    : '';
  const failure = generate.llmError
    ? `; the model endpoint failed: ${escapeText(short(generate.llmError.message))}`
    : '';
  return `**Generated tests:** ${parts.join(', ')}${proposal}${failure}`;
}

function triageFact(result: CiResult): string | undefined {
  if (!result.triage) return undefined;
  const flaky = result.triage.findings.filter((f) => f.verdict === 'flaky').length;
  const broken = result.triage.findings.filter((f) => f.verdict === 'broken').length;
  return `**Flaky tests:** ${count(flaky)} flaky, ${count(broken)} broken over ${plural(result.triage.stats.runs, 'recorded run')}`;
}

export function failedTestsSection(result: CiResult, detail: Detail): string[] {
  const failed = result.run?.failedTests ?? [];
  if (failed.length === 0) return [];
  const shown = within(failed.slice(0, detail.failedTests), detail.budget, (id) => [`- ${codeSpan(id)}`]);
  return ['#### Failing tests', '', ...shown, ...more(failed.length - detail.failedTests, 'failing test')];
}

/** Files worst first, so that dropping rows from the end drops the best-covered files. */
export function coverageRows(result: CiResult): { rows: FileGaps[]; others: string[] } {
  const { listed, others } = fileRows(result.gaps?.files ?? []);
  const rows = listed.sort(worstFirst);
  return { rows, others };
}

export function coverageSection(
  { rows, others }: { rows: readonly FileGaps[]; others: readonly string[] },
  context: CommentContext,
  detail: Detail,
): string[] {
  const othersLine = others.length > 0 ? ['', othersSentence(others, (path) => codeSpan(path))] : [];
  if (rows.length === 0) return othersLine.length > 0 ? ['#### Diff coverage by file', ...othersLine] : [];
  const lines = within(rows.slice(0, detail.rows), detail.budget, (file) => {
    const path = escapeText(file.path);
    if (!file.measured) return [`| ${path} | not measured | no coverage report mentions this file |`];
    const ranges = lineRanges([...file.uncoveredLines].sort((a, b) => a - b));
    const links = ranges.slice(0, detail.rangeCap).map((r) => lineLink(file.path, r.start, r.end, context));
    const hidden = ranges.slice(detail.rangeCap).reduce((sum, r) => sum + r.end - r.start + 1, 0);
    if (hidden > 0) links.push(`… ${count(hidden)} more`);
    return [`| ${path} | ${formatPercent(file.percent)} | ${links.join(', ') || '–'} |`];
  });
  return [
    '#### Diff coverage by file',
    '',
    '| File | Coverage | Uncovered lines |',
    '| --- | ---: | --- |',
    ...lines,
    ...(rows.length > detail.rows ? ['', ...more(rows.length - detail.rows, 'file')] : []),
    ...othersLine,
  ];
}

function lineLink(path: string, start: number, end: number, context: CommentContext): string {
  const text = start === end ? `${start}` : `${start}-${end}`;
  if (!context.repository || !context.headSha) return text;
  const gitlab = context.forge === 'gitlab';
  const anchor = start === end ? `L${start}` : gitlab ? `L${start}-${end}` : `L${start}-L${end}`;
  const blob = gitlab ? '-/blob' : 'blob';
  const url = `${context.serverUrl}/${context.repository}/${blob}/${context.headSha}/${encodePath(path)}#${anchor}`;
  return `[${text}](${url})`;
}

export function testsSection(result: CiResult, context: CommentContext, detail: Detail): string[] {
  const accepted = result.generate?.accepted ?? [];
  if (accepted.length === 0) return [];
  const contents = new Map((context.testFiles ?? []).map((file) => [file.path, file.content]));
  const out = [
    `#### Generated tests (${count(accepted.length)} accepted)`,
    '',
    'Each test was run in this repository, passed repeatedly and covers changed lines no other test covers.',
  ];
  let withoutCode = 0;
  const listed = accepted.slice(0, detail.tests);
  listed.forEach((test, index) => {
    const covers = `covers ${plural(test.newlyCoveredLines.length, 'new line')} of ${test.target}`;
    const code = contents.get(test.testFile);
    if (code !== undefined && index < detail.codeBlocks) {
      const summary = `${escapeHtml(test.testFile)}: ${escapeHtml(covers)}`;
      out.push(
        '',
        `<details><summary>${summary}</summary>`,
        '',
        codeBlock(code, language(test.testFile)),
        '',
        '</details>',
      );
    } else {
      if (code !== undefined) withoutCode++;
      out.push('', `- ${codeSpan(test.testFile)}: ${escapeText(covers)}`);
    }
  });
  out.push(
    ...(accepted.length > listed.length
      ? ['', ...more(accepted.length - listed.length, 'accepted test')]
      : []),
  );
  if (withoutCode > 0)
    out.push('', `_Code of ${plural(withoutCode, 'test')} left out to fit; it is in the patch._`);
  return out;
}

export function patchSection(result: CiResult, context: CommentContext, detail: Detail): string[] {
  const where = [
    context.artifactName ? `the artifact ${codeSpan(context.artifactName)}` : '',
    context.patchPath ? `${codeSpan(context.patchPath)} in the job's workspace` : '',
  ].filter(Boolean);
  if ((result.generate?.accepted.length ?? 0) === 0) {
    // Skeletons are no tests to show, but whoever fills them in needs to know where they are.
    const stubs = result.generate?.stubs.length ?? 0;
    if (stubs === 0 || where.length === 0) return [];
    return [
      `${plural(stubs, 'test skeleton')} (\`it.todo\`, to fill in) ${stubs === 1 ? 'is' : 'are'} in the patch: ${where.join(', or ')}.`,
    ];
  }
  const found = where.length > 0 ? ` The patch is also ${where.join(' and ')}.` : '';
  if (!detail.patch || !context.patch) {
    return where.length > 0 ? [`To add these tests, apply the patch: ${where.join(', or ')}.`] : [];
  }
  return [
    '<details><summary>Patch with every accepted test</summary>',
    '',
    `Save it as ${codeSpan('testloop-tests.patch')} and run ${codeSpan('git apply testloop-tests.patch')} at the repository root.${found}`,
    '',
    codeBlock(context.patch, 'diff'),
    '',
    '</details>',
  ];
}

export function findingsSection(findings: readonly Finding[], detail: Detail): string[] {
  if (findings.length === 0) return [];
  const out = ['#### Flaky and broken tests', ''];
  const listed = within(findings.slice(0, detail.findings), detail.budget, (finding) => {
    const rate = `${(finding.impact.failureRate * 100).toFixed(1)}%`;
    const head = `- **${finding.verdict}** ${codeSpan(finding.testId)}: failed ${count(finding.failures)} of ${plural(finding.runs, 'run')} (${rate})`;
    const cause = finding.causes[0];
    if (!cause) return [head];
    const evidence = detail.evidence
      ? cause.evidence.slice(0, 3).map((line) => `  > ${escapeText(short(line))}`)
      : [];
    return [
      `${head}; likely cause ${codeSpan(cause.cause)}. Fix: ${escapeText(short(cause.fix))}`,
      ...evidence,
    ];
  });
  out.push(...listed);
  out.push(...more(findings.length - Math.min(findings.length, detail.findings), 'flaky or broken test'));
  return out;
}

/** Flaky and broken findings, most confident and most costly first. */
export function rankedFindings(result: CiResult): Finding[] {
  return (result.triage?.findings ?? [])
    .filter((finding) => finding.verdict !== 'healthy')
    .sort(
      (a, b) =>
        Number(b.verdict === 'broken') - Number(a.verdict === 'broken') ||
        b.impact.minutesLost - a.impact.minutesLost ||
        b.confidence - a.confidence ||
        (a.testId < b.testId ? -1 : a.testId > b.testId ? 1 : 0),
    );
}

/** Each item's lines, until they pass `budget` bytes (the item that passes it is kept: the body is too long). */
function within<T>(items: readonly T[], budget: number, render: (item: T) => string[]): string[] {
  const out: string[] = [];
  let used = 0;
  for (const item of items) {
    const lines = render(item);
    out.push(...lines);
    for (const line of lines) used += Buffer.byteLength(line, 'utf8') + 1;
    if (used > budget) break;
  }
  return out;
}

function more(n: number, noun: string): string[] {
  return n > 0 ? [`… ${count(n)} more ${noun}${n === 1 ? '' : 's'}`] : [];
}

function language(path: string): string {
  const ext = /\.([cm]?[jt]sx?)$/.exec(path)?.[1] ?? '';
  return ext.replace(/^[cm]/, '');
}

function short(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > DETAIL_CHARS ? `${flat.slice(0, DETAIL_CHARS - 1)}…` : flat;
}

export function plural(n: number, noun: string): string {
  return `${count(n)} ${noun}${n === 1 ? '' : 's'}`;
}

export const count = (n: number) => n.toLocaleString('en-US');

/** 4m 12s, 45 s, 800 ms. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}
