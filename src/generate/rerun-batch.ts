// Stability reruns in as few runner processes as possible: a candidate's reruns are copies of its file run
// in one process, together with the reruns of other candidates that wait at the same time (most of a short
// test run is the runner starting, not the test).
//
// Each run stays its own: the batch runs every file in a fresh worker process, one file after another
// (vitest --isolate --no-file-parallelism, or one request to a validation process of ./vitest-driver/, which
// runs files the same way), as if it ran alone. A batch passes all its members only when the runner exits
// cleanly with exactly the passing tests their first runs had; a member with a file the runner names as
// failing failed that run; any other member of a batch that did not pass is rerun on its own. So another
// candidate's failure never rejects a member, and no member passes on another's account.

import { availableParallelism } from 'node:os';

/** One candidate's reruns: copies of its test file (repository-relative), and its first run's count. */
export interface BatchMember {
  files: string[];
  /** Tests that passed in its first run: a clean batch reports this many per file. */
  passed: number;
}

export type MemberVerdict =
  | { kind: 'passed' }
  /**
   * `run`: how many of the member's files ran before the first that failed (`file`); `output`: the
   * runner's blocks naming that file.
   */
  | { kind: 'failed'; run: number; file: string; output: string }
  | { kind: 'unknown' };

/** What one runner process made of a batch: a verdict per member (same order) and its duration. */
export interface BatchRun {
  verdicts: MemberVerdict[];
  runnerMs: number;
  /** What the sandbox forbids and the batch did (every member gets it: any of them may have done it). */
  violation?: string;
}

interface Waiting {
  member: BatchMember;
  resolve: (run: { verdict: MemberVerdict; runnerMs: number; violation?: string }) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit while the CPU is the limit: a rerun starts at once while this validator's runner processes
 * (first runs and batches) number fewer than `cores`, so with a spare core nothing waits (and one target at
 * a time never does); otherwise it waits until one of them ends, and all that waited then go together.
 */
export class RerunBatcher {
  private readonly waiting: Waiting[] = [];
  private active = 0;

  constructor(
    private readonly runBatch: (members: BatchMember[]) => Promise<BatchRun>,
    private readonly cores = availableParallelism(),
  ) {}

  rerun(member: BatchMember): Promise<{ verdict: MemberVerdict; runnerMs: number; violation?: string }> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ member, resolve, reject });
      this.start();
    });
  }

  /** Runs `run` (a runner process the validator starts itself) counted among the active ones. */
  async track<T>(run: () => Promise<T>): Promise<T> {
    this.active++;
    try {
      return await run();
    } finally {
      this.active--;
      this.start();
    }
  }

  private start(): void {
    if (this.waiting.length === 0 || this.active >= this.cores) return;
    const batch = this.waiting.splice(0);
    this.track(() => this.runBatch(batch.map((w) => w.member))).then(
      (run) => {
        batch.forEach((w, i) => {
          w.resolve({
            verdict: run.verdicts[i] ?? { kind: 'unknown' },
            runnerMs: run.runnerMs,
            ...(run.violation === undefined ? {} : { violation: run.violation }),
          });
        });
      },
      (error: unknown) => {
        for (const w of batch) w.reject(error);
      },
    );
  }
}

/** The summary counts of the whole batch, as the validator reads them from the runner's output. */
export interface BatchCounts {
  passed: number;
  failed: number;
}

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
  counts: BatchCounts | undefined,
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
