import { seconds } from '../ci/progress.ts';
import type { CiResult } from '../ci/types.ts';

export const CI_FORMATS = ['text', 'json', 'markdown', 'html'] as const;
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
  if (run && !run.all && run.savedMs !== undefined) {
    lines.push(
      `  selection: ${run.testFiles} of ${run.totalTestFiles} test files run, about ${seconds(run.savedMs)} of test time saved`,
    );
  }
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
  const suspects = triage?.findings.filter((f) => f.verdict !== 'healthy') ?? [];
  if (suspects.length > 0) {
    lines.push(`  flaky or broken tests (${suspects.length}):`);
    for (const f of suspects.slice(0, 10)) {
      lines.push(
        `    ${f.verdict.padEnd(6)} ${f.testId} — ${f.failures} of ${f.runs} runs failed; ${f.causes[0]?.cause ?? 'unknown'}`,
      );
    }
  }
  for (const gate of result.gates)
    lines.push(`  ${gate.passed ? 'pass' : 'FAIL'} ${gate.name}: ${gate.detail}`);
  lines.push(`  exit ${result.exitCode} after ${seconds(result.stats.ms)}`);
  return `${lines.join('\n')}\n`;
}
