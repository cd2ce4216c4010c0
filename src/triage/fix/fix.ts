// `triage --fix`: reproduce each test, ask the model for a fix, prove the fix under the condition that
// reproduced the failure, and hand back the patch. The working tree is only written with `write`.

import { msOf } from '../../config/duration.ts';
import { repositoryRoot } from '../../git/base.ts';
import { clientOf } from '../../llm/endpoint.ts';
import { LlmError } from '../../llm/errors.ts';
import type { Cause } from '../types.ts';
import { applyChanges, currentContent, unifiedDiff } from './patch.ts';
import { type ProposalRequest, propose } from './propose.ts';
import { prove, requiredRuns } from './prove.ts';
import { checkChanges } from './reply.ts';
import { reproduce } from './reproduce.ts';
import { type FixTarget, resolveTargets } from './target.ts';
import type { FixOptions, FixReport, FixResult, Reproduction } from './types.ts';
import { openWorkspace } from './workspace.ts';

export const DEFAULT_FIX_BUDGET_MS = 120_000;
const DEFAULT_MAX_VALIDATION_RUNS = 60;
const DEFAULT_REPAIR_ROUNDS = 2;
const DEFAULT_RUN_TIMEOUT_MS = 120_000;

/**
 * Reproduces, fixes and proves each test of `options.tests`. Every id is checked before anything runs
 * (TESTLOOP_UNKNOWN_TEST names the first that names no test). Runs happen in throwaway copies of the
 * working tree with a scrubbed environment.
 */
export async function fixTests(options: FixOptions): Promise<FixReport> {
  const client = options.client ?? (await clientOf(options, options.env ?? process.env));
  try {
    return await fixEach({
      ...options,
      tests: options.tests ?? options.fix ?? [],
      budgetMs: msOf(options.budget, options.budgetMs),
      ...(client === undefined ? {} : { client }),
    });
  } finally {
    if (client !== options.client) await client?.close();
  }
}

async function fixEach(options: FixOptions & { tests: readonly string[] }): Promise<FixReport> {
  const cwd = options.cwd ?? process.cwd();
  const root = await repositoryRoot(cwd).catch(() => cwd);
  const env = options.env ?? process.env;
  const targets = await resolveTargets(root, options.tests);
  const timeoutMs = options.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
  const fixes: FixResult[] = [];
  for (const target of targets) {
    // A fresh copy per test: what one test's runs leave behind (counters, temp files) is not the next's.
    const workspace = openWorkspace({ root, env, timeoutMs });
    const started = performance.now();
    let reproduction: Reproduction;
    try {
      reproduction = await reproduce(workspace, target, {
        budgetMs: options.budgetMs ?? DEFAULT_FIX_BUDGET_MS,
        ...(options.attemptsPerCondition === undefined
          ? {}
          : { attemptsPerCondition: options.attemptsPerCondition }),
        ...(options.measureRuns === undefined ? {} : { measureRuns: options.measureRuns }),
        ...(options.reproduceRounds === undefined ? {} : { rounds: options.reproduceRounds }),
        causes: options.causes?.get(target.testId) ?? [],
        ...(options.log ? { log: options.log } : {}),
      });
    } finally {
      workspace.close();
    }
    const result = await fixReproduced(target, reproduction, root, env, timeoutMs, options);
    fixes.push({ ...result, seconds: Math.round((performance.now() - started) / 100) / 10 });
  }
  return { fixes };
}

async function fixReproduced(
  target: FixTarget,
  reproduction: Reproduction,
  root: string,
  env: Record<string, string | undefined>,
  timeoutMs: number,
  options: FixOptions,
): Promise<FixResult> {
  const base = {
    testId: target.testId,
    reproduced: reproduction.reproduced,
    failureRate: reproduction.failureRate,
    reproductionRuns: reproduction.runs,
    accepted: false,
    validationRuns: 0,
    validationFailures: 0,
    patch: null,
    rounds: 0,
    reproduction: reproduction.tried,
    reproductionSeconds: reproduction.seconds,
    seconds: 0,
  };
  if (!reproduction.reproduced || reproduction.condition === undefined)
    return { ...base, reason: reproduction.reason ?? 'not reproduced' };
  const condition = reproduction.condition;
  const { runs: m, capped } = requiredRuns(
    reproduction.failureRate,
    options.maxValidationRuns ?? DEFAULT_MAX_VALIDATION_RUNS,
  );
  const found = `reproduced under ${condition}: failed ${reproduction.failures} of ${reproduction.runs} runs (p = ${reproduction.failureRate})`;
  const withM = { ...base, condition, requiredRuns: m, ...(capped ? { capped: true } : {}) };
  if (!options.client)
    return {
      ...withM,
      reason: `${options.noModelReason ?? 'no model configured'}; ${found}, nothing proposed`,
    };
  const attempt: FixAttempt = {
    target,
    reproduction,
    root,
    env,
    timeoutMs,
    options,
    client: options.client,
    condition,
    m,
    capped,
    found,
    withM,
    causes: options.causes?.get(target.testId) ?? [],
    replay: reproduction.failed.filter((f) => f.condition === condition).map((f) => f.attempt),
    log: options.log ?? (() => {}),
  };
  const rounds = 1 + (options.repairRounds ?? DEFAULT_REPAIR_ROUNDS);
  let previous: ProposalRequest['previous'];
  let last: LastRound = { runs: 0, failures: 0, why: '' };
  for (let round = 1; round <= rounds; round++) {
    const outcome = await fixRound(attempt, round, previous);
    if ('result' in outcome) return outcome.result;
    ({ last, previous } = outcome);
  }
  return {
    ...withM,
    validationRuns: last.runs,
    validationFailures: last.failures,
    reason: `discarded after ${withM.rounds} round(s): ${last.why}; ${found}`,
  };
}

/** A reproduced test and what every round of fixing it needs. */
interface FixAttempt {
  target: FixTarget;
  reproduction: Reproduction;
  root: string;
  env: Record<string, string | undefined>;
  timeoutMs: number;
  options: FixOptions;
  client: NonNullable<FixOptions['client']>;
  /** The condition that reproduced the failure: fixes are proven under it. */
  condition: NonNullable<Reproduction['condition']>;
  /** Runs a fix must pass (M), and whether maxValidationRuns capped it. */
  m: number;
  capped: boolean;
  /** What the reproduction found, for every reason. */
  found: string;
  /** The result so far; `rounds` counts the rounds the model answered in. */
  withM: Omit<FixResult, 'reason'>;
  causes: readonly Cause[];
  replay: Reproduction['failed'][number]['attempt'][];
  log: (line: string) => void;
}

interface LastRound {
  runs: number;
  failures: number;
  why: string;
}

/** One round: a proposal, its checks and its proof; the result when the round ends the attempt. */
async function fixRound(
  attempt: FixAttempt,
  round: number,
  previous: ProposalRequest['previous'],
): Promise<{ result: FixResult } | { last: LastRound; previous: ProposalRequest['previous'] }> {
  const { target, root, options, withM, found, condition, m, log } = attempt;
  let proposed: Awaited<ReturnType<typeof propose>>;
  try {
    proposed = await propose(attempt.client, {
      target,
      reproduction: attempt.reproduction,
      causes: attempt.causes,
      root,
      allowSource: options.allowSource === true,
      ...(previous ? { previous } : {}),
    });
  } catch (error) {
    if (error instanceof LlmError && error.kind === 'bad-output') {
      const why = `the reply was unusable: ${error.reason ?? error.detail}`;
      withM.rounds = round;
      return { last: { runs: 0, failures: 0, why }, previous: { files: [], why, failures: [] } };
    }
    return {
      result: { ...withM, rounds: round, reason: `the model failed: ${(error as Error).message}; ${found}` },
    };
  }
  withM.rounds = round;
  const checked = checkChanges(proposed, {
    testFile: target.file,
    testFiles: target.testFiles,
    allowSource: options.allowSource === true,
    current: (path) => currentContent(root, path),
  });
  if (!checked.ok) {
    const last = { runs: 0, failures: 0, why: `rejected: ${checked.detail}` };
    log(`testloop: --fix: ${target.testId}: round ${round} ${last.why}`);
    return { last, previous: { files: proposed, why: checked.detail, failures: [] } };
  }
  log(`testloop: --fix: ${target.testId}: proving round ${round}'s fix with ${m} run(s) under ${condition}`);
  const { env, timeoutMs, replay } = attempt;
  const proof = await prove(target, checked.value, condition, m, { root, env, timeoutMs, replay });
  if (proof.failures === 0) return { result: await acceptFix(attempt, checked.value, proof.runs) };
  const last = {
    runs: proof.runs,
    failures: proof.failures,
    why: `the fix failed ${proof.failures} of ${proof.runs} run(s) under ${condition}`,
  };
  log(`testloop: --fix: ${target.testId}: round ${round}: ${last.why}`);
  return { last, previous: { files: checked.value, why: last.why, failures: proof.failed } };
}

/** A fix that passed all M runs: its patch, written to the working tree with `write`. */
async function acceptFix(
  attempt: FixAttempt,
  changes: Parameters<typeof unifiedDiff>[1],
  runs: number,
): Promise<FixResult> {
  const { root, options, m, capped, reproduction } = attempt;
  const patch = unifiedDiff(root, changes);
  if (options.write) await applyChanges(root, changes);
  const odds = capped
    ? `; M is capped at ${m}: a test failing at this rate passes ${m} runs in a row with probability ${round3((1 - reproduction.failureRate) ** m)}, more than 5%`
    : '';
  return {
    ...attempt.withM,
    accepted: true,
    validationRuns: runs,
    validationFailures: 0,
    patch,
    files: changes.map((c) => c.path),
    reason: `${attempt.found}; the fix passed all ${runs} of M = ${m} runs${odds}${options.write ? '; written to the working tree' : ''}`,
    ...(options.write ? { written: true } : {}),
  };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
