import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { CoverageArg } from '../coverage/load.ts';
import { TestloopError } from '../errors.ts';
import { repositoryRoot } from '../git/base.ts';
import { trackedFiles } from '../git/diff.ts';
import { createResolver } from '../graph/resolve.ts';
import type { LlmError } from '../llm/errors.ts';
import type { LlmApi, LlmClient } from '../llm/types.ts';
import { openSandbox, type Sandbox } from '../sandbox/index.ts';
import { probeNamespacesAsync } from '../sandbox/probe.ts';
import { discoverProjects, projectOf } from '../select/projects.ts';
import { writeFileAtomic } from '../util/fs.ts';
import { Estimator, funnelOf, nextStage, StageClock, stageIndex } from './accounting.ts';
import { parseSource } from './ast.ts';
import { CircuitBreaker, describeEndpoint, isEndpointFailure } from './breaker.ts';
import { buildContext } from './context.ts';
import type { MutationScore } from './mutation-gate.ts';
import { newFilesPatch, writeNewFiles } from './output.ts';
import { withEnclosingRunners } from './runner-projects.ts';
import { createEngine, createValidatorFor, targetsOf } from './setup.ts';
import { discoverableMirrors } from './test-layout.ts';
import type { CandidateValidator, GenerateResult, Repair, Stage, TestContext, TestEngine } from './types.ts';
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
  targets?: string[];
  /** Default: 'llm' when `llm.baseUrl` is set, else 'stub'. */
  engine?: 'llm' | 'stub';
  llm?: {
    baseUrl?: string;
    model?: string;
    api?: LlmApi;
    /** Longest time one request may take (default 300 000); a stalled stream is cut at min(60 s, this). */
    requestTimeoutMs?: number;
  };
  /** Targets worked on at once (default 4). */
  concurrency?: number;
  /** Wall-clock budget: no target starts that the observed pace says cannot finish in time. */
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

interface TargetState {
  context: TestContext;
  /** Why the sandbox discarded its last candidate. */
  sandbox?: string;
  furthest?: Stage;
  /** The reason of the candidate that got furthest (the last one among equals). */
  reason?: string;
  promptTokens: number;
  /** Set when the package's runner could not start: discarded at stage 'runner', never repaired. */
  runnerStart?: true;
}

/** `testloop generate` as a library call: tests for the gaps of a change (or named targets), validated. */
export async function generateTests(options: GenerateOptions = {}): Promise<GenerateResult> {
  const started = performance.now();
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const deadline = options.budgetMs === undefined ? undefined : Date.now() + options.budgetMs;
  const repairs = options.repairs ?? 2;
  const reruns = options.reruns ?? 3;
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

  const sources = new Map<string, string>();
  const readSource = (file: string): string | undefined => {
    if (!sources.has(file)) {
      try {
        sources.set(file, readFileSync(join(root, file), 'utf8'));
      } catch {
        return undefined;
      }
    }
    return sources.get(file);
  };
  const reserved = new Set<string>();
  const mirrors = await discoverableMirrors(projects, collected.targets);
  const resolver = createResolver({ root, files: fileSet });
  const states: TargetState[] = collected.targets.map((target) => {
    const project = projectOf(projects, target.file);
    const parsed = parseSource(target.file, readSource(target.file) ?? '');
    return {
      context: buildContext({ root, project, target, parsed, files: fileSet, reserved, mirrors, resolver }),
      promptTokens: 0,
    };
  });

  const { engine, client } = await createEngine(options, engineName, env, deadline, readSource);
  const result: GenerateResult = {
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
  const accepted = new Map<
    TargetState,
    { code: string; lines: number[]; repairs: number; mutants?: MutationScore }
  >();
  const stubs = new Map<TargetState, { code: string; todos: number }>();
  const discarded = new Set<TargetState>();
  const notStarted = new Map<TargetState, string>();
  const clock = new StageClock();
  const perTarget = new Estimator();
  const perAttempt = new Estimator();
  let stopReason: string | undefined;
  const breaker = new CircuitBreaker();
  /** Packages whose runner cannot start (TESTLOOP_RUNNER_START), with the reason: no target of theirs starts. */
  const runnerDown = new Map<string, string>();
  const packageOf = (state: TargetState): string => projectOf(projects, state.context.target.file).dir;
  const validators = new Map<string, Promise<CandidateValidator>>();
  // One copy of the working tree for every package's validator: candidates never run in the checkout.
  // Opened after the namespace probe, which runs while the first model requests are in flight.
  let sandbox: Sandbox | undefined;
  let sandboxReady: Promise<Sandbox> | undefined;
  const sharedSandbox = (): Promise<Sandbox> => {
    sandboxReady ??= probeNamespacesAsync().then(() => {
      sandbox = openSandbox({
        root,
        files,
        env,
        ...(options.allowNetwork ? { allowNetwork: true } : {}),
        ...(options.sandboxFileSizeBytes ? { fileSizeBytes: options.sandboxFileSizeBytes } : {}),
      });
      result.stats.sandbox = sandbox.info;
      return sandbox;
    });
    return sandboxReady;
  };
  const validatorFor = (context: TestContext): Promise<CandidateValidator> => {
    const project = projectOf(projects, context.target.file);
    let validator = validators.get(project.dir);
    if (!validator) {
      validator = sharedSandbox().then((box) =>
        createValidatorFor(options, root, project, reruns, env, deadline, box),
      );
      validators.set(project.dir, validator);
    }
    return validator;
  };
  const timeLeft = (): number => (deadline === undefined ? Number.POSITIVE_INFINITY : deadline - Date.now());
  const budgetRefusal = (estimate: number | undefined, what: string): string | undefined => {
    const left = timeLeft();
    if (left <= 0) return `budget spent before ${what} could start`;
    if (estimate !== undefined && estimate > left)
      return `budget: ${what} takes ~${seconds(estimate)} s and ${seconds(left)} s are left`;
    return undefined;
  };

  async function runTarget(state: TargetState): Promise<void> {
    const { context } = state;
    const id = context.target.id;
    let repair: Repair | undefined;
    for (let attempt = 0; ; attempt++) {
      const attemptStarted = performance.now();
      let code: string;
      try {
        const stage = engine.name === 'llm' ? 'llm' : 'other';
        const output = await clock.time(stage, () => engine.generate(context, repair));
        breaker.answered();
        state.promptTokens += output.usage?.promptTokens ?? 0;
        if (!client && output.usage) {
          result.usage.requests++;
          result.usage.promptTokens += output.usage.promptTokens;
          result.usage.completionTokens += output.usage.completionTokens;
        }
        if (output.stub) {
          stubs.set(state, { code: output.code, todos: (output.code.match(/\.todo\(/g) ?? []).length });
          // Where it ends up (a file, the patch, or nowhere) is said once the run is over.
          log(`testloop: ${id}: skeleton with ${stubs.get(state)!.todos} todo(s) for ${context.testFile}`);
          return;
        }
        code = output.code;
      } catch (error) {
        const kind = (error as { kind?: string }).kind;
        const message = (error as Error).message ?? String(error);
        note(state, undefined, message);
        if (isEndpointFailure(error)) {
          // This target fails; the others go on unless the breaker opens (see ./breaker.ts).
          breaker.failed(error);
          if (breaker.open)
            stopReason ??= `not started: the model endpoint is ${describeEndpoint(breaker.open.state)} (see llmError)`;
          discarded.add(state);
          log(`testloop: ${id}: discarded (${message})`);
          return;
        }
        if (kind === 'bad-output') breaker.answered();
        if (kind === 'budget') stopReason ??= 'not started: the token budget (--max-tokens-total) is spent';
        else if (kind === 'deadline') stopReason ??= 'not started: the time budget is spent';
        else if (kind === undefined && !(error instanceof TestloopError)) throw error;
        const retry = kind === 'bad-output' && attempt < repairs && !stopReason;
        if (retry && !budgetRefusal(perAttempt.estimate(), 'another attempt')) {
          result.stats.repairs++;
          // A repair round like any other: the model sees what it sent and why it could not be used.
          const { reply, reason } = error as LlmError;
          repair =
            reply === undefined ? undefined : { code: reply, failure: reason ?? message, unusable: true };
          log(`testloop: ${id}: unusable model output (${reason ?? message}), asking again`);
          continue;
        }
        discarded.add(state);
        log(`testloop: ${id}: discarded (${message})`);
        return;
      }
      result.stats.candidates = (result.stats.candidates ?? 0) + 1;
      note(state, 'generated', 'generated');
      let validation: Awaited<ReturnType<CandidateValidator['validate']>>;
      try {
        const validator = await validatorFor(context);
        validation = await validator.validate(context, code);
      } catch (error) {
        if (isUsageError(error)) throw error;
        if (error instanceof TestloopError && error.code === 'TESTLOOP_RUNNER_START') {
          runnerCannotStart(state, error.message);
          return;
        }
        const message = `the validator failed: ${(error as Error).message ?? String(error)}`;
        if (!warnings.some((w) => w.endsWith(message))) warnings.push(`${id}: ${message}`);
        note(state, 'generated', message);
        discarded.add(state);
        return;
      }
      clock.runner += validation.runnerMs;
      if (validation.mutation) {
        const { runs, ms } = result.stats.mutation ?? { runs: 0, ms: 0 };
        result.stats.mutation = { runs: runs + validation.mutation.runs, ms: ms + validation.mutation.ms };
      }
      code = validation.code ?? code;
      perAttempt.observe(performance.now() - attemptStarted);
      if (validation.sandbox !== undefined) {
        // Untrusted code that broke out of its test file is not sent back for another try.
        // The reason is this candidate's, whatever an earlier attempt reached.
        state.reason = `sandbox: ${validation.sandbox}`;
        state.sandbox = validation.sandbox;
        discarded.add(state);
        log(`testloop: ${id}: discarded by the sandbox (${validation.sandbox})`);
        return;
      }
      if (validation.accepted) {
        note(state, 'killsMutants', 'accepted');
        accepted.set(state, {
          code,
          lines: validation.newlyCoveredLines,
          repairs: attempt,
          ...(validation.mutants ? { mutants: validation.mutants } : {}),
        });
        const score = validation.mutants;
        const kills = score ? `, kills ${score.killed} of ${score.total} mutant(s)` : '';
        // Accepted without the proof the gate asks for: said in the result, not only in the score.
        if (score?.unchecked !== undefined)
          warnings.push(`${id}: assertions not checked: ${score.unchecked}`);
        if (score?.existingFailed !== undefined) warnings.push(`${id}: ${score.existingFailed}`);
        log(`testloop: ${id}: accepted, covers line(s) ${validation.newlyCoveredLines.join(', ')}${kills}`);
        return;
      }
      const reason = summarize(validation.reached, validation.failure);
      note(state, validation.reached, reason);
      const refusal = budgetRefusal(perAttempt.estimate(), 'a repair');
      if (attempt >= repairs || stopReason || refusal) {
        if (attempt < repairs && refusal) state.reason = `${state.reason}; ${refusal}`;
        discarded.add(state);
        log(`testloop: ${id}: discarded at ${nextStage(state.furthest)} (${state.reason})`);
        return;
      }
      result.stats.repairs++;
      log(`testloop: ${id}: ${reason}; repairing`);
      repair = { code, failure: validation.failure ?? reason };
    }
  }

  const parallel = Math.max(1, Math.min(options.concurrency ?? 4, states.length));
  if (engine.name === 'llm') {
    // Validation processes start while the model writes the first candidates, not after: as many as the
    // first `parallel` targets of the queue will validate at once, per package.
    const first = new Map<string, { context: TestContext; count: number }>();
    for (const state of states.slice(0, parallel)) {
      const dir = projectOf(projects, state.context.target.file).dir;
      const entry = first.get(dir);
      if (entry) entry.count++;
      else first.set(dir, { context: state.context, count: 1 });
    }
    for (const { context, count } of first.values()) {
      validatorFor(context).then(
        (validator) => validator.prepare?.(count),
        () => {},
      );
    }
  }
  const poolStarted = performance.now();
  const queue = [...states];
  const worker = async (): Promise<void> => {
    for (let state = queue.shift(); state !== undefined; state = queue.shift()) {
      const down = runnerDown.get(packageOf(state));
      const refusal =
        stopReason ?? (down && `not started: ${down}`) ?? budgetRefusal(perTarget.estimate(), 'a target');
      if (refusal) {
        notStarted.set(state, refusal);
        continue;
      }
      const targetStarted = performance.now();
      await runTarget(state);
      const took = performance.now() - targetStarted;
      clock.worker += took;
      perTarget.observe(took);
    }
  };
  try {
    await Promise.all(Array.from({ length: parallel }, worker));
  } finally {
    await client?.close();
    // Validation processes stay up between candidates; they go with the run.
    await Promise.all(
      [...validators.values()].map((validator) =>
        validator.then(
          (v) => v.close?.(),
          () => {},
        ),
      ),
    );
    sandbox?.close();
  }
  const poolMs = performance.now() - poolStarted;

  // Results in target order, whatever order the workers finished in.
  for (const state of states) {
    const id = state.context.target.id;
    const ok = accepted.get(state);
    const stub = stubs.get(state);
    if (ok) {
      result.accepted.push({
        target: id,
        testFile: state.context.testFile,
        newlyCoveredLines: ok.lines,
        promptTokens: state.promptTokens,
        repairs: ok.repairs,
        ...(ok.mutants ? { mutants: ok.mutants } : {}),
      });
    } else if (stub) result.stubs.push({ target: id, testFile: state.context.testFile, todos: stub.todos });
    else if (discarded.has(state))
      result.discarded.push({
        target: id,
        stage: state.runnerStart
          ? 'runner'
          : state.sandbox === undefined
            ? nextStage(state.furthest)
            : 'sandbox',
        reason: state.reason ?? 'rejected',
        ...(state.runnerStart ? { code: 'TESTLOOP_RUNNER_START' as const } : {}),
      });
    else if (notStarted.has(state)) skipped.push({ target: id, reason: notStarted.get(state)! });
  }
  const endpointFailure = breaker.verdict();
  if (endpointFailure) {
    const { error, state } = endpointFailure;
    result.llmError = { code: error.code, message: error.message, endpoint: state };
  }
  result.funnel = funnelOf(states.filter((s) => !stubs.has(s)).map((s) => s.furthest));
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

  const filesOf = (codes: ReadonlyMap<TargetState, { code: string }>) =>
    states.flatMap((state) => {
      const code = codes.get(state)?.code;
      return code === undefined ? [] : [{ path: state.context.testFile, content: code }];
    });
  // Skeletons go where accepted tests go: they are new test files the user fills in.
  const newFiles = filesOf(accepted);
  const stubFiles = filesOf(stubs);
  if (options.patch !== undefined) {
    const patchPath = resolve(cwd, options.patch);
    await writeFileAtomic(patchPath, newFilesPatch(root, [...newFiles, ...stubFiles]));
    const rel = relative(root, patchPath);
    result.patch = rel.startsWith('..') || isAbsolute(rel) ? patchPath : rel.split(sep).join('/');
  }
  if (options.write) result.written = await writeNewFiles(root, [...newFiles, ...stubFiles]);
  if (stubFiles.length > 0) log(`testloop: ${describeStubOutput(stubFiles.length, result)}`);
  if (skipped.length > 0) result.skipped = skipped;
  if (warnings.length > 0) result.warnings = warnings;
  result.stats.ms = Math.round(performance.now() - started);
  Object.assign(result.stats, clock.split(result.stats.ms, poolMs));
  return result;

  /** The runner's failure, not the candidate's: one warning per package, and none of its targets starts. */
  function runnerCannotStart(state: TargetState, message: string): void {
    const dir = packageOf(state);
    if (!runnerDown.has(dir)) warnings.push(`TESTLOOP_RUNNER_START: ${message}`);
    runnerDown.set(dir, message);
    state.reason = message;
    state.runnerStart = true;
    discarded.add(state);
    log(`testloop: ${state.context.target.id}: discarded, not the candidate's failure (${message})`);
  }

  function note(state: TargetState, reached: Stage | undefined, reason: string): void {
    if (stageIndex(reached) >= stageIndex(state.furthest)) {
      if (reached !== undefined) state.furthest = reached;
      state.reason = reason;
    }
  }
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

/** A line that says what went wrong, rather than which test it was. */
const TELLING =
  /\b(?:\w*Error|expected|assert\w*|Cannot|timed out|flaky|adds no coverage|no test passed|not ok|lint\/\w+)\b|syntax error|^\S+:\d+:\d+ /i;
/** A heading such as `lint (eslint):` that only introduces the diagnostics under it. */
const HEADING = /^[\w -]+(?:\([\w -]+\))?:$/;

/** The one line a discarded candidate is reported with. */
function summarize(reached: Stage, failure: string | undefined): string {
  const what: Record<Stage, string> = {
    generated: 'does not compile or load',
    compiled: 'fails',
    passed: 'flaky: failed on a rerun',
    stable: 'covers none of the uncovered lines',
    addedCoverage: 'kills no mutant',
    killsMutants: 'accepted',
  };
  const lines = (failure ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !HEADING.test(line));
  const first = lines.find((line) => TELLING.test(line)) ?? lines[0];
  return first
    ? `${what[reached]}: ${first.length > 160 ? `${first.slice(0, 159)}…` : first}`
    : what[reached];
}

function isUsageError(error: unknown): boolean {
  return (
    error instanceof TestloopError && (error.code === 'TESTLOOP_USAGE' || error.code === 'TESTLOOP_CONFIG')
  );
}

const seconds = (ms: number): string => (ms / 1000).toFixed(1);
