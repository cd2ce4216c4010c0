import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadCoverage } from '../coverage/load.ts';
import { mapCoverageToRepository } from '../coverage/paths.ts';
import { TestloopError } from '../errors.ts';
import { fileVerdictsFromJUnit } from '../runners/file-verdicts.ts';
import { escapeGlob, projectRelative } from '../runners/project-files.ts';
import { type RunResult, type RunTestsOptions, runTests } from '../runners/run.ts';
import type { PooledRun, ProjectInfo, RepeatResult, RunnerAdapter } from '../runners/types.ts';
import type { SandboxUse } from '../sandbox/index.ts';
import { rebaseImports, TOKEN } from './candidate-source.ts';
import { runViolation } from './confine.ts';
import { coverageInputs, coversNoFile } from './coverage-dir.ts';
import { mutationGate } from './mutation-gate.ts';
import type { RerunBatcher } from './rerun-batch.ts';
import { classify, countsOf, type Outcome } from './run-outcome.ts';
import { type Names, trimOutput } from './runner-output.ts';
import { isSpawnFailure } from './runner-start.ts';
import { placeScratch, type TempPath, writeScratch } from './sandbox.ts';
import type { Stage, TestContext, Validation } from './types.ts';
import { confinedRun, type ValidatorShared } from './validator-shared.ts';

export function reject(reached: Stage, failure: string, runnerMs: number): Validation {
  return { reached, accepted: false, failure, newlyCoveredLines: [], runnerMs };
}

/** Where one candidate runs: its scratch file and the temporary folders of its runs. */
interface Places {
  testFile: string;
  /** Repository-relative scratch file, and its source (imports rebased to where it is). */
  scratchRel: string;
  source: string;
  scratch: TempPath;
  /** What the candidate writes besides its own file is checked when it is done (a sandbox only). */
  use: SandboxUse | undefined;
  coverageDir: TempPath;
  /** The runner's own results of each run, where its adapter reads them (jest: obsolete snapshots). */
  resultsDir: TempPath | undefined;
  /** An empty home: the candidate cannot read ~/.npmrc, ~/.aws or ~/.ssh through $HOME. */
  home: TempPath;
  names: Names;
}

interface RerunFailure {
  attempt: number;
  failure: string;
}

interface CoveredLines {
  newly: number[];
  reached: number[];
  ran: number[];
}

/** One candidate on its way down the funnel: its scratch file, the runs it took and what they found. */
export class CandidateRun {
  /** What the candidate did that the sandbox forbids, seen in a run's result. */
  violation: string | undefined;
  runnerMs = 0;
  private runCount = 0;
  /** Repeats the first run asked of the driver, and what became of them. */
  private repeated: RepeatResult | undefined;
  /** Copies of the scratch file (reruns, mutants), removed with it. */
  private readonly copies: TempPath[] = [];
  private readonly include: string[];
  /** Where runs of several files leave their JUnit reports, made on the first such run. */
  private verdictDir: TempPath | undefined;

  private constructor(
    private readonly shared: ValidatorShared,
    private readonly context: TestContext,
    private readonly places: Places,
  ) {
    this.include = [escapeGlob(projectRelative(shared.project, context.target.file))];
  }

  /** Writes the candidate's scratch file and makes the folders of its runs. */
  static async open(
    shared: ValidatorShared,
    context: TestContext,
    testFile: string,
    code: string,
  ): Promise<CandidateRun> {
    const { adapter, confined, project, root } = shared;
    const scratchRel = await placeScratch(project, adapter, testFile);
    const source = rebaseImports(code, testFile, scratchRel);
    const scratch = writeScratch(root, scratchRel, source);
    const use = confined.begin([scratchRel]);
    const coverageDir = confined.tempDir('testloop-cov-');
    const resultsDir = adapter.failedOnlyElsewhere ? confined.tempDir('testloop-results-') : undefined;
    const home = confined.home();
    const names = { scratch: scratchRel, testFile, root, realRoot: shared.realRoot, dir: project.dir };
    const places = { testFile, scratchRel, source, scratch, use, coverageDir, resultsDir, home, names };
    return new CandidateRun(shared, context, places);
  }

  /** Removes every file and folder of the candidate; what it wrote elsewhere, if the sandbox saw any. */
  close(): string | undefined {
    const { scratch, coverageDir, resultsDir, home, use } = this.places;
    for (const copy of this.copies) copy.remove();
    scratch.remove();
    coverageDir.remove();
    resultsDir?.remove();
    this.verdictDir?.remove();
    home.remove();
    return use?.end();
  }

  async judge(): Promise<Validation> {
    const unfit = await this.staticProblems();
    if (unfit !== undefined) return unfit;
    const { driver, rerunIn, reruns } = this.shared;
    // With the driver, the first run repeats every test: one fresh worker process says whether it
    // passes, passes repeatedly, and what it covers (reruns in processes of their own otherwise).
    const first = await this.run(true, driver && rerunIn === 'worker' ? reruns - 1 : 0);
    const firstFailed = this.firstRunRejection(first);
    if (firstFailed !== undefined) return firstFailed;
    const measured = await this.measure();
    if ('rejected' in measured) return measured.rejected;
    const { newly: covered, ran, reached } = measured.lines;
    const failed = this.repeated?.applied ? undefined : await this.rerunAll(first.counts?.passed);
    if (failed !== undefined) {
      const why = `flaky: passed on run 1, failed on run ${failed.attempt} of ${reruns} (each in a fresh process)`;
      return reject('passed', `${why}\n${failed.failure}`, this.runnerMs);
    }
    if (reached.length === 0) {
      const { target } = this.context;
      return reject(
        'stable',
        `adds no coverage: none of ${target.file} lines ${target.uncoveredLines.join(', ')} ran`,
        this.runnerMs,
      );
    }
    return this.killsMutants(
      [...new Set([...ran, ...covered])].sort((a, b) => a - b),
      covered,
    );
  }

  /** The project's type-check and linter: what a reviewer's CI would reject never reaches the runner. */
  private async staticProblems(): Promise<Validation | undefined> {
    const { linters, project, root, typeCheckerFor } = this.shared;
    const { names, scratchRel, testFile, use } = this.places;
    const checker = typeCheckerFor(testFile);
    if (checker) {
      const errors = await checker.check(scratchRel, (path) => use?.own(path));
      if (errors.length > 0) {
        const failure = trimOutput(`type-check (${checker.config}):\n${errors.join('\n')}`, names);
        return reject('generated', failure, 0);
      }
    }
    for (const linter of linters) {
      const problems = await linter.check(relative(project.dir, join(root, scratchRel)), project.dir);
      if (problems.length > 0)
        return reject('generated', trimOutput(`lint (${linter.name}):\n${problems.join('\n')}`, names), 0);
    }
    return undefined;
  }

  /** Why the first run rejects the candidate: it did not load, failed on a repeat, or failed. */
  private firstRunRejection(first: Outcome): Validation | undefined {
    if (first.kind === 'loadError') return reject('generated', first.failure, this.runnerMs);
    const flakyAt = this.repeated?.firstFailed;
    if (first.kind !== 'passed' && flakyAt !== undefined && flakyAt > 0) {
      const why = `flaky: passed on run 1, failed on run ${flakyAt + 1} of ${this.shared.reruns} (repeated in one worker process)`;
      return reject('passed', `${why}\n${first.failure}`, this.runnerMs);
    }
    if (first.kind !== 'passed') return reject('compiled', first.failure, this.runnerMs);
    return undefined;
  }

  /** The lines the coverage run covered, measured again with V8 when the package's coverage saw no file. */
  private async measure(): Promise<{ lines: CoveredLines } | { rejected: Validation }> {
    const { adapter, project } = this.shared;
    const { coverageDir } = this.places;
    let lines = await coveredLines(coverageDir.path, project, this.context);
    if (lines === undefined && !this.shared.v8Coverage && adapter.coverage?.v8Fallback) {
      // The package's instrumenter wrote a report of no file at all (jest's babel provider under a
      // transform that does not instrument, as @swc/jest): V8 sees what ran, for this and every later
      // candidate of the package.
      this.shared.v8Coverage = true;
      const again = await this.run(true);
      if (again.kind !== 'passed') return { rejected: reject('compiled', again.failure, this.runnerMs) };
      lines = await coveredLines(coverageDir.path, project, this.context);
    }
    if (lines === undefined) throw emptyCoverage(adapter, project, this.shared.v8Coverage);
    return { lines };
  }

  /** One run of `files` (the scratch file unless told), with coverage or not, its tests repeated `repeats` more times. */
  private async run(coverage: boolean, repeats = 0, files = [this.places.scratchRel]): Promise<Outcome> {
    const { adapter, batcher, root, sandbox, startCheck, timeoutMs } = this.shared;
    const { names, resultsDir } = this.places;
    const resultsFile = resultsDir && join(resultsDir.path, `run-${++this.runCount}.json`);
    const start = (): Promise<RunResult> => this.start(files, coverage, repeats, resultsFile);
    const result = await (batcher ? batcher.track(start) : start()).catch((error: unknown) =>
      isSpawnFailure(error) ? startCheck.spawnFailed(error) : Promise.reject(error),
    );
    this.runnerMs += result.durationMs;
    const broke = runViolation(result, sandbox);
    this.violation ??= broke;
    if (repeats > 0) this.repeated = (result as PooledRun).repeats;
    const scratchAbs = join(root, files[0]!);
    const counts = countsOf(adapter, result, scratchAbs);
    if (broke === undefined) await startCheck.check(result, scratchAbs, counts, names);
    const elsewhere =
      resultsFile !== undefined && result.exitCode !== 0 && adapter.failedOnlyElsewhere!(resultsFile, files);
    return classify(adapter, result, scratchAbs, counts, names, timeoutMs, elsewhere);
  }

  /**
   * Whether the mutation gate runs a candidate's mutants in one runner process: when the runner's JUnit
   * says which file failed, and runs are runner processes (the driver's pooled runs have none to save).
   */
  private batchesMutants(): boolean {
    const { adapter, driver } = this.shared;
    return adapter.junitNamesFiles === true && (driver === undefined || driver.unsupported !== undefined);
  }

  /**
   * One runner run of several files, one after another, and each file's verdict where the run's JUnit
   * report tells it. Nothing is known of a run that did not start, timed out or did what the sandbox
   * forbids.
   */
  private async fileVerdicts(files: string[], limitMs: number): Promise<ReadonlyMap<string, boolean>> {
    const { batcher, project, sandbox, timeoutMs } = this.shared;
    this.verdictDir ??= this.shared.confined.tempDir('testloop-junit-');
    const junit = join(this.verdictDir.path, `run-${++this.runCount}.xml`);
    const start = (): Promise<RunResult> =>
      this.runnerProcess(files, {
        timeoutMs: Math.max(timeoutMs, limitMs),
        isolated: true,
        workers: 1,
        junit,
      });
    // A batch that cannot start tells nothing: each file then runs on its own, which reports why.
    const result = await (batcher ? batcher.track(start) : start()).catch(() => undefined);
    if (result === undefined) return new Map();
    this.runnerMs += result.durationMs;
    const broke = runViolation(result, sandbox);
    this.violation ??= broke;
    if (broke !== undefined || result.timedOut) return new Map();
    const verdicts = await fileVerdictsFromJUnit(junit, files, project);
    // A run that failed where its report shows no failing file failed outside what the report tells
    // (an unhandled error, a hook): none of its verdicts can be trusted.
    if (result.exitCode !== 0 && ![...verdicts.values()].includes(false)) return new Map();
    return verdicts;
  }

  /** Starts a run in a pooled process of the driver, or in a runner process of its own. */
  private async start(
    files: string[],
    coverage: boolean,
    repeats: number,
    resultsFile: string | undefined,
  ): Promise<RunResult> {
    const { driver } = this.shared;
    const { coverageDir } = this.places;
    const pooled = await driver?.run(
      files,
      coverage ? { dir: coverageDir.path, include: this.include } : undefined,
      repeats,
    );
    return (
      pooled ??
      this.runnerProcess(files, {
        ...(coverage
          ? {
              coverage: true,
              coverageDir: coverageDir.path,
              coverageInclude: [this.context.target.file],
              v8Coverage: this.shared.v8Coverage,
            }
          : {}),
        ...(resultsFile ? { resultsFile } : {}),
      })
    );
  }

  /** A runner process of its own for `files`, in the candidate's environment and sandbox. */
  private runnerProcess(files: string[], options: RunTestsOptions): Promise<RunResult> {
    const { adapter, confined, project, timeoutMs } = this.shared;
    return runTests(project, adapter, files, {
      ...confinedRun(confined, timeoutMs, this.places.home),
      ...options,
    });
  }

  /**
   * Runs 2…reruns, each in a fresh process: the scratch file and copies of it in one batch (shared with
   * other candidates' reruns), or one by one when the batch cannot tell. The first that failed, if any.
   */
  private async rerunAll(passed: number | undefined): Promise<RerunFailure | undefined> {
    const { batcher, reruns } = this.shared;
    if (batcher !== undefined && passed !== undefined && passed > 0 && reruns >= 2) {
      const files = this.rerunFiles();
      if (files.length === reruns - 1) {
        const verdict = await this.rerunInBatch(batcher, files, passed);
        if (verdict !== 'unknown') return verdict;
      }
    }
    for (let attempt = 2; attempt <= reruns; attempt++) {
      const again = await this.run(false);
      if (again.kind !== 'passed') return { attempt, failure: again.failure };
    }
    return undefined;
  }

  /** The scratch file and a copy of it for each rerun after the second (fewer if its name has no token). */
  private rerunFiles(): string[] {
    const { scratchRel, source, use } = this.places;
    const files = [scratchRel];
    for (let n = 3; n <= this.shared.reruns; n++) {
      const copy = scratchRel.replace(TOKEN, `.testloop-${randomBytes(4).toString('hex')}.`);
      if (copy === scratchRel) break;
      this.copies.push(writeScratch(this.shared.root, copy, source));
      use?.own(copy);
      files.push(copy);
    }
    return files;
  }

  /** The batch's verdict: undefined when every copy passed, 'unknown' when it cannot tell. */
  private async rerunInBatch(
    batcher: RerunBatcher,
    files: string[],
    passed: number,
  ): Promise<RerunFailure | undefined | 'unknown'> {
    const batch = await batcher.rerun({ files, passed });
    this.runnerMs += batch.runnerMs;
    this.violation ??= batch.violation;
    const { verdict } = batch;
    if (verdict.kind === 'passed') return undefined;
    if (verdict.kind === 'unknown') return 'unknown';
    const failure = trimOutput(verdict.output, { ...this.places.names, scratch: verdict.file });
    return { attempt: verdict.run + 2, failure };
  }

  /** The mutation gate (./mutation-gate.ts) over the target lines the candidate ran. */
  private async killsMutants(ran: number[], covered: number[]): Promise<Validation> {
    const { existingTestsOf, existingVerdicts, root } = this.shared;
    const { scratchRel, source, use } = this.places;
    const { file } = this.context.target;
    const started = performance.now();
    let runs = 0;
    const gate = await mutationGate({
      file,
      source: readFileSync(join(root, file), 'utf8'),
      lines: ran,
      candidate: { template: scratchRel, code: source },
      ...(await existingTestsOf(file)),
      existingVerdicts,
      write: (path, content) => {
        this.copies.push(writeScratch(root, path, content));
        use?.own(path);
      },
      passes: async (files) => {
        runs++;
        return (await this.run(false, 0, files)).kind === 'passed';
      },
      ...(this.batchesMutants()
        ? {
            verdicts: async (files: string[], limitMs: number) => {
              runs++;
              return this.fileVerdicts(files, limitMs);
            },
          }
        : {}),
    });
    const mutation = { runs, ms: Math.round(performance.now() - started) };
    const { runnerMs } = this;
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
  }
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
): Promise<CoveredLines | undefined> {
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
