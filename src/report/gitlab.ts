import { createHash } from 'node:crypto';
import type { Gap } from '../gaps/types.ts';
import { describeGap } from './text.ts';
import type { GapsReporter } from './types.ts';

interface CodeQualityIssue {
  description: string;
  check_name: string;
  fingerprint: string;
  severity: 'info' | 'minor' | 'major' | 'critical' | 'blocker';
  location: { path: string; lines: { begin: number; end: number } };
}

const CHECKS: Record<Gap['kind'], string> = {
  line: 'testloop/uncovered-lines',
  branch: 'testloop/uncovered-branch',
  function: 'testloop/uncovered-function',
};

/** GitLab Code Quality report (artifacts:reports:codequality), shown in the merge request widget. */
export const gitlabReporter: GapsReporter = {
  name: 'gitlab',
  render(result) {
    const seen = new Set<string>();
    const issues = result.gaps.map(
      (gap): CodeQualityIssue => ({
        description: describeGap(gap),
        check_name: CHECKS[gap.kind],
        fingerprint: uniqueFingerprint(gap, seen),
        severity: gap.kind === 'function' ? 'major' : 'minor',
        location: { path: gap.file, lines: { begin: gap.start, end: gap.end } },
      }),
    );
    return `${JSON.stringify(issues, null, 2)}\n`;
  },
};

/** GitLab merges issues that share a fingerprint, so a repeat gets a counter mixed into its hash. */
function uniqueFingerprint(gap: Gap, seen: Set<string>): string {
  const key = `${gap.file}\0${gap.kind}\0${gap.symbol ?? ''}\0${gap.start}-${gap.end}`;
  let fingerprint = md5(key);
  for (let n = 1; seen.has(fingerprint); n++) fingerprint = md5(`${key}\0${n}`);
  seen.add(fingerprint);
  return fingerprint;
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
