// Step 3 of `triage --fix`: a candidate runs in a fresh copy of the repository with its files written in,
// under the condition that reproduced the failure, M times, M the fewest runs a test failing at rate p
// would pass in a row with probability under 5%: (1-p)^M < 0.05. One failure rejects it.

import type { FixTarget } from './target.ts';
import type { Condition, FileChange, RunFailure } from './types.ts';
import { openWorkspace } from './workspace.ts';

/** The chance a still-flaky test passes all M runs that a proof tolerates. */
const ESCAPE_ODDS = 0.05;

/** M for failure rate `p`, at most `cap` (`capped` then says the odds are weaker than 5%). */
export function requiredRuns(p: number, cap: number): { runs: number; capped: boolean } {
  if (p >= 1) return { runs: 1, capped: false };
  if (p <= 0) return { runs: cap, capped: true };
  let runs = Math.ceil(Math.log(ESCAPE_ODDS) / Math.log(1 - p));
  // Strictly below 5%: where the logarithms meet exactly, one run more.
  while ((1 - p) ** runs >= ESCAPE_ODDS) runs++;
  return runs > cap ? { runs: cap, capped: true } : { runs, capped: false };
}

export interface ProofOptions {
  root: string;
  env: Record<string, string | undefined>;
  timeoutMs: number;
  /** Attempts that failed during reproduction: replayed first (the same seed, zone or locale). */
  replay: readonly number[];
}

export interface Proof {
  runs: number;
  failures: number;
  failed: RunFailure[];
}

/** Runs the candidate up to `m` times under `condition`, stopping at the first failure. */
export async function prove(
  target: FixTarget,
  changes: readonly FileChange[],
  condition: Condition,
  m: number,
  options: ProofOptions,
): Promise<Proof> {
  const workspace = openWorkspace({
    root: options.root,
    changes,
    env: options.env,
    timeoutMs: options.timeoutMs,
  });
  const proof: Proof = { runs: 0, failures: 0, failed: [] };
  try {
    for (const attempt of attemptOrder(options.replay, m)) {
      const run = await workspace.run(target, condition, attempt);
      proof.runs++;
      if (run.outcome === 'passed') continue;
      proof.failures++;
      const why =
        run.outcome === 'absent'
          ? `${target.file} no longer has the test "${target.testId}"`
          : run.outcome === 'unreadable'
            ? `the runner wrote no report (the file may not load)${run.timedOut ? '; the run timed out' : ''}`
            : '';
      proof.failed.push({ condition, attempt, output: [why, run.output ?? ''].filter(Boolean).join('\n') });
      break;
    }
  } finally {
    workspace.close();
  }
  return proof;
}

/** `m` attempt numbers: the replayed ones first, then 1, 2, 3… */
function attemptOrder(replay: readonly number[], m: number): number[] {
  const order = [...new Set(replay)];
  for (let n = 1; order.length < m; n++) if (!order.includes(n)) order.push(n);
  return order.slice(0, m);
}
