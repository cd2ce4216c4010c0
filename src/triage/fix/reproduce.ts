// Step 1 of `triage --fix`: make the test fail. The test alone first (or what its causes suggest), then
// under more stress, a few runs per condition, until one fails; then more runs under that condition to
// measure its failure rate p, which decides how many runs a fix must pass.

import type { Cause } from '../types.ts';
import { conditionOrder, describeAttempt } from './conditions.ts';
import { type FixTarget, unknownTest } from './target.ts';
import type { Condition, ConditionTally, Reproduction, RunFailure } from './types.ts';
import type { Workspace } from './workspace.ts';

export interface ReproduceOptions {
  /** Wall-clock time for the whole search (default 120 000). */
  budgetMs?: number;
  /** Runs per condition before the next is tried (default 5). */
  attemptsPerCondition?: number;
  /** Runs under the reproducing condition that measure the rate, the failing ones included (default 10). */
  measureRuns?: number;
  /** Rounds through the conditions at most (default: as many as the budget allows). */
  rounds?: number;
  causes?: readonly Cause[];
  log?: (line: string) => void;
}

/** Failed runs whose output the model sees. */
const KEPT_FAILURES = 3;

export async function reproduce(
  workspace: Workspace,
  target: FixTarget,
  options: ReproduceOptions = {},
): Promise<Reproduction> {
  const started = performance.now();
  const deadline = Date.now() + (options.budgetMs ?? 120_000);
  const perCondition = options.attemptsPerCondition ?? 5;
  const measureRuns = options.measureRuns ?? 10;
  const log = options.log ?? (() => {});
  const tried: ConditionTally[] = [];
  const failed: RunFailure[] = [];
  let unreadable = 0;
  const seconds = () => Math.round((performance.now() - started) / 100) / 10;

  /** One run; false when it told nothing (no report). */
  const attempt = async (tally: ConditionTally, n: number): Promise<boolean> => {
    const run = await workspace.run(target, tally.condition, n);
    if (run.outcome === 'absent' && tally.condition === 'isolated' && tally.runs === 0)
      throw unknownTest(target.testId, `its runner ran ${target.file} and reports no test of that name`);
    if (run.outcome === 'absent' || run.outcome === 'unreadable') {
      unreadable++;
      return false;
    }
    tally.runs++;
    if (run.outcome === 'failed') {
      tally.failures++;
      if (failed.length < KEPT_FAILURES)
        failed.push({ condition: tally.condition, attempt: n, output: run.output ?? '' });
    }
    return true;
  };

  // Round after round through the conditions, the suggested ones first, until one fails or the budget is
  // spent: a flake failing one run in three passes five runs in a row one time in six.
  const order = conditionOrder(options.causes);
  const attempts = new Map<Condition, number>();
  const next = (): { condition: Condition; tally: ConditionTally } | undefined => {
    if (Date.now() >= deadline) return undefined;
    // A round in which no run left a report for the test: more rounds would tell no more.
    if (unreadable >= order.length * perCondition && tried.every((t) => t.runs === 0)) return undefined;
    const round = Math.min(...order.map((c) => Math.floor((attempts.get(c) ?? 0) / perCondition)));
    if (round >= (options.rounds ?? Number.POSITIVE_INFINITY)) return undefined;
    const condition = order.find((c) => (attempts.get(c) ?? 0) < (round + 1) * perCondition)!;
    let tally = tried.find((t) => t.condition === condition);
    if (!tally) {
      tally = { condition, runs: 0, failures: 0 };
      tried.push(tally);
    }
    return { condition, tally };
  };
  for (let step = next(); step !== undefined; step = next()) {
    const { condition, tally } = step;
    let n = attempts.get(condition) ?? 0;
    const stop = (Math.floor(n / perCondition) + 1) * perCondition;
    while (n < stop && tally.failures === 0 && Date.now() < deadline) await attempt(tally, ++n);
    attempts.set(condition, n);
    if (tally.failures === 0) continue;
    log(
      `testloop: --fix: ${target.testId} failed ${describeAttempt(condition, n)}; measuring its failure rate`,
    );
    const measuredFrom = n;
    while (tally.runs < measureRuns && n < measuredFrom + measureRuns * 2 && Date.now() < deadline)
      await attempt(tally, ++n);
    return {
      testId: target.testId,
      reproduced: true,
      condition,
      failureRate: round3(tally.failures / tally.runs),
      runs: tally.runs,
      failures: tally.failures,
      tried,
      failed,
      seconds: seconds(),
    };
  }
  const runs = tried.reduce((sum, t) => sum + t.runs, 0);
  const names = tried.map((t) => `${t.condition} ${t.runs}×`).join(', ');
  const cut = untried(tried, options.causes);
  return {
    testId: target.testId,
    reproduced: false,
    failureRate: 0,
    runs,
    failures: 0,
    tried,
    failed,
    seconds: seconds(),
    reason: [
      `not reproduced: passed all ${runs} runs (${names || 'none'})`,
      cut.length > 0 ? `; the budget ran out before ${cut.join(', ')}` : '',
      unreadable > 0 ? `; ${unreadable} run(s) left no report for it and are not counted` : '',
    ].join(''),
  };
}

function untried(tried: readonly ConditionTally[], causes: readonly Cause[] | undefined): Condition[] {
  const done = new Set(tried.filter((t) => t.runs > 0).map((t) => t.condition));
  return conditionOrder(causes).filter((c) => !done.has(c));
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
