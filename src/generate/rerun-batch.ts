// Stability reruns in as few runner processes as possible: a candidate's reruns are copies of its file run
// in one process, together with the reruns of other candidates that wait at the same time (most of a short
// test run is the runner starting, not the test).
//
// Each run stays its own: the batch runs every file in a fresh worker process, one file after another
// (`RunOptions.isolated`, or one request to a pooled process of `RunnerAdapter.persistentRuns`, which runs
// files the same way), as if it ran alone. The runner's adapter reads the batch (`ConsoleReader.batchVerdicts`):
// it passes all its members only when the runner exits cleanly with exactly the passing tests their first
// runs had; a member with a file the runner names as failing failed that run; any other member of a batch
// that did not pass is rerun on its own. So another candidate's failure never rejects a member, and no
// member passes on another's account.

import { availableParallelism } from 'node:os';
import type { BatchMember, MemberVerdict } from '../runners/types.ts';

export type { BatchMember, MemberVerdict } from '../runners/types.ts';

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
