import { randomBytes } from 'node:crypto';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { join, posix, relative, resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { parseSync } from 'oxc-parser';
import { loadCoverage } from '../coverage/load.ts';
import { mapCoverageToRepository } from '../coverage/paths.ts';
import { TestloopError } from '../errors.ts';
import { parseImports } from '../graph/parse-imports.ts';
import { escapeGlob, MODULE_EXTENSIONS, projectRelative } from '../runners/project-files.ts';
import { type RunResult, type RunTestsOptions, runTests } from '../runners/run.ts';
import type {
  MemberVerdict,
  PooledRun,
  ProjectInfo,
  RepeatResult,
  RunnerAdapter,
  TestCounts,
} from '../runners/types.ts';
import type { Sandbox } from '../sandbox/index.ts';
import { confine, runViolation } from './confine.ts';
import { coverageInputs, coversNoFile } from './coverage-dir.ts';
import { findLinters } from './linters/index.ts';
import { importsDirectly, type MutantTest, mutationGate } from './mutation-gate.ts';
import { type BatchMember, type BatchRun, RerunBatcher } from './rerun-batch.ts';
import { type Names, trimOutput } from './runner-output.ts';
import { isSpawnFailure, RunnerStartCheck, startVerdict } from './runner-start.ts';
import { checkTestPath, placeScratch, type TempPath, writeScratch } from './sandbox.ts';
import { createTypeChecker, type TypeChecker } from './typecheck.ts';
import type { CandidateValidator, Stage, TestContext, Validation } from './types.ts';
import { removeUnusedImports } from './unused-imports.ts';

export interface ValidatorOptions {
  /** Repository root, absolute. */
  root: string;
  project: ProjectInfo;
  adapter: RunnerAdapter;
  /**
   * Passing runs required in total (default 3): each in a fresh process (a runner process of its own, or a
   * fresh worker of a pooled process, `RunnerAdapter.persistentRuns`; see ./rerun-batch.ts for 2…), or with
   * `rerunIn: 'worker'` every test executed that many times in the first run's worker process.
   */
  reruns?: number;
  /**
   * Where the reruns happen with pooled processes (default 'worker'): 'worker' repeats each test inside the
   * first run's fresh worker (its hooks each time, the file's module state shared), one process per
   * candidate; 'process' gives every rerun a fresh worker process. Runners without pooled processes (jest,
   * node:test) and runs without them always rerun in fresh processes.
   */
  rerunIn?: 'worker' | 'process';
  /** Per runner process or pooled run; the whole process group is killed after it (default 60 000). */
  timeoutMs?: number;
  /** The environment to scrub and run with (default process.env). */
  env?: Record<string, string | undefined>;
  /**
   * For runners with `persistentRuns` (vitest: src/runners/vitest/driver/): run through long-lived
   * validation processes (up to one per core) instead of one runner process per run (default true). Without
   * them, or when they cannot start (vitest older than 4, a config its Node API cannot load), every run is
   * its own process. `script`: another child program.
   */
  driver?: boolean | { script: string };
  /**
   * Where candidates run (src/sandbox/): an open sandbox shared by the validators of one run, false for none
   * (the checkout itself); default: a sandbox of this validator's own, closed with it.
   */
  sandbox?: Sandbox | false;
  /** Keep the host's network in the sandbox (default: a network namespace with only its own loopback). */
  allowNetwork?: boolean;
  /**
   * Type-check candidates with the project's TypeScript and tsconfig and lint them with its configured
   * linter after safe fixes (default true; each applies only where the project has it).
   */
  staticChecks?: boolean;
}

/**
 * Runs a candidate in the project's own runner and says how far down the funnel it got: it parses and its
 * relative imports exist (generated → compiled once the runner loads it), it passes, it passes every
 * rerun, and it runs target lines no test ran before. The first run also records coverage.
 */
export function createValidator(options: ValidatorOptions): CandidateValidator {
  const { adapter } = options;
  const reruns = Math.max(1, options.reruns ?? 3);
  const rerunIn = options.rerunIn ?? 'worker';
  const timeoutMs = options.timeoutMs ?? 60_000;
  // Runs happen in the sandbox's copy of the working tree: root and project point there.
  const confined = confine({
    root: options.root,
    project: options.project,
    env: options.env ?? process.env,
    ...(options.sandbox === undefined ? {} : { sandbox: options.sandbox }),
    ...(options.allowNetwork === undefined ? {} : { allowNetwork: options.allowNetwork }),
  });
  const { root, project, env, sandbox } = confined;
  const wrap = sandbox?.wrap;
  const realRoot = realpathSync(root);
  // Validation processes that stay up between runs, where the runner has them; one per core at most.
  const driver =
    options.driver === false
      ? undefined
      : adapter.persistentRuns?.createPool({
          project,
          env,
          timeoutMs,
          ...(typeof options.driver === 'object' ? { script: options.driver.script } : {}),
          ...(confined.driver ? { sandbox: confined.driver } : {}),
        });
  // Reruns share runner processes or pooled runs (./rerun-batch.ts, one per core at once either way), where
  // the runner's output says which file of a batch failed.
  const batchVerdicts = adapter.console?.batchVerdicts;
  const batcher = batchVerdicts ? new RerunBatcher(runBatch) : undefined;
  // The project's own linter and TypeScript, read from the checkout (neither runs the candidate).
  const linters = options.staticChecks === false ? [] : findLinters(options.root, options.project.dir);
  const checkers = new Map<string, TypeChecker | undefined>();
  const typeCheckerFor = (testFile: string): TypeChecker | undefined => {
    if (options.staticChecks === false) return undefined;
    const dir = posix.dirname(testFile);
    if (!checkers.has(dir)) checkers.set(dir, createTypeChecker(root, project.dir, testFile));
    return checkers.get(dir);
  };

  // The existing tests of a target's file, ready to run against its mutants, and what they made of them.
  const existingTests = new Map<string, Promise<MutantTest[]>>();
  const existingVerdicts = new Map<string, boolean>();
  const existingTestsOf = async (file: string): Promise<{ existing?: MutantTest[] }> => {
    if (!existingTests.has(file)) existingTests.set(file, findExistingTests(root, project, adapter, file));
    const tests = await existingTests.get(file)!;
    return tests.length > 0 ? { existing: tests } : {};
  };

  /** Set once this package's configured coverage has written an empty report: V8 measures instead. */
  let v8Coverage = false;

  // Whether the runner starts at all, asked of an existing test file once when a failure leaves it unclear.
  const startCheck = new RunnerStartCheck(adapter, async (near) => {
    const home = confined.home();
    try {
      return await runsATest(project, adapter, near, {
        output: 'capture',
        timeoutMs,
        baseEnv: { ...env, HOME: home.path, USERPROFILE: home.path },
        ...(wrap ? { wrap } : {}),
      });
    } finally {
      home.remove();
    }
  });

  async function runBatch(members: BatchMember[]): Promise<BatchRun> {
    const files = members.flatMap((m) => m.files);
    const home = confined.home();
    try {
      const result =
        (await driver?.run(files)) ??
        (await runTests(project, adapter, files, {
          output: 'capture',
          timeoutMs,
          isolated: true,
          baseEnv: { ...env, HOME: home.path, USERPROFILE: home.path },
          ...(wrap ? { wrap } : {}),
        }));
      const violation = runViolation(result, sandbox);
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
      const verdicts = batchVerdicts!(
        members,
        text,
        result.exitCode,
        result.timedOut,
        countsOf(adapter, result, ''),
      );
      return { verdicts, runnerMs: result.durationMs };
    } finally {
      home.remove();
    }
  }

  return {
    async validate(context, code) {
      startCheck.ensureNotFailed();
      const testFile = checkTestPath(root, context.testFile);
      const early = precheck(root, testFile, code, context.importPath);
      if (early !== undefined) return reject('generated', early, 0);
      // Safe fixes first (unused imports, the linter's own), then the project's type-check: what a
      // reviewer's CI would reject never reaches the runner.
      code = removeUnusedImports(testFile, code);
      for (const linter of linters) code = await linter.fix(testFile, code);

      const scratchRel = await placeScratch(project, adapter, testFile);
      const source = rebaseImports(code, testFile, scratchRel);
      const scratch = writeScratch(root, scratchRel, source);
      // What the candidate writes besides its own file is checked when it is done (a sandbox only).
      const use = confined.begin([scratchRel]);
      const coverageDir = confined.tempDir('testloop-cov-');
      // The runner's own results of each run, where its adapter reads them (jest: obsolete snapshots).
      const resultsDir = adapter.failedOnlyElsewhere ? confined.tempDir('testloop-results-') : undefined;
      let runCount = 0;
      // An empty home: the candidate cannot read ~/.npmrc, ~/.aws or ~/.ssh through $HOME.
      const home = confined.home();
      /** What the candidate did that the sandbox forbids, seen in a run's result. */
      let violation: string | undefined;
      const names = { scratch: scratchRel, testFile, root, realRoot, dir: project.dir };
      let runnerMs = 0;
      const include = [escapeGlob(projectRelative(project, context.target.file))];
      /** Repeats the first run asked of the driver, and what became of them. */
      let repeated: RepeatResult | undefined;
      const run = async (coverage: boolean, repeats = 0, files = [scratchRel]): Promise<Outcome> => {
        const resultsFile = resultsDir && join(resultsDir.path, `run-${++runCount}.json`);
        const start = async (): Promise<RunResult> =>
          (await driver?.run(files, coverage ? { dir: coverageDir.path, include } : undefined, repeats)) ??
          runTests(project, adapter, files, {
            output: 'capture',
            timeoutMs,
            baseEnv: { ...env, HOME: home.path, USERPROFILE: home.path },
            ...(coverage
              ? {
                  coverage: true,
                  coverageDir: coverageDir.path,
                  coverageInclude: [context.target.file],
                  v8Coverage,
                }
              : {}),
            ...(resultsFile ? { resultsFile } : {}),
            ...(wrap ? { wrap } : {}),
          });
        const result = await (batcher ? batcher.track(start) : start()).catch((error: unknown) =>
          isSpawnFailure(error) ? startCheck.spawnFailed(error) : Promise.reject(error),
        );
        runnerMs += result.durationMs;
        const broke = runViolation(result, sandbox);
        violation ??= broke;
        if (repeats > 0) repeated = (result as PooledRun).repeats;
        const scratchAbs = join(root, files[0]!);
        const counts = countsOf(adapter, result, scratchAbs);
        if (broke === undefined) await startCheck.check(result, scratchAbs, counts, names);
        const elsewhere =
          resultsFile !== undefined &&
          result.exitCode !== 0 &&
          adapter.failedOnlyElsewhere!(resultsFile, files);
        return classify(adapter, result, scratchAbs, counts, names, timeoutMs, elsewhere);
      };
      const copies: TempPath[] = [];
      /**
       * Runs 2…reruns, each in a fresh process: the scratch file and copies of it in one batch (shared with
       * other candidates' reruns), or one by one when the batch cannot tell. The first that failed, if any.
       */
      const rerunAll = async (passed: number | undefined) => {
        if (batcher !== undefined && passed !== undefined && passed > 0 && reruns >= 2) {
          const files = [scratchRel];
          for (let n = 3; n <= reruns; n++) {
            const copy = scratchRel.replace(TOKEN, `.testloop-${randomBytes(4).toString('hex')}.`);
            if (copy === scratchRel) break;
            copies.push(writeScratch(root, copy, source));
            use?.own(copy);
            files.push(copy);
          }
          if (files.length === reruns - 1) {
            const batch = await batcher.rerun({ files, passed });
            runnerMs += batch.runnerMs;
            violation ??= batch.violation;
            const { verdict } = batch;
            if (verdict.kind === 'passed') return undefined;
            if (verdict.kind === 'failed') {
              const failure = trimOutput(verdict.output, { ...names, scratch: verdict.file });
              return { attempt: verdict.run + 2, failure };
            }
          }
        }
        for (let attempt = 2; attempt <= reruns; attempt++) {
          const again = await run(false);
          if (again.kind !== 'passed') return { attempt, failure: again.failure };
        }
        return undefined;
      };
      const judge = async (): Promise<Validation> => {
        const checker = typeCheckerFor(testFile);
        if (checker) {
          const errors = await checker.check(scratchRel, (path) => use?.own(path));
          if (errors.length > 0)
            return reject(
              'generated',
              trimOutput(`type-check (${checker.config}):\n${errors.join('\n')}`, names),
              0,
            );
        }
        for (const linter of linters) {
          const problems = await linter.check(relative(project.dir, join(root, scratchRel)), project.dir);
          if (problems.length > 0)
            return reject(
              'generated',
              trimOutput(`lint (${linter.name}):\n${problems.join('\n')}`, names),
              0,
            );
        }
        // With the driver, the first run repeats every test: one fresh worker process says whether it
        // passes, passes repeatedly, and what it covers (reruns in processes of their own otherwise).
        const first = await run(true, driver && rerunIn === 'worker' ? reruns - 1 : 0);
        if (first.kind === 'loadError') return reject('generated', first.failure, runnerMs);
        const flakyAt = repeated?.firstFailed;
        if (first.kind !== 'passed' && flakyAt !== undefined && flakyAt > 0) {
          const why = `flaky: passed on run 1, failed on run ${flakyAt + 1} of ${reruns} (repeated in one worker process)`;
          return reject('passed', `${why}\n${first.failure}`, runnerMs);
        }
        if (first.kind !== 'passed') return reject('compiled', first.failure, runnerMs);
        let lines = await coveredLines(coverageDir.path, project, context);
        if (lines === undefined && !v8Coverage && adapter.coverage?.v8Fallback) {
          // The package's instrumenter wrote a report of no file at all (jest's babel provider under a
          // transform that does not instrument, as @swc/jest): V8 sees what ran, for this and every later
          // candidate of the package.
          v8Coverage = true;
          const again = await run(true);
          if (again.kind !== 'passed') return reject('compiled', again.failure, runnerMs);
          lines = await coveredLines(coverageDir.path, project, context);
        }
        if (lines === undefined) throw emptyCoverage(adapter, project, v8Coverage);
        const { newly: covered, ran, reached } = lines;
        const failed = repeated?.applied ? undefined : await rerunAll(first.counts?.passed);
        if (failed !== undefined) {
          const why = `flaky: passed on run 1, failed on run ${failed.attempt} of ${reruns} (each in a fresh process)`;
          return reject('passed', `${why}\n${failed.failure}`, runnerMs);
        }
        if (reached.length === 0) {
          const lines = context.target.uncoveredLines.join(', ');
          return reject(
            'stable',
            `adds no coverage: none of ${context.target.file} lines ${lines} ran`,
            runnerMs,
          );
        }
        return killsMutants(
          [...new Set([...ran, ...covered])].sort((a, b) => a - b),
          covered,
        );
      };
      /** The mutation gate (./mutation-gate.ts) over the target lines the candidate ran. */
      const killsMutants = async (ran: number[], covered: number[]): Promise<Validation> => {
        const started = performance.now();
        let runs = 0;
        const gate = await mutationGate({
          file: context.target.file,
          source: readFileSync(join(root, context.target.file), 'utf8'),
          lines: ran,
          candidate: { template: scratchRel, code: source },
          ...(await existingTestsOf(context.target.file)),
          existingVerdicts,
          write: (file, content) => {
            copies.push(writeScratch(root, file, content));
            use?.own(file);
          },
          passes: async (files) => {
            runs++;
            return (await run(false, 0, files)).kind === 'passed';
          },
        });
        const mutation = { runs, ms: Math.round(performance.now() - started) };
        if (!gate.ok)
          return { ...reject('addedCoverage', gate.failure, runnerMs), newlyCoveredLines: covered, mutation };
        const { score } = gate;
        return {
          reached: 'killsMutants',
          accepted: true,
          newlyCoveredLines: covered,
          runnerMs,
          mutants: score,
          mutation,
        };
      };
      let validation: Validation;
      let written: string | undefined;
      try {
        validation = await judge();
      } finally {
        for (const copy of copies) copy.remove();
        scratch.remove();
        coverageDir.remove();
        resultsDir?.remove();
        home.remove();
        written = use?.end();
      }
      const breach = violation ?? written;
      if (breach === undefined) return { ...validation, code };
      return { ...reject('generated', breach, runnerMs), sandbox: breach, code };
    },
    prepare(parallel) {
      driver?.prepare(parallel);
    },
    async close() {
      await driver?.close();
      confined.close();
    },
  };
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

/** The runner's summary counts of a run, when it printed one that can be read. */
function countsOf(adapter: RunnerAdapter, result: RunResult, file: string): TestCounts | undefined {
  return (
    (result as PooledRun).counts ??
    adapter.console?.counts(stripVTControlCharacters(result.output ?? ''), file)
  );
}

/** The random part of a scratch file's name (see placeScratch). */
const TOKEN = /\.testloop-[0-9a-f]{8}\./;

function reject(reached: Stage, failure: string, runnerMs: number): Validation {
  return { reached, accepted: false, failure, newlyCoveredLines: [], runnerMs };
}

/** Syntax (oxc) and relative imports that name no file: caught before any process starts. */
function precheck(root: string, testFile: string, code: string, importPath: string): string | undefined {
  const parsed = parseSync(posix.basename(testFile), code);
  const errors = parsed.errors.filter((error) => error.severity === 'Error');
  if (errors.length > 0) {
    return `${testFile}: syntax error\n${errors
      .slice(0, 3)
      .map((error) => error.codeframe ?? error.message)
      .join('\n')}`;
  }
  const dir = posix.dirname(testFile);
  const missing = parseImports(testFile, code)
    .imports.filter((imp) => ['static', 'dynamic', 'require'].includes(imp.kind) && isRelative(imp.specifier))
    .map((imp) => imp.specifier)
    .filter((spec) => !existsOnDisk(resolve(root, dir, spec.replace(/[?#].*$/, ''))));
  if (missing.length === 0) return undefined;
  return `${testFile}: cannot resolve ${missing.map((spec) => `'${spec}'`).join(', ')}: no such file (the source under test is '${importPath}')`;
}

function isRelative(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../');
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

/** The file, or with an extension, or `.js` written for a `.ts` source (nodenext style), or an index file. */
function existsOnDisk(path: string): boolean {
  if (isFile(path) || MODULE_EXTENSIONS.some((ext) => isFile(path + ext))) return true;
  const js = /\.([cm]?)js(x?)$/.exec(path);
  if (js) {
    const stem = `${path.slice(0, js.index)}.${js[1]}`;
    if ((js[2] ? ['tsx'] : ['ts', 'tsx']).some((ts) => isFile(stem + ts))) return true;
  }
  return MODULE_EXTENSIONS.some((ext) => isFile(join(path, `index${ext}`)));
}

/** Relative imports were written for `testFile`: point them at the same files from where the scratch is. */
function rebaseImports(code: string, testFile: string, scratch: string): string {
  const from = posix.dirname(testFile);
  const to = posix.dirname(scratch);
  if (from === to) return code;
  let out = code;
  const specs = new Set(
    parseImports(testFile, code)
      .imports.map((imp) => imp.specifier)
      .filter(isRelative),
  );
  for (const spec of specs) {
    let moved = posix.relative(to, posix.join(from, spec));
    if (!moved.startsWith('.')) moved = `./${moved}`;
    if (spec.endsWith('/')) moved += '/';
    for (const quote of ["'", '"', '`'])
      out = out.split(`${quote}${spec}${quote}`).join(`${quote}${moved}${quote}`);
  }
  return out;
}

/**
 * Lines with hits in the coverage the first run wrote: the file's lines no test ran before (`newly`; the
 * target's own when the file's are not known), those of them in the target or its same-file callees
 * (`reached`: what makes it a test of this target), and all lines of the target it ran (`ran`).
 * Undefined when the report covers no file at all, which no candidate can change: coverage is not
 * measured in this package's configuration.
 */
async function coveredLines(
  dir: string,
  project: ProjectInfo,
  context: TestContext,
): Promise<{ newly: number[]; reached: number[]; ran: number[] } | undefined> {
  const inputs = coverageInputs(dir);
  if (inputs.length === 0) {
    throw new TestloopError(
      'TESTLOOP_NO_COVERAGE',
      `the runner's coverage run wrote no report to ${dir}. Check that coverage works in this project (for vitest: npm i -D @vitest/coverage-v8)`,
    );
  }
  const reports = await loadCoverage(inputs, { cwd: project.dir, srcRoots: [] });
  if (coversNoFile(reports)) return undefined;
  const files = new Set([...project.files, context.target.file]);
  const mapped = mapCoverageToRepository(reports, project.root, project.dir, files);
  const lines = mapped.files.get(context.target.file)?.lines;
  const hit = (line: number): boolean => (lines?.get(line) ?? 0) > 0;
  const { target } = context;
  const within = (line: number, range: { startLine: number; endLine: number }): boolean =>
    line >= range.startLine && line <= range.endLine;
  const ran = [...(lines?.keys() ?? [])].filter((line) => within(line, target) && hit(line));
  const newly = (target.fileUncoveredLines ?? target.uncoveredLines).filter(hit).sort((a, b) => a - b);
  const reach = [target, ...(target.callees ?? [])];
  return {
    newly,
    reached: newly.filter((line) => reach.some((range) => within(line, range))),
    ran: ran.sort((a, b) => a - b),
  };
}

/**
 * A candidate that passed cannot be judged when coverage measures nothing: it is discarded with this
 * error, never sent back to the model, and the run's warnings say it once for the package.
 */
function emptyCoverage(adapter: RunnerAdapter, project: ProjectInfo, v8Tried: boolean): TestloopError {
  const where = relative(project.root, project.dir) || 'the repository root';
  const tried = v8Tried ? ", also when measured with V8's own coverage" : '';
  return new TestloopError(
    'TESTLOOP_COVERAGE_EMPTY',
    `${adapter.name} wrote an empty coverage report in ${where}${tried}, so no candidate can show added coverage. Check that \`${adapter.name} --coverage\` reports this package's files (collectCoverageFrom, coverage.include)`,
  );
}

// ---- Reading the runner's output -------------------------------------------------------------------

interface Outcome {
  kind: 'passed' | 'loadError' | 'failed';
  failure: string;
  /** The runner's summary, when it could be read. */
  counts?: TestCounts;
}

const NOT_PICKED_UP = /No test files found|No tests found, exiting|Could not find '/;
const COVERAGE_PROVIDER = /Cannot find dependency '(@vitest\/coverage-[\w-]+)'/;
/** vitest `does not meet global threshold`, jest `does not meet "global" threshold` (older: `coverage threshold … not met`). */
const COVERAGE_THRESHOLD = /coverage threshold|does not meet (?:\S+ )?threshold/i;

function classify(
  adapter: RunnerAdapter,
  result: RunResult,
  scratchAbs: string,
  /** The runner's summary counts of the run (countsOf). */
  counts: TestCounts | undefined,
  names: Names,
  timeoutMs: number,
  /** The runner's own results say every test passed and only files it did not run failed it. */
  failedOnlyElsewhere = false,
): Outcome {
  const text = stripVTControlCharacters(result.output ?? '');
  const failure = (): string => trimOutput(text, names);
  if (result.timedOut) {
    return {
      kind: 'failed',
      failure: `timed out after ${timeoutMs} ms: the runner was killed (an endless loop, or a promise that never settles?)\n${failure()}`,
    };
  }
  const provider = COVERAGE_PROVIDER.exec(text)?.[1];
  if (provider !== undefined) {
    throw new TestloopError(
      'TESTLOOP_RUNNER_FAILED',
      `vitest needs ${provider} to measure what a generated test covers. Install it (npm i -D ${provider}) and retry`,
    );
  }
  if (
    result.exitCode !== 0 &&
    NOT_PICKED_UP.test(text) &&
    (counts?.passed ?? 0) + (counts?.failed ?? 0) === 0
  ) {
    throw new TestloopError(
      'TESTLOOP_RUNNER_FAILED',
      `${adapter.name} did not run ${names.scratch} although its configuration matches it. Please report this with your runner config`,
    );
  }
  if (result.exitCode !== 0 && adapter.console?.loadError(text, counts, scratchAbs))
    return { kind: 'loadError', failure: failure() };
  // Every test passed; what failed the run is not the file's (a project-wide coverage bar, other files).
  const notTheTests =
    result.exitCode !== 0 &&
    counts !== undefined &&
    counts.failed === 0 &&
    (COVERAGE_THRESHOLD.test(text) || failedOnlyElsewhere);
  if (result.exitCode !== 0 && !notTheTests) return { kind: 'failed', failure: failure() };
  if (counts !== undefined && counts.passed === 0) {
    return {
      kind: 'failed',
      failure: `no test passed: the file has only skipped or todo tests\n${failure()}`,
    };
  }
  // Exit 0 with a summary we cannot read (a custom reporter): the exit code is all there is.
  return { kind: 'passed', failure: '', ...(counts === undefined ? {} : { counts }) };
}
