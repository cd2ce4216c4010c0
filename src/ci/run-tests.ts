import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { CoverageInput } from '../coverage/load.ts';
import { isTestFile } from '../gaps/source-files.ts';
import type { TestAttempt } from '../junit/types.ts';
import { runPackages } from '../runners/package-runs.ts';
import type { RunnerAdapter } from '../runners/types.ts';
import { type Project, projectOf } from '../select/projects.ts';
import { packagesOf, type RunGroup } from '../select/run-outcomes.ts';
import { runsEverything } from '../select/shard.ts';
import type { SelectResult } from '../select/types.ts';
import type { CiTestRun } from './types.ts';

const CODE = /\.[cm]?[jt]sx?$/;

export interface RunSelectedOptions {
  root: string;
  /** Absolute folder for the JUnit and coverage reports of this run. */
  outDir: string;
  /** Repository-relative changed source files, listed in coverage even when no test loads them. */
  changedSources: readonly string[];
  /** The environment the runners start from (the Action's, without its credentials). */
  env: NodeJS.ProcessEnv;
  log(text: string): void;
}

export interface SelectedRun {
  run: CiTestRun;
  /**
   * The coverage reports of `run.coverageReports`, each with the package folder its runner ran in:
   * runners write paths relative to it (`src/a.ts` for `packages/x/src/a.ts`).
   */
  coverage: CoverageInput[];
}

/**
 * Runs the selected tests (or every test when `selection` is undefined or says all) package by package
 * with coverage and a JUnit report, and reads the outcome of every test from those reports.
 */
export async function runSelected(
  selection: SelectResult | undefined,
  projects: readonly Project[],
  options: RunSelectedOptions,
): Promise<SelectedRun> {
  const runnable = projects.filter((p) => p.runner !== undefined && p.discovery !== undefined);
  const totalTestFiles = runnable.reduce((n, p) => n + p.discovery!.tests.length, 0);
  // One shard of "all" is still a list of files.
  const all = selection === undefined || runsEverything(selection);
  const { groups, measuring } = all
    ? { groups: everyTest(runnable), measuring: [] }
    : selectedGroups(selection, runnable, projects, options);

  await mkdir(options.outDir, { recursive: true });
  const run = emptyRun(totalTestFiles, all);
  const coverage: CoverageInput[] = [];
  const failed = new Set<string>();
  const fileMs = new Map<string, number>();
  const coverageDirOf = (index: number): string => join(options.outDir, `coverage-${index + 1}`);
  const runs = runPackages(packagesOf(groups), {
    junitDir: options.outDir,
    runOptions: (index) => ({
      coverage: groups[index]!.project.runner!.coverage !== undefined,
      coverageDir: coverageDirOf(index),
      cobertura: true,
      coverageInclude: sourcesOf(groups[index]!.project, projects, options.changedSources),
      baseEnv: options.env,
    }),
    starting: (index) => {
      const { project, tests } = groups[index]!;
      const count = tests === 'all' ? project.discovery!.tests.length : tests.length;
      run.testFiles += count;
      const where = project.dir === '' ? '.' : project.dir;
      options.log(
        `testloop ci: running ${count} of ${totalTestFiles} test file(s) with ${project.runner!.name} in ${where}\n`,
      );
    },
  });
  for await (const { index, result, junit, attempts } of runs) {
    const { project } = groups[index]!;
    // No deadline: every package starts.
    run.exitCode = Math.max(run.exitCode, result!.exitCode);
    run.durationMs += result!.durationMs;
    run.timedOut ||= result!.timedOut;
    if (junit !== undefined) {
      run.reports.push(repoPath(options.root, junit));
      for await (const attempt of attempts()) countAttempt(run, attempt, failed, fileMs);
    }
    const report = coverageReportOf(project.runner!, coverageDirOf(index));
    if (report) {
      const path = repoPath(options.root, report.path);
      run.coverageReports.push(`${report.format}:${path}`);
      coverage.push({ ...report, path, root: project.info.dir, fromRun: true });
    }
  }
  run.failedTests = [...failed].sort();
  if (measuring.length > 0) run.measuringTests = measuring;
  if (!all && run.testFiles > 0 && totalTestFiles > run.testFiles) {
    run.savedMs = estimatedSavedMs(fileMs, totalTestFiles - run.testFiles);
  }
  return { run, coverage };
}

/** Every package that has tests, all of them. */
function everyTest(runnable: readonly Project[]): RunGroup[] {
  return runnable
    .filter((project) => project.discovery!.tests.length > 0)
    .map((project): RunGroup => ({ project, tests: 'all' }));
}

/**
 * The selected test files of each package; in a package whose changed files no test reaches, the smallest
 * test file as well (listed in `measuring`) when its runner needs a run to report unloaded files.
 */
function selectedGroups(
  selection: SelectResult,
  runnable: readonly Project[],
  projects: readonly Project[],
  options: RunSelectedOptions,
): { groups: RunGroup[]; measuring: string[] } {
  const sharded = (selection.shard?.total ?? 1) > 1;
  const groups: RunGroup[] = [];
  const measuring: string[] = [];
  for (const project of runnable) {
    const tests = selection.tests
      .filter((t) => t.project === project.dir && t.runner === project.runner!.name)
      .map((t) => t.file);
    // A shard's coverage is not read (see runCi): nothing to measure for it.
    if (!sharded && tests.length === 0 && sourcesOf(project, projects, options.changedSources).length > 0) {
      // No test reaches the package's changed files, so they are uncovered; a runner that lists unloaded
      // files at 0% needs one run to say which of their lines are code. The smallest test file is the cheapest.
      const smallest = smallestTest(options.root, project);
      if (smallest !== undefined && project.runner!.coverage?.listsUnloadedFiles) {
        tests.push(smallest);
        measuring.push(smallest);
      }
    }
    if (tests.length > 0) groups.push({ project, tests });
  }
  return { groups, measuring };
}

function emptyRun(totalTestFiles: number, all: boolean): CiTestRun {
  return {
    testFiles: 0,
    totalTestFiles,
    all,
    exitCode: 0,
    durationMs: 0,
    tests: { passed: 0, failed: 0, skipped: 0 },
    failedTests: [],
    reports: [],
    coverageReports: [],
    timedOut: false,
  };
}

/** Counts one test's attempt from the JUnit report, and adds its time to its file's. */
function countAttempt(
  run: CiTestRun,
  attempt: TestAttempt,
  failed: Set<string>,
  fileMs: Map<string, number>,
): void {
  fileMs.set(attempt.file, (fileMs.get(attempt.file) ?? 0) + attempt.durationMs);
  if (attempt.status === 'passed') run.tests.passed++;
  else if (attempt.status === 'skipped') run.tests.skipped++;
  else {
    run.tests.failed++;
    failed.add(attempt.testId);
  }
}

/**
 * Each file not run would have taken about as long as the median file that ran: the tests' own times,
 * not the runner's start-up, and a median so that one slow end-to-end file does not inflate it.
 */
function estimatedSavedMs(fileMs: Map<string, number>, filesNotRun: number): number {
  const times = [...fileMs.values()].sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? 0;
  return Math.round(median * filesNotRun);
}

/** The report a run left in `coverageDir`: lcov, or raw V8 from a runner that writes that. */
function coverageReportOf(
  adapter: RunnerAdapter,
  coverageDir: string,
): { format: string; path: string } | undefined {
  const lcov = join(coverageDir, 'lcov.info');
  if (existsSync(lcov)) return { format: 'lcov', path: lcov };
  return adapter.coverage?.report === 'v8' && existsSync(coverageDir)
    ? { format: 'v8', path: coverageDir }
    : undefined;
}

/** The changed source files that belong to the package (not to a package nested inside it). */
function sourcesOf(project: Project, projects: readonly Project[], changed: readonly string[]): string[] {
  return changed.filter((f) => isSource(f) && projectOf(projects, f) === project);
}

function smallestTest(root: string, project: Project): string | undefined {
  let best: { file: string; size: number } | undefined;
  for (const file of project.discovery!.tests) {
    const size = statSync(join(root, file), { throwIfNoEntry: false })?.size;
    if (size !== undefined && (best === undefined || size < best.size)) best = { file, size };
  }
  return best?.file;
}

function isSource(file: string): boolean {
  return CODE.test(file) && !isTestFile(file) && !file.endsWith('.d.ts');
}

function repoPath(root: string, path: string): string {
  return relative(root, path).split(sep).join('/');
}
