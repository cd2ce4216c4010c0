import type { FixReport, FixResult } from '../triage/fix/types.ts';

/** `triage --fix` as text: one block per test. */
export function renderFixesText(report: FixReport): string {
  if (report.fixes.length === 0) return 'no tests to fix\n';
  return `${report.fixes.map(fixBlock).join('\n')}\n`;
}

function fixBlock(fix: FixResult): string {
  const status = fix.accepted ? 'fixed' : fix.reproduced ? 'not fixed' : 'not reproduced';
  const lines = [`${fix.testId}: ${status}`];
  if (fix.reproduced)
    lines.push(
      `  reproduced under ${fix.condition}: p = ${fix.failureRate} over ${fix.reproductionRuns} run(s) (${fix.reproductionSeconds}s)`,
    );
  else
    lines.push(
      `  ${fix.reproductionRuns} run(s) over ${fix.reproduction.map((t) => t.condition).join(', ') || 'no condition'} (${fix.reproductionSeconds}s)`,
    );
  if (fix.requiredRuns !== undefined && fix.rounds > 0)
    lines.push(
      `  proof: ${fix.validationRuns} of M = ${fix.requiredRuns} run(s), ${fix.validationFailures} failed; ${fix.rounds} round(s) with the model`,
    );
  lines.push(`  ${fix.reason}`);
  if (fix.patch !== null)
    lines.push(
      ...fix.patch
        .trimEnd()
        .split('\n')
        .map((line) => `  ${line}`),
    );
  return lines.join('\n');
}
