import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { msOf } from '../config/duration.ts';
import type { CoverageArg } from '../coverage/load.ts';
import { type ErrorCode, isTestloopError } from '../errors.ts';
import { type Revisions, repositoryRoot, resolveRevisions } from '../git/base.ts';
import { absoluteOutputs, historyStoreFiles } from '../git/own-outputs.ts';
import { parseShard } from '../select/shard.ts';
import { evaluateGates, exitCodeOf } from './gates.ts';
import {
  CI_OUT_DIR,
  type CiContext,
  type CiFound,
  fixStep,
  gapsStep,
  generateStep,
  ingestStep,
  runStep,
  selectStep,
  triageStep,
} from './loop-steps.ts';
import { StepRunner } from './steps.ts';
import type { CiOptions, CiResult, CiStepName } from './types.ts';

export { CI_OUT_DIR };

/** A base the user named that git cannot use: a mistake to fix, never a reason to run without the gates. */
const BASE_INPUT_ERRORS: readonly ErrorCode[] = ['TESTLOOP_UNKNOWN_REF', 'TESTLOOP_NO_MERGE_BASE'];

/**
 * `testloop ci` as a library call: select → run with coverage → gaps → generate → ingest → triage, each
 * fenced (a step that fails in testloop or runs out of budget is reported and skipped), then the gates.
 * The tests themselves are never cut short by the budget: their time counts against it, and the steps
 * after them get what is left. Each step's body is in ./loop-steps.ts.
 */
export async function runCi(input: CiOptions = {}): Promise<CiResult> {
  const started = performance.now();
  const options = withOlderFields(input);
  const ctx = await startRun(options);
  const { steps, revisions } = ctx;
  const found: CiFound = { changedFiles: [] };
  const selection = await steps.run('select', () => selectStep(ctx, found));
  const ran = await steps.run('run', () => runStep(ctx, found, selection), { timed: false });
  const run = ran?.run;
  const coverage: CoverageArg[] = ran ? ran.coverage : (options.coverage ?? []);
  const gaps = await steps.run('gaps', () => gapsStep(ctx, coverage, run, selection));
  const generate = await steps.run('generate', () => generateStep(ctx, gaps, coverage));
  const reports = [...(run?.reports ?? []), ...(options.reports ?? [])];
  await steps.run('ingest', () => ingestStep(ctx, reports));
  const triage = await steps.run('triage', () => triageStep(ctx, found));
  const fixes = options.fixFlaky ? await steps.run('fix', () => fixStep(ctx, triage, run)) : undefined;

  const { trends } = found;
  const partial = {
    ...(revisions ? { base: revisions.base, head: revisions.head } : {}),
    steps: steps.steps,
    ...(selection ? { selection } : {}),
    ...(run ? { run } : {}),
    ...(gaps ? { gaps } : {}),
    ...(generate ? { generate } : {}),
    ...(triage ? { triage } : {}),
    ...(trends && trends.length > 0 ? { trends } : {}),
    ...(fixes ? { fixes } : {}),
    stats: {
      ms: Math.round(performance.now() - started),
      ...(options.budgetMs === undefined ? {} : { budgetMs: options.budgetMs }),
      ...(generate?.stats.sandbox ? { sandbox: generate.stats.sandbox } : {}),
    },
  };
  const gates = evaluateGates(partial, options);
  return { ...partial, gates, exitCode: exitCodeOf(gates, options.strict === true) };
}

/** Checks the inputs, resolves the change's revisions and clears the output folder: what every step reads. */
async function startRun(options: CiOptions): Promise<CiContext> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const skip = new Set<CiStepName>(options.skip ?? []);
  const steps = new StepRunner({
    skip,
    ...(options.budgetMs === undefined ? {} : { deadline: Date.now() + options.budgetMs }),
    onStep: options.onStep ?? (() => {}),
    ...(options.onStepStart ? { onStart: options.onStepStart } : {}),
  });

  // A bad --shard is a usage error before anything runs; the select step splits the selection itself.
  const shard =
    options.shard === undefined ? undefined : parseShard(options.shard, env, (text) => log(`${text}\n`));

  let revisions: Revisions | undefined;
  let revisionError: unknown;
  try {
    revisions = await resolveRevisions(cwd, options.base, env);
  } catch (error) {
    // A base that was only detected (the CI's, origin/HEAD) may be missing from this checkout: an outage of
    // the change's context, reported by each step and the gates; a base the user named is their input.
    if (options.base !== undefined && isTestloopError(error) && BASE_INPUT_ERRORS.includes(error.code))
      throw error;
    revisionError = error;
  }
  const root = revisions?.root ?? (await repositoryRoot(cwd));
  const outDir = join(root, CI_OUT_DIR);
  await rm(outDir, { recursive: true, force: true });
  // What this run writes is never a change to it (the steps below run from the root: absolute paths).
  const ownOutputs = absoluteOutputs(cwd, [
    ...(options.ownOutputs ?? []),
    ...(options.patch === undefined ? [] : [options.patch]),
    ...historyStoreFiles(options.history),
  ]);
  const needBase = (): Revisions => {
    if (revisions === undefined) throw revisionError;
    return revisions;
  };
  return { options, root, outDir, env, log, skip, steps, shard, revisions, needBase, ownOutputs };
}

/**
 * The fields the steps read, from the options as `testloop ci` names them (budget, generate, baseUrl,
 * model). Where a caller also set the older field (budgetMs, generateEngine, a field of llm), the older one
 * wins.
 */
function withOlderFields(options: CiOptions): CiOptions {
  const { budget, generate, baseUrl, model, ...rest } = options;
  const budgetMs = msOf(budget, options.budgetMs);
  const generateEngine = options.generateEngine ?? generate;
  // A model without an endpoint names nothing to ask; the older llm's fields win one by one (an API key
  // beside an endpoint named by baseUrl, as the Action gives them).
  const named = baseUrl === undefined ? undefined : { baseUrl, ...(model ? { model } : {}) };
  const llm = named === undefined && options.llm === undefined ? undefined : { ...named, ...options.llm };
  return {
    ...rest,
    ...(budgetMs === undefined ? {} : { budgetMs }),
    ...(generateEngine === undefined ? {} : { generateEngine }),
    ...(llm === undefined ? {} : { llm }),
  };
}
