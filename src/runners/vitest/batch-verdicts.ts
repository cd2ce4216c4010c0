// How vitest's default reporter reads for a batch of reruns (`ConsoleReader.batchVerdicts`): each file ran
// in a fresh worker, one after another (--isolate --no-file-parallelism, or a request to ./driver/).

import type { BatchMember, MemberVerdict, TestCounts } from '../types.ts';

/**
 * Verdicts from vitest's default reporter: a clean exit with the expected number of passing tests passes
 * everyone; otherwise a member is failed when a result line (`❯`, `×`, `FAIL`) names one of its files, and
 * unknown (to be rerun alone) when not. A failed member's `output` keeps only the blocks naming that file.
 */
export function vitestVerdicts(
  members: readonly BatchMember[],
  text: string,
  exitCode: number,
  timedOut: boolean,
  counts: Pick<TestCounts, 'passed' | 'failed'> | undefined,
): MemberVerdict[] {
  const expected = members.reduce((n, m) => n + m.passed * m.files.length, 0);
  if (
    !timedOut &&
    exitCode === 0 &&
    counts !== undefined &&
    counts.failed === 0 &&
    counts.passed === expected
  )
    return members.map(() => ({ kind: 'passed' }));
  if (timedOut) return members.map(() => ({ kind: 'unknown' }));
  const lines = text.split(/\r?\n/);
  const failed = (name: string): boolean => lines.some((line) => line.includes(name) && FAILED.test(line));
  // Files run one after another, and each one's result line is printed when it ends (not in argv order).
  const ended = (name: string): number => {
    const at = lines.findIndex((line) => line.includes(name) && RESULT.test(line));
    return at < 0 ? Number.POSITIVE_INFINITY : at;
  };
  return members.map((member): MemberVerdict => {
    const names = member.files.map((file) => file.split('/').pop()!);
    const order = [...names].sort((x, y) => ended(x) - ended(y));
    const run = order.findIndex(failed);
    if (run < 0) return { kind: 'unknown' };
    const name = order[run]!;
    // Failure blocks are separated by ⎯⎯⎯ rules; of the per-file result lines only this file's stay.
    const output = text
      .split(/^\s*⎯{3,}.*$/m)
      .filter((block) => block.includes(name))
      .map((block) =>
        block
          .split(/\r?\n/)
          .filter((line) => !RESULT.test(line) || line.includes(name))
          .join('\n'),
      )
      .join('\n');
    return { kind: 'failed', run, file: member.files[names.indexOf(name)]!, output };
  });
}

const FAILED = /^\s*(?:❯|×|✗|FAIL\b)/;
const RESULT = /^\s*(?:✓|√|❯|×|✗|↓)\s/;
