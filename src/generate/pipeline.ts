import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { CoverageArg } from '../coverage/load.ts';
import { repositoryRoot } from '../git/base.ts';
import { trackedFiles } from '../git/diff.ts';
import { createResolver } from '../graph/resolve.ts';
import type { LlmApi, LlmClient } from '../llm/types.ts';
import { discoverProjects, type Project, projectOf } from '../select/projects.ts';
import { writeFileAtomic } from '../util/fs.ts';
import { funnelOf } from './accounting.ts';
import { parseSource } from './ast.ts';
import { buildContext } from './context.ts';
import { GenerationRun } from './generation-run.ts';
import { withOlderFields } from './option-names.ts';
import { newFilesPatch, writeNewFiles } from './output.ts';
import { withEnclosingRunners } from './runner-projects.ts';
import { createEngine, targetsOf } from './setup.ts';
import { runTarget, type TargetState } from './target-machine.ts';
import { discoverableMirrors } from './test-layout.ts';

import type { CandidateValidator, GenerateResult, GenerateTarget, TestEngine } from './types.ts';
import type { ValidatorOptions } from './validate.ts';

/** What a validator is made from: one per package, with its runner (see ./validate.ts). */
export type ValidatorFactory = (args: ValidatorOptions) => CandidateValidator | Promise<CandidateValidator>;

export interface GenerateOptions {
  cwd?: string;
  /** Base ref: targets are the gaps of everything changed since its merge base (as `testloop gaps`). */
  base?: string;
  /**
   * Coverage reports ("path" or "format:path", or an input naming the runner's folder); for --target they
   * give the uncovered lines.
   */
  coverage?: CoverageArg[];
  /** `file:symbol` (file relative to cwd) instead of the gaps of a change. */
  target?: string[];
  /** The older spelling of target. */
  targets?: string[];
  /** Default: 'llm' when `baseUrl` is set, else 'stub'. */
  engine?: 'llm' | 'stub';
  /** OpenAI-compatible endpoint including /v1. */
  baseUrl?: string;
  /** Model name as the endpoint knows it. */
  model?: string;
  /** 'chat' (Chat Completions, default) or 'responses'. */
  api?: LlmApi;
  /** Longest single model request, a duration such as `5m` (default); a stalled stream is cut sooner. */
  llmTimeout?: string;
  /** The older spelling of baseUrl, model, api and llmTimeout (in ms); its fields win. */
  llm?: {
    baseUrl?: string;
    model?: string;
    api?: LlmApi;
    /** Longest time one request may take (default 300 000); a stalled stream is cut at min(60 s, this). */
    requestTimeoutMs?: number;
  };
  /** Targets worked on at once (default 4). */
  concurrency?: number;
  /** Wall-clock budget, a duration such as `90s`: no target starts that the observed pace says cannot finish in time. */
  budget?: string;
  /** The older spelling of budget, in ms; it wins when both are set. */
  budgetMs?: number;
  /** Passing runs in a row for a candidate to count as stable (default 3); see rerunIn. */
  reruns?: number;
  /**
   * vitest 4+ (validation processes): 'worker' (default) runs each test `reruns` times in the first run's
   * fresh worker process, its hooks each time; 'process' gives every rerun a fresh worker process of its
   * own (module-level state then starts over too, at about three times the runner time). jest, node:test
   * and older vitest always rerun in fresh processes.
   */
  rerunIn?: 'worker' | 'process';
  /**
   * Let candidates reach the network (default false: they run in a network namespace with only a loopback
   * of their own, where the machine allows; `stats.sandbox.network` says what held).
   */
  allowNetwork?: boolean;
  /** Largest file a candidate may write, and the size of its temp folder (default 256 MiB; src/sandbox/). */
  sandboxFileSizeBytes?: number;
  /** Rounds a rejected candidate is sent back with its failure (default 2). */
  repairs?: number;
  maxTokensTotal?: number;
  cacheDir?: string;
  /** Write accepted tests (and stubs) next to the repository's tests. */
  write?: boolean;
  /** Write accepted tests (and skeletons) as a unified diff (new files only) to this path, relative to cwd. */
  patch?: string;
  /**
   * Files and folders this run writes besides the patch (relative to cwd): never counted as changes, like
   * everything testloop writes by default (see git/own-outputs.ts).
   */
  ownOutputs?: string[];
  /** Longest single runner process (default 120 000, or the budget when smaller). */
  runTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Progress lines (the CLI sends them to stderr). */
  log?: (line: string) => void;
  /** Seams: the validator (default: ./validate.ts), a ready engine, a ready LLM client. */
  createValidator?: ValidatorFactory;
  testEngine?: TestEngine;
  client?: LlmClient;
}

/** `testloop generate` as a library call: tests for the gaps of a change (or named targets), validated. */
export async function generateTests(input: GenerateOptions = {}): Promise<GenerateResult> {
  const started = performance.now();
  const options = withOlderFields(input);
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const deadline = options.budgetMs === undefined ? undefined : Date.now() + options.budgetMs;
  const engineName = options.testEngine?.name ?? options.engine ?? (options.llm?.baseUrl ? 'llm' : 'stub');

  const root = await repositoryRoot(cwd);
  const files = await trackedFiles(root);
  const fileSet = new Set(files);
  const projects = await withEnclosingRunners(await discoverProjects(root, files));
  const warnings: string[] = [];
  const measured: Pick<GenerateResult['stats'], 'coverageRun'> = {};
  const collected = await targetsOf(options, cwd, root, fileSet, projects, env, warnings, log, measured);
  warnings.push(...collected.warnings);
  const skipped = [...collected.skipped];
  for (const { target, reason } of skipped) log(`testloop: ${target}: skipped (${reason})`);

  const readSource = sourceReader(root);
  const states = await targetStates(root, projects, fileSet, collected.targets, readSource);
  const { engine, client } = await createEngine(options, engineName, env, deadline, readSource);
  const result = emptyResult(states, measured);
  const run = new GenerationRun({
    options,
    root,
    files,
    projects,
    env,
    deadline,
    repairs: options.repairs ?? 2,
    reruns: options.reruns ?? 3,
    engine,
    client,
    result,
    warnings,
    log,
  });
  const poolMs = await runTargets(run, states, options.concurrency ?? 4);

  collectOutcomes(states, result, skipped);
  countUsage(run, states);
  await writeOutputs(options, cwd, root, states, result, log);
  if (skipped.length > 0) result.skipped = skipped;
  if (warnings.length > 0) result.warnings = warnings;
  result.stats.ms = Math.round(performance.now() - started);
  Object.assign(result.stats, run.clock.split(result.stats.ms, poolMs));
  return result;
}

/** Reads a repository file once, however many targets ask; undefined when it cannot be read. */
function sourceReader(root: string): (file: string) => string | undefined {
  const sources = new Map<string, string>();
  return (file) => {
    if (!sources.has(file)) {
      try {
        sources.set(file, readFileSync(join(root, file), 'utf8'));
      } catch {
        return undefined;
      }
    }
    return sources.get(file);
  };
}

/** One state per target, with the context its candidates are written from. */
async function targetStates(
  root: string,
  projects: readonly Project[],
  files: ReadonlySet<string>,
  targets: readonly GenerateTarget[],
  readSource: (file: string) => string | undefined,
): Promise<TargetState[]> {
  const reserved = new Set<string>();
  const mirrors = await discoverableMirrors(projects, targets);
  const resolver = createResolver({ root, files });
  return targets.map((target) => {
    const project = projectOf(projects, target.file);
    const parsed = parseSource(target.file, readSource(target.file) ?? '');
    return {
      context: buildContext({ root, project, target, parsed, files, reserved, mirrors, resolver }),
      promptTokens: 0,
    };
  });
}

function emptyResult(
  states: readonly TargetState[],
  measured: Pick<GenerateResult['stats'], 'coverageRun'>,
): GenerateResult {
  return {
    accepted: [],
    discarded: [],
    stubs: [],
    funnel: funnelOf([]),
    usage: { requests: 0, promptTokens: 0, completionTokens: 0 },
    stats: {
      ms: 0,
      targets: states.length,
      llmMs: 0,
      runnerMs: 0,
      overheadMs: 0,
      repairs: 0,
      uncoveredLines: states.reduce((n, s) => n + s.context.target.uncoveredLines.length, 0),
      candidates: 0,
      ...measured,
    },
  };
}

/**
 * Works on `concurrency` targets at once, each through its state machine (./target-machine.ts); a target
 * the run cannot start any more is marked not started. Returns the pool's wall time.
 */
async function runTargets(
  run: GenerationRun,
  states: readonly TargetState[],
  concurrency: number,
): Promise<number> {
  const parallel = Math.max(1, Math.min(concurrency, states.length));
  if (run.setting.engine.name === 'llm') run.prepareValidators(states, parallel);
  const poolStarted = performance.now();
  const queue = [...states];
  const worker = async (): Promise<void> => {
    for (let state = queue.shift(); state !== undefined; state = queue.shift()) {
      const refusal = run.startRefusal(state);
      if (refusal) {
        state.outcome = { kind: 'notStarted', reason: refusal };
        continue;
      }
      const targetStarted = performance.now();
      await runTarget(run, state);
      const took = performance.now() - targetStarted;
      run.clock.worker += took;
      run.perTarget.observe(took);
    }
  };
  try {
    await Promise.all(Array.from({ length: parallel }, worker));
  } finally {
    await run.close();
  }
  return performance.now() - poolStarted;
}

/** Each target under its outcome, in target order whatever order the workers finished in. */
function collectOutcomes(
  states: readonly TargetState[],
  result: GenerateResult,
  skipped: { target: string; reason: string }[],
): void {
  for (const state of states) {
    const target = state.context.target.id;
    const { testFile } = state.context;
    const outcome = state.outcome;
    if (outcome?.kind === 'accepted') {
      result.accepted.push({
        target,
        testFile,
        newlyCoveredLines: outcome.lines,
        promptTokens: state.promptTokens,
        repairs: outcome.repairs,
        ...(outcome.mutants ? { mutants: outcome.mutants } : {}),
      });
    } else if (outcome?.kind === 'stub') result.stubs.push({ target, testFile, todos: outcome.todos });
    else if (outcome?.kind === 'discarded')
      result.discarded.push({
        target,
        stage: outcome.stage,
        reason: state.reason ?? 'rejected',
        ...(outcome.stage === 'runner' ? { code: 'TESTLOOP_RUNNER_START' as const } : {}),
      });
    else if (outcome?.kind === 'notStarted') skipped.push({ target, reason: outcome.reason });
  }
}

/** The funnel, the endpoint's verdict and the tokens of the run. */
function countUsage(run: GenerationRun, states: readonly TargetState[]): void {
  const { result } = run;
  const endpointFailure = run.breaker.verdict();
  if (endpointFailure) {
    const { error, state } = endpointFailure;
    result.llmError = { code: error.code, message: error.message, endpoint: state };
  }
  result.funnel = funnelOf(states.filter((s) => s.outcome?.kind !== 'stub').map((s) => s.furthest));
  const { client } = run.setting;
  if (client) {
    const totals = client.usage();
    result.usage = {
      requests: totals.requests,
      promptTokens: totals.promptTokens,
      completionTokens: totals.completionTokens,
    };
  }
  if (result.accepted.length > 0 && result.usage.promptTokens > 0)
    result.stats.promptTokensPerAccepted = Math.round(result.usage.promptTokens / result.accepted.length);
}

/** Accepted tests and skeletons as files (--write) and as a patch (--patch): they are new test files. */
async function writeOutputs(
  options: GenerateOptions,
  cwd: string,
  root: string,
  states: readonly TargetState[],
  result: GenerateResult,
  log: (line: string) => void,
): Promise<void> {
  const filesOf = (kind: 'accepted' | 'stub') =>
    states.flatMap((state) =>
      state.outcome?.kind === kind ? [{ path: state.context.testFile, content: state.outcome.code }] : [],
    );
  const newFiles = filesOf('accepted');
  const stubFiles = filesOf('stub');
  if (options.patch !== undefined) {
    const patchPath = resolve(cwd, options.patch);
    await writeFileAtomic(patchPath, newFilesPatch(root, [...newFiles, ...stubFiles]));
    const rel = relative(root, patchPath);
    result.patch = rel.startsWith('..') || isAbsolute(rel) ? patchPath : rel.split(sep).join('/');
  }
  if (options.write) result.written = await writeNewFiles(root, [...newFiles, ...stubFiles]);
  if (stubFiles.length > 0) log(`testloop: ${describeStubOutput(stubFiles.length, result)}`);
}

/** Where the skeletons of a run went: written, in the patch, or nowhere yet. */
function describeStubOutput(count: number, result: GenerateResult): string {
  const where = [
    ...(result.written ? ['written beside the tests'] : []),
    ...(result.patch === undefined ? [] : [`in the patch ${result.patch}`]),
  ];
  return where.length > 0
    ? `${count} test skeleton(s) ${where.join(' and ')}`
    : `${count} test skeleton(s) not written: pass --write or --patch <file> to keep them`;
}
