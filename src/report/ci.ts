import { gateLine } from '../ci/gates.ts';
import { seconds } from '../ci/progress.ts';
import type { CiResult } from '../ci/types.ts';
import type { GapsResult } from '../gaps/types.ts';
import { reporterByName } from './index.ts';

export const CI_FORMATS = ['text', 'json', 'markdown', 'html', 'github', 'gitlab', 'sarif'] as const;
/** Formats that report the gaps of the change with the `gaps` command's reporters. */
export const CI_GAPS_FORMATS = ['github', 'gitlab', 'sarif'] as const;
export type CiFormat = (typeof CI_FORMATS)[number];

/** The end-of-step summary: what ran, what it found, and why the exit status is what it is. */
export function renderCiText(result: CiResult): string {
  const lines: string[] = ['testloop ci'];
  for (const step of result.steps) {
    const state = step.status === 'ok' ? '' : ` [${step.status}]`;
    lines.push(
      `  ${step.name.padEnd(9)}${seconds(step.ms).padStart(7)}${state}  ${step.detail ?? ''}`.trimEnd(),
    );
  }
  const { run, gaps, generate, triage } = result;
  const selected = result.selection && !result.selection.all ? result.selection.tests : [];
  if (run && !run.all && run.savedMs !== undefined) {
    lines.push(
      `  selection: ${run.testFiles} of ${run.totalTestFiles} test files run, about ${seconds(run.savedMs)} of test time saved`,
    );
  } else if (selected.length > 0) lines.push(`  selection: ${selected.length} test file(s)`);
  // Why each test was chosen, so a reviewer can trust the tests that were left out.
  for (const test of selected.slice(0, 10)) lines.push(`    ${test.file} — ${test.reasons.join('; ')}`);
  if (selected.length > 10) lines.push(`    … ${selected.length - 10} more`);
  if (run && run.failedTests.length > 0) {
    lines.push(`  failed tests (${run.failedTests.length}):`);
    for (const id of run.failedTests.slice(0, 20)) lines.push(`    ${id}`);
    if (run.failedTests.length > 20) lines.push(`    … ${run.failedTests.length - 20} more`);
  }
  if (gaps && gaps.gaps.length > 0) {
    lines.push(`  uncovered changed code (${gaps.gaps.length}):`);
    for (const gap of gaps.gaps.slice(0, 20)) {
      const where = gap.start === gap.end ? `${gap.start}` : `${gap.start}-${gap.end}`;
      lines.push(`    ${gap.file}:${where} ${gap.kind}${gap.symbol ? ` ${gap.symbol}` : ''}`);
    }
    if (gaps.gaps.length > 20) lines.push(`    … ${gaps.gaps.length - 20} more`);
  }
  if (generate && generate.accepted.length > 0) {
    lines.push(
      `  generated tests accepted (${generate.accepted.length})${generate.patch ? `: patch ${generate.patch}` : ''}`,
    );
    for (const a of generate.accepted) lines.push(`    ${a.testFile} for ${a.target}`);
  }
  if (generate && generate.stubs.length > 0) {
    lines.push(
      `  test skeletons to fill in (${generate.stubs.length})${generate.patch ? `: patch ${generate.patch}` : ''}`,
    );
    for (const s of generate.stubs.slice(0, 20))
      lines.push(`    ${s.testFile} for ${s.target} (${s.todos} todo(s))`);
    if (generate.stubs.length > 20) lines.push(`    … ${generate.stubs.length - 20} more`);
  }
  const suspects = triage?.findings.filter((f) => f.verdict !== 'healthy') ?? [];
  if (suspects.length > 0) {
    lines.push(`  flaky or broken tests (${suspects.length}):`);
    for (const f of suspects.slice(0, 10)) {
      lines.push(
        `    ${f.verdict.padEnd(6)} ${f.testId} — ${f.failures} of ${f.runs} runs failed; ${f.causes[0]?.cause ?? 'unknown'}`,
      );
    }
  }
  if (result.fixes && result.fixes.length > 0) {
    lines.push(
      `  flaky test fixes (${result.fixes.filter((f) => f.accepted).length} of ${result.fixes.length} proven):`,
    );
    for (const f of result.fixes)
      lines.push(
        `    ${f.accepted ? 'fixed' : f.reproduced ? 'not fixed' : 'not reproduced'}: ${f.testId} — ${f.reason}`,
      );
  }
  for (const gate of result.gates) {
    const label = gate.passed ? 'pass' : gate.status === 'not-evaluated' ? 'UNKNOWN' : 'FAIL';
    lines.push(`  ${label} ${gate.name}: ${gateLine(gate)}`);
  }
  lines.push(`  exit ${result.exitCode} after ${seconds(result.stats.ms)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The gaps of the change in a `gaps` format (GitLab Code Quality, SARIF, GitHub annotations); a run whose
 * gaps step did not finish reports no findings rather than a broken file.
 */
export function renderCiGaps(result: CiResult, format: (typeof CI_GAPS_FORMATS)[number]): string {
  return reporterByName(format)!.render(result.gaps ?? noGaps(result), { color: false });
}

function noGaps(result: CiResult): GapsResult {
  const totals = {
    changedLines: 0,
    coverableLines: 0,
    uncoveredLines: 0,
    percent: 100,
    uncoveredBranches: 0,
    uncoveredFunctions: 0,
  };
  return {
    base: result.base ?? '',
    head: result.head ?? '',
    files: [],
    totals,
    gaps: [],
    warnings: [],
    unmatchedCoveragePaths: [],
    stats: { ms: 0, changedFiles: 0, reports: 0, coveredFiles: 0 },
  };
}
