import { readFileSync, realpathSync } from 'node:fs';
import { join, posix } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { type RunTestsOptions, runTests } from '../runners/run.ts';
import type { MemberVerdict, ProjectInfo, RunnerAdapter, RunPool } from '../runners/types.ts';
import type { Sandbox } from '../sandbox/index.ts';
import { isFile, rebaseImports, TOKEN } from './candidate-source.ts';
import { type Confined, confine, runViolation } from './confine.ts';
import { findLinters, type Linter } from './linters/index.ts';
import { importsDirectly, type MutantTest } from './mutation-gate.ts';
import { type BatchMember, type BatchRun, RerunBatcher } from './rerun-batch.ts';
import { countsOf } from './run-outcome.ts';
import { isSpawnFailure, RunnerStartCheck, startVerdict } from './runner-start.ts';
import { placeScratch, type TempPath } from './sandbox.ts';
import { createTypeChecker, type TypeChecker } from './typecheck.ts';
import type { ValidatorOptions } from './validate.ts';

/** What every candidate of one validator shares: the confined checkout, the runner, its processes and checks. */
export interface ValidatorShared {
  adapter: RunnerAdapter;
  /** Passing runs required in total, at least 1. */
  reruns: number;
  rerunIn: 'worker' | 'process';
  timeoutMs: number;
  confined: Confined;
  /** Where runs happen (the sandbox's copy of the working tree): root and project point there. */
  root: string;
  realRoot: string;
  project: ProjectInfo;
  env: Record<string, string>;
  sandbox: Sandbox | undefined;
  /** Validation processes that stay up between runs, where the runner has them; one per core at most. */
  driver: RunPool | undefined;
  /**
   * Reruns share runner processes or pooled runs (./rerun-batch.ts, one per core at once either way), where
   * the runner's output says which file of a batch failed.
   */
  batcher: RerunBatcher | undefined;
  /** The project's own linter and TypeScript, read from the checkout (neither runs the candidate). */
  linters: Linter[];
  typeCheckerFor(testFile: string): TypeChecker | undefined;
  /** The existing tests of a target's file, ready to run against its mutants. */
  existingTestsOf(file: string): Promise<{ existing?: MutantTest[] }>;
  /** What the existing tests made of the mutants. */
  existingVerdicts: Map<string, boolean>;
  /** Whether the runner starts at all, asked of an existing test file once when a failure leaves it unclear. */
  startCheck: RunnerStartCheck;
  /** Set once this package's configured coverage has written an empty report: V8 measures instead. */
  v8Coverage: boolean;
}

export function openShared(options: ValidatorOptions): ValidatorShared {
  const { adapter } = options;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const confined = confine({
    root: options.root,
    project: options.project,
    env: options.env ?? process.env,
    ...(options.sandbox === undefined ? {} : { sandbox: options.sandbox }),
    ...(options.allowNetwork === undefined ? {} : { allowNetwork: options.allowNetwork }),
  });
  const { root, project, env, sandbox } = confined;
  const existingTests = new Map<string, Promise<MutantTest[]>>();
  const shared: ValidatorShared = {
    adapter,
    reruns: Math.max(1, options.reruns ?? 3),
    rerunIn: options.rerunIn ?? 'worker',
    timeoutMs,
    confined,
    root,
    realRoot: realpathSync(root),
    project,
    env,
    sandbox,
    driver: createDriver(options, confined, timeoutMs),
    batcher: undefined,
    linters: options.staticChecks === false ? [] : findLinters(options.root, options.project.dir),
    typeCheckerFor: options.staticChecks === false ? () => undefined : typeCheckers(root, project),
    async existingTestsOf(file) {
      if (!existingTests.has(file)) existingTests.set(file, findExistingTests(root, project, adapter, file));
      const tests = await existingTests.get(file)!;
      return tests.length > 0 ? { existing: tests } : {};
    },
    existingVerdicts: new Map(),
    startCheck: createStartCheck(confined, adapter, timeoutMs),
    v8Coverage: false,
  };
  const batchVerdicts = adapter.console?.batchVerdicts;
  if (batchVerdicts) shared.batcher = new RerunBatcher((members) => runBatch(shared, batchVerdicts, members));
  return shared;
}

/**
 * What every runner process that runs a candidate's code shares: its output captured, the time limit, the
 * confined environment with an empty $HOME of its own (the candidate cannot read ~/.npmrc, ~/.aws or
 * ~/.ssh), and the sandbox.
 */
export function confinedRun(confined: Confined, timeoutMs: number, home: TempPath): RunTestsOptions {
  const wrap = confined.sandbox?.wrap;
  return {
    output: 'capture',
    timeoutMs,
    baseEnv: { ...confined.env, HOME: home.path, USERPROFILE: home.path },
    ...(wrap ? { wrap } : {}),
  };
}

function createDriver(options: ValidatorOptions, confined: Confined, timeoutMs: number): RunPool | undefined {
  if (options.driver === false) return undefined;
  return options.adapter.persistentRuns?.createPool({
    project: confined.project,
    env: confined.env,
    timeoutMs,
    ...(typeof options.driver === 'object' ? { script: options.driver.script } : {}),
    ...(confined.driver ? { sandbox: confined.driver } : {}),
  });
}

/** The project's TypeScript checker of each test folder, made once per folder. */
function typeCheckers(root: string, project: ProjectInfo): (testFile: string) => TypeChecker | undefined {
  const checkers = new Map<string, TypeChecker | undefined>();
  return (testFile) => {
    const dir = posix.dirname(testFile);
    if (!checkers.has(dir)) checkers.set(dir, createTypeChecker(root, project.dir, testFile));
    return checkers.get(dir);
  };
}

function createStartCheck(confined: Confined, adapter: RunnerAdapter, timeoutMs: number): RunnerStartCheck {
  return new RunnerStartCheck(adapter, async (near) => {
    const home = confined.home();
    try {
      return await runsATest(confined.project, adapter, near, confinedRun(confined, timeoutMs, home));
    } finally {
      home.remove();
    }
  });
}

type BatchVerdicts = NonNullable<NonNullable<RunnerAdapter['console']>['batchVerdicts']>;

async function runBatch(
  shared: ValidatorShared,
  batchVerdicts: BatchVerdicts,
  members: BatchMember[],
): Promise<BatchRun> {
  const { adapter, confined, driver, project, timeoutMs } = shared;
  const files = members.flatMap((m) => m.files);
  const home = confined.home();
  try {
    const result =
      (await driver?.run(files)) ??
      (await runTests(project, adapter, files, {
        ...confinedRun(confined, timeoutMs, home),
        isolated: true,
      }));
    const violation = runViolation(result, shared.sandbox);
    if (violation !== undefined) {
      const verdicts = members.map(
        (member): MemberVerdict => ({
          kind: 'failed',
          run: 0,
          file: member.files[0] ?? '',
          output: violation,
        }),
      );
      return { verdicts, runnerMs: result.durationMs, violation };
    }
    const text = stripVTControlCharacters(result.output ?? '');
    const counts = countsOf(adapter, result, '');
    const verdicts = batchVerdicts(members, text, result.exitCode, result.timedOut, counts);
    return { verdicts, runnerMs: result.durationMs };
  } finally {
    home.remove();
  }
}

/** Tests of the project that import `file` itself (at most 3, nearest first), placed to run as scratch copies. */
async function findExistingTests(
  root: string,
  project: ProjectInfo,
  adapter: RunnerAdapter,
  file: string,
): Promise<MutantTest[]> {
  const { tests } = await adapter.discover(project);
  const dir = posix.dirname(file);
  const importers = tests
    .filter((test) => !TOKEN.test(test))
    .map((test) => ({ test, code: readIfFile(join(root, test)) }))
    .filter(({ test, code }) => code !== undefined && importsDirectly(test, code, file))
    .sort((a, b) => nearness(dir, a.test) - nearness(dir, b.test) || a.test.localeCompare(b.test))
    .slice(0, 3);
  return Promise.all(
    importers.map(async ({ test, code }) => {
      const template = await placeScratch(project, adapter, test);
      return { template, code: rebaseImports(code!, test, template) };
    }),
  );
}

function readIfFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** 0 for a test in `dir`, more the further away (a rough order, enough to pick the file's own tests first). */
function nearness(dir: string, test: string): number {
  const rel = posix.relative(dir, posix.dirname(test));
  return rel === '' ? 0 : rel.split('/').length;
}

/** Whether the runner runs an existing test file of the project (the nearest to `near`); true when it has none. */
async function runsATest(
  project: ProjectInfo,
  adapter: RunnerAdapter,
  near: string,
  options: RunTestsOptions,
): Promise<boolean> {
  const { tests } = await adapter.discover(project);
  const dir = posix.dirname(near);
  const [test] = tests
    .filter((file) => !TOKEN.test(file) && isFile(join(project.root, file)))
    .sort((a, b) => nearness(dir, a) - nearness(dir, b) || a.localeCompare(b));
  if (test === undefined) return true;
  const file = join(project.root, test);
  try {
    const result = await runTests(project, adapter, [test], options);
    return startVerdict(result, file, countsOf(adapter, result, file)) === 'ran';
  } catch (error) {
    if (isSpawnFailure(error)) return false;
    throw error;
  }
}
