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

/** What the search has seen so far. */
interface Search {
  tried: ConditionTally[];
  /** The first KEPT_FAILURES failed runs. */
  failed: RunFailure[];
  /** Runs that left no report for the test: not counted. */
  unreadable: number;
  /** Runs started per condition. */
  attempts: Map<Condition, number>;
}

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
  const search: Search = { tried: [], failed: [], unreadable: 0, attempts: new Map() };
  const seconds = () => Math.round((performance.now() - started) / 100) / 10;
  const attempt = (tally: ConditionTally, n: number) => runOnce(workspace, target, search, tally, n);

  // Round after round through the conditions, the suggested ones first, until one fails or the budget is
  // spent: a flake failing one run in three passes five runs in a row one time in six.
  const order = conditionOrder(options.causes);
  const next = () =>
    Date.now() >= deadline ? undefined : nextCondition(search, order, perCondition, options.rounds);
  for (let step = next(); step !== undefined; step = next()) {
    const { condition, tally } = step;
    let n = search.attempts.get(condition) ?? 0;
    const stop = (Math.floor(n / perCondition) + 1) * perCondition;
    while (n < stop && tally.failures === 0 && Date.now() < deadline) await attempt(tally, ++n);
    search.attempts.set(condition, n);
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
      tried: search.tried,
      failed: search.failed,
      seconds: seconds(),
    };
  }
  return notReproduced(target, search, options.causes, seconds());
}

/** One run; false when it told nothing (no report). */
async function runOnce(
  workspace: Workspace,
  target: FixTarget,
  search: Search,
  tally: ConditionTally,
  n: number,
): Promise<boolean> {
  const run = await workspace.run(target, tally.condition, n);
  if (run.outcome === 'absent' && tally.condition === 'isolated' && tally.runs === 0)
    throw unknownTest(target.testId, `its runner ran ${target.file} and reports no test of that name`);
  if (run.outcome === 'absent' || run.outcome === 'unreadable') {
    search.unreadable++;
    return false;
  }
  tally.runs++;
  if (run.outcome === 'failed') {
    tally.failures++;
    if (search.failed.length < KEPT_FAILURES)
      search.failed.push({ condition: tally.condition, attempt: n, output: run.output ?? '' });
  }
  return true;
}

/** The condition the next runs go to: the first not yet tried as often as this round asks; none when done. */
function nextCondition(
  search: Search,
  order: readonly Condition[],
  perCondition: number,
  rounds: number | undefined,
): { condition: Condition; tally: ConditionTally } | undefined {
  const { tried, attempts } = search;
  // A round in which no run left a report for the test: more rounds would tell no more.
  if (search.unreadable >= order.length * perCondition && tried.every((t) => t.runs === 0)) return undefined;
  const round = Math.min(...order.map((c) => Math.floor((attempts.get(c) ?? 0) / perCondition)));
  if (round >= (rounds ?? Number.POSITIVE_INFINITY)) return undefined;
  const condition = order.find((c) => (attempts.get(c) ?? 0) < (round + 1) * perCondition)!;
  let tally = tried.find((t) => t.condition === condition);
  if (!tally) {
    tally = { condition, runs: 0, failures: 0 };
    tried.push(tally);
  }
  return { condition, tally };
}

function notReproduced(
  target: FixTarget,
  { tried, failed, unreadable }: Search,
  causes: readonly Cause[] | undefined,
  seconds: number,
): Reproduction {
  const runs = tried.reduce((sum, t) => sum + t.runs, 0);
  const names = tried.map((t) => `${t.condition} ${t.runs}×`).join(', ');
  const cut = untried(tried, causes);
  return {
    testId: target.testId,
    reproduced: false,
    failureRate: 0,
    runs,
    failures: 0,
    tried,
    failed,
    seconds,
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
