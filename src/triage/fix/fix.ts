// `triage --fix`: reproduce each test, ask the model for a fix, prove the fix under the condition that
// reproduced the failure, and hand back the patch. The working tree is only written with `write`.

import { repositoryRoot } from '../../git/base.ts';
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
  const log = options.log ?? (() => {});
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

  const causes: readonly Cause[] = options.causes?.get(target.testId) ?? [];
  const replay = reproduction.failed.filter((f) => f.condition === condition).map((f) => f.attempt);
  const rounds = 1 + (options.repairRounds ?? DEFAULT_REPAIR_ROUNDS);
  let previous: ProposalRequest['previous'];
  let last = { runs: 0, failures: 0, why: '' };
  for (let round = 1; round <= rounds; round++) {
    let proposed: Awaited<ReturnType<typeof propose>>;
    try {
      proposed = await propose(options.client, {
        target,
        reproduction,
        causes,
        root,
        allowSource: options.allowSource === true,
        ...(previous ? { previous } : {}),
      });
    } catch (error) {
      if (error instanceof LlmError && error.kind === 'bad-output') {
        last = { runs: 0, failures: 0, why: `the reply was unusable: ${error.reason ?? error.detail}` };
        previous = { files: [], why: last.why, failures: [] };
        withM.rounds = round;
        continue;
      }
      return { ...withM, rounds: round, reason: `the model failed: ${(error as Error).message}; ${found}` };
    }
    withM.rounds = round;
    const checked = checkChanges(proposed, {
      testFile: target.file,
      testFiles: target.testFiles,
      allowSource: options.allowSource === true,
      current: (path) => currentContent(root, path),
    });
    if (!checked.ok) {
      last = { runs: 0, failures: 0, why: `rejected: ${checked.detail}` };
      previous = { files: proposed, why: checked.detail, failures: [] };
      log(`testloop: --fix: ${target.testId}: round ${round} ${last.why}`);
      continue;
    }
    log(
      `testloop: --fix: ${target.testId}: proving round ${round}'s fix with ${m} run(s) under ${condition}`,
    );
    const proof = await prove(target, checked.value, condition, m, { root, env, timeoutMs, replay });
    if (proof.failures === 0) {
      const patch = unifiedDiff(root, checked.value);
      if (options.write) await applyChanges(root, checked.value);
      const odds = capped
        ? `; M is capped at ${m}: a test failing at this rate passes ${m} runs in a row with probability ${round3((1 - reproduction.failureRate) ** m)}, more than 5%`
        : '';
      return {
        ...withM,
        accepted: true,
        validationRuns: proof.runs,
        validationFailures: 0,
        patch,
        files: checked.value.map((c) => c.path),
        reason: `${found}; the fix passed all ${proof.runs} of M = ${m} runs${odds}${options.write ? '; written to the working tree' : ''}`,
        ...(options.write ? { written: true } : {}),
      };
    }
    last = {
      runs: proof.runs,
      failures: proof.failures,
      why: `the fix failed ${proof.failures} of ${proof.runs} run(s) under ${condition}`,
    };
    previous = { files: checked.value, why: last.why, failures: proof.failed };
    log(`testloop: --fix: ${target.testId}: round ${round}: ${last.why}`);
  }
  return {
    ...withM,
    validationRuns: last.runs,
    validationFailures: last.failures,
    reason: `discarded after ${withM.rounds} round(s): ${last.why}; ${found}`,
  };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
