/** The comment's section on `ci --fix-flaky`: proven fixes with their patch folded, the rest one line each. */
import type { CiResult } from '../../ci/types.ts';
import type { FixResult } from '../../triage/fix/types.ts';
import type { Detail } from './comment-sections.ts';
import { codeBlock, codeSpan, escapeText } from './escape.ts';

/** Reasons come from testloop but quote test names and model errors: one short line each. */
const REASON_CHARS = 300;

export function fixesSection(result: CiResult, detail: Detail): string[] {
  const fixes = result.fixes ?? [];
  if (fixes.length === 0) return [];
  const accepted = fixes.filter((f) => f.accepted).length;
  const out = [`#### Flaky test fixes: ${accepted} of ${fixes.length} proven`, ''];
  for (const fix of fixes) {
    if (!fix.accepted) {
      const state = fix.reproduced ? 'not fixed' : 'not reproduced';
      out.push(`- ${codeSpan(fix.testId)}: ${state}. ${escapeText(short(fix.reason))}`);
      continue;
    }
    out.push(`- ${codeSpan(fix.testId)}: ${proof(fix)}`);
    if (detail.patch && fix.patch !== null)
      out.push(
        '',
        '<details><summary>Patch</summary>',
        '',
        codeBlock(fix.patch, 'diff'),
        '',
        '</details>',
        '',
      );
  }
  return out;
}

function proof(fix: FixResult): string {
  const rate = `${Math.round(fix.failureRate * 100)}%`;
  const capped = fix.capped ? ' (M capped: weaker than 95%)' : '';
  return `fixed. It failed ${rate} of ${fix.reproductionRuns} runs ${fix.condition === 'isolated' ? 'alone' : `under ${codeSpan(fix.condition ?? '')}`}; the fix passed all ${fix.validationRuns} reruns${capped}.`;
}

function short(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > REASON_CHARS ? `${flat.slice(0, REASON_CHARS - 1)}…` : flat;
}
