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

/** The fixes as a pull-request section: accepted ones with their patch folded, the others in a line each. */
export function fixesMarkdown(fixes: readonly FixResult[]): string {
  if (fixes.length === 0) return '';
  const accepted = fixes.filter((f) => f.accepted);
  const lines = [`### Flaky test fixes: ${accepted.length} of ${fixes.length} proven`, ''];
  for (const fix of fixes) {
    const id = `\`${fix.testId.replace(/`/g, "'")}\``;
    if (fix.accepted) {
      lines.push(
        `- ${id}: fixed; failed ${Math.round(fix.failureRate * 100)}% of runs under ${fix.condition}, the fix passed all ${fix.validationRuns} runs`,
        '',
        '<details><summary>patch</summary>',
        '',
        fence(fix.patch ?? ''),
        '',
        '</details>',
        '',
      );
    } else lines.push(`- ${id}: ${fix.reproduced ? 'not fixed' : 'not reproduced'} (${fix.reason})`);
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** A fenced diff block that the patch's own backticks cannot close. */
function fence(patch: string): string {
  const longest = Math.max(2, ...[...patch.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}diff\n${patch.trimEnd()}\n${ticks}`;
}
