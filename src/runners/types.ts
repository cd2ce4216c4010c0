import type { Alias } from '../graph/types.ts';
import type { RunResult } from './run.ts';

/** A test runner testloop can list tests for, select from and run. One object per runner, one folder each. */
export interface RunnerAdapter {
  name: RunnerName;
  /** How the runner's tests assert: vitest and jest `expect(…)`, node:test `assert.…` from node:assert. */
  assertionStyle: 'expect' | 'assert';
  /** How sure we are that `packageDir` uses this runner: 0 not at all; highest wins. */
  detect(project: ProjectInfo): number;
  /** The test files and the files that configure the run (configs, setup files), read statically. */
  discover(project: ProjectInfo): Promise<TestDiscovery>;
  /**
   * argv (program first, run from `project.dir`) that runs exactly these tests (repository-relative), or
   * the whole suite for 'all', plus environment variables to set. Throws on an empty list: every runner
   * reads "no files" as "run everything".
   */
  commandLine(project: ProjectInfo, tests: readonly string[] | 'all', options?: RunOptions): CommandLine;
  /**
   * What a user types to run the tests by hand, from the package's folder, printed by `select --format
   * <name>`: `all` runs the whole suite; `some` is followed by test files relative to that folder.
   */
  handCommand: { all: readonly string[]; some: readonly string[] };
  /**
   * After the run: turn the runner's own result file into the JUnit report at `options.junit`, for
   * runners that cannot write JUnit without a plugin the project may not have (jest).
   */
  collectJUnit?(project: ProjectInfo, junit: string): Promise<void>;
  /**
   * What the runner's coverage gives, when it measures any (Playwright Test measures none): the format
   * it writes into `RunOptions.coverageDir`, and whether it lists `coverageInclude` files that no test
   * loaded (at 0%), so that one run of any test measures a change's untested files. `v8Fallback`: it
   * instruments through the project's transform by default and can measure with V8 instead
   * (`RunOptions.v8Coverage`).
   */
  coverage?: { report: 'lcov' | 'v8'; listsUnloadedFiles: boolean; v8Fallback?: boolean };
  /**
   * Runs a kind of tests of its own beside the package's unit-test runner (end-to-end specs): a package
   * may run it and another runner, each with its own test files.
   */
  alongside?: boolean;
  /** How a new test file for this runner is written (what `generate` writes). */
  authoring: TestAuthoring;
  /**
   * Reads what the runner's default reporter printed about one test file, for runs whose only report is
   * the console (generate's validation of a candidate file).
   */
  console?: ConsoleReader;
  /**
   * Whether the JUnit report it writes (`RunOptions.junit`) names each test's file, so that one run of
   * several files can be judged file by file (generate's mutation gate runs a candidate's mutants so).
   */
  junitNamesFiles?: boolean;
  /**
   * After a run with `RunOptions.resultsFile`: whether every test passed and the run failed only over
   * files it did not run (jest: snapshot files whose test file no longer exists, reported obsolete). False
   * when the failure may be the run's own or the results cannot be read.
   */
  failedOnlyElsewhere?(resultsFile: string, ran: readonly string[]): boolean;
  /**
   * Processes that stay up between runs, for callers that run many small runs in one package (generate's
   * validation of candidates): the runner starts once per process and each run costs a fresh worker
   * instead of a whole runner process. Absent: every run is a runner process of its own (`runTests`).
   */
  persistentRuns?: PersistentRuns;
}

export interface PersistentRuns {
  /** Processes for one package, started on demand (see `RunPool.prepare`); nothing starts here. */
  createPool(options: RunPoolOptions): RunPool;
}

export interface RunPoolOptions {
  project: ProjectInfo;
  /** Already scrubbed, with CI=true; HOME is replaced by an empty folder. */
  env: Record<string, string>;
  /** Per run, and for a process's start; the whole process group is killed after it. */
  timeoutMs: number;
  /** Another program for the long-lived process than the built one (a test's stand-in). */
  script?: string;
  /**
   * Confinement (src/sandbox/): the command line goes through `wrap`, the processes' own files go under
   * `tempParent` and HOME is `home`; after each run, processes it left in its namespace are killed and
   * named in the result (`strays`).
   */
  sandbox?: { wrap: (argv: readonly string[]) => string[]; tempParent: string; home: string };
}

export interface RunPool {
  /** Why the pool cannot be used (every run then goes through `runTests`), once one of its processes found out. */
  readonly unsupported: string | undefined;
  /**
   * Runs `files` (repository-relative) one after another, each in a fresh worker, with coverage of
   * `coverage.include` (globs relative to the package) written as coverage-final.json into `coverage.dir`,
   * and each test `repeats` more times in its worker. Undefined: the pool cannot run it, run it another way.
   */
  run(
    files: readonly string[],
    coverage?: { dir: string; include: string[] },
    repeats?: number,
  ): Promise<PooledRun | undefined>;
  /** Starts up to `parallel` processes ahead of the first runs. */
  prepare(parallel: number): void;
  /** Ends every process (after the runner's own teardown), and waits until they have exited. */
  close(): Promise<void>;
}

/** A run in a pooled process, plus the test counts the process knows without reading output. */
export interface PooledRun extends RunResult {
  counts?: TestCounts;
  /** Set when the run asked for repeats. */
  repeats?: RepeatResult;
  /** Processes the run started that were still alive after it (killed since), as `pid (command)`. */
  strays?: string[];
}

/** What became of a run's `repeats`. */
export interface RepeatResult {
  /** Every test that ran was repeated (false: the project's own test runner, say, so none was). */
  applied: boolean;
  /** The first execution, counting from 0, in which some test failed. */
  firstFailed?: number;
}

export interface ConsoleReader {
  /** The run's summary counts, or undefined when it printed none that can be read. */
  counts(output: string, file: string): TestCounts | undefined;
  /** Whether the runner could not load `file` at all (a syntax error, a missing import, a top-level throw). */
  loadError(output: string, counts: TestCounts | undefined, file: string): boolean;
  /**
   * For a runner whose `RunOptions.isolated` runs each listed file in a fresh worker, one after another, as
   * if it ran alone, and whose output names each file that failed: reads one such run of several batch
   * members' files (`counts`: the run's summary). Present, several candidates' reruns share one process;
   * absent, each rerun is a process of its own, since a failure could not be pinned to one member.
   */
  batchVerdicts?(
    members: readonly BatchMember[],
    output: string,
    exitCode: number,
    timedOut: boolean,
    counts: Pick<TestCounts, 'passed' | 'failed'> | undefined,
  ): MemberVerdict[];
}

/** One candidate's reruns in a batch: copies of its test file (repository-relative), and its first run's count. */
export interface BatchMember {
  files: string[];
  /** Tests that passed in its first run: a clean batch reports this many per file. */
  passed: number;
}

export type MemberVerdict =
  | { kind: 'passed' }
  /**
   * `run`: how many of the member's files ran before the first that failed (`file`); `output`: the
   * runner's blocks naming that file.
   */
  | { kind: 'failed'; run: number; file: string; output: string }
  | { kind: 'unknown' };

export interface TestCounts {
  passed: number;
  failed: number;
  /** Skipped and todo. */
  skipped: number;
}

export interface TestAuthoring {
  /** The module style of a new test when neither an example test nor the file's name says. */
  moduleStyle: 'esm' | 'cjs';
  /**
   * Whether an ES module import may leave out the file's extension: a transform resolves it (vitest,
   * jest), Node's own loader does not.
   */
  extensionlessImports: boolean;
  /**
   * The statements that bring in the test API, for a skeleton (`stub`: its describe and todo) or a full
   * test, as ES module imports or requires; `example` is the nearest existing test's text.
   */
  frameworkImports(esm: boolean, names: 'stub' | 'full', example: string | undefined): string[];
  /** The call that declares a test still to be written. */
  todo: string;
}

export interface CommandLine {
  argv: string[];
  /** Added to the environment (node:test coverage goes through NODE_V8_COVERAGE). */
  env?: Record<string, string>;
}

export type RunnerName = 'vitest' | 'jest' | 'node' | 'playwright';

export interface ProjectInfo {
  /** Repository root, absolute. */
  root: string;
  /** The package's folder, absolute (the root itself outside a monorepo). */
  dir: string;
  /** Parsed package.json of that folder ({} when there is none). */
  packageJson: Record<string, unknown>;
  /** Every file of the package, relative to `root`, POSIX separators (from git ls-files). */
  files: readonly string[];
}

export interface TestDiscovery {
  runner: RunnerName;
  /** Test files, relative to the repository root. */
  tests: string[];
  /** Config and setup files: a change to one of them may affect every test of the package. */
  configFiles: string[];
  setupFiles: string[];
  /** Aliases read statically from the runner config (vite resolve.alias, jest moduleNameMapper). */
  aliases: Alias[];
  /** What could not be read statically, for the user: the defaults were used instead. */
  warnings: string[];
  /**
   * Set when a setting that decides which files are tests or how they run could not be read: the tests
   * listed may not be the runner's, so a selection in this package widens to everything (the reason).
   */
  incomplete?: string;
  /**
   * Folders (repository-relative) the runner config names as projects of its own (vitest `projects`,
   * jest `projects`): a package there is one the runner reaches. Absent when the config names none.
   */
  projectDirs?: string[];
  /**
   * Tests that reach the application through a URL (a browser, an HTTP client) rather than imports:
   * a change that reaches any file of `appDir` (repository-relative, '' for the whole repository) outside
   * `testDirs` selects every one of them, whatever they import.
   */
  urlTests?: { tests: string[]; appDir: string; testDirs: string[] };
}

export interface RunOptions {
  coverage?: boolean;
  /** Where coverage reports go, relative to the package folder (default `coverage`). */
  coverageDir?: string;
  /**
   * Source files (repository-relative) the coverage report must list even when no test loads them, at
   * 0%: a change's files, so that an untested one reads as uncovered rather than not measured.
   */
  coverageInclude?: readonly string[];
  /** Also write cobertura-coverage.xml (GitLab's merge-request coverage view reads it). */
  cobertura?: boolean;
  /**
   * Measure with V8's own coverage instead of the runner's configured instrumenter. A transform that does
   * not instrument (jest with @swc/jest or esbuild-jest under the default babel provider) leaves an empty
   * report; V8 sees every line that ran whatever compiled it. Runners that always use V8 ignore it.
   */
  v8Coverage?: boolean;
  /** Absolute path of a JUnit XML report the run leaves behind (per-test outcomes). */
  junit?: string;
  /**
   * Absolute path where the runner writes its own results of the run (jest `--json`), for
   * `RunnerAdapter.failedOnlyElsewhere`; runners without such a file ignore it.
   */
  resultsFile?: string;
  /**
   * Each listed file in its own fresh worker, one file after another (vitest only; others ignore it). A
   * runner that honours it may read batches of such runs (`ConsoleReader.batchVerdicts`).
   */
  isolated?: boolean;
  /**
   * Run the files' tests in an order shuffled from this seed; the same seed gives the same order. A
   * runner that cannot shuffle (node --test, Playwright Test) runs them in file order.
   */
  shuffleSeed?: number;
  /** At most this many test files at once, each in a worker of its own. */
  workers?: number;
  /**
   * Run only the test of this name (a name filter; the runner may still run a few more with the same
   * name). Tests of the given files whose name differs are skipped.
   */
  testName?: TestName;
}

/** A test's place in its file: the names around it, outermost first, then its own. */
export interface TestName {
  /** describe/suite blocks and, for node:test subtests, the enclosing tests, outermost first. */
  ancestors: readonly { name: string; kind: 'suite' | 'test'; pattern?: string }[];
  name: string;
  /**
   * A regular expression (source, unanchored) for a name known only in part (`test.each('adds %i')`, a
   * template with values): it replaces the escaped `name` in the filter. Also on each ancestor.
   */
  pattern?: string;
}
