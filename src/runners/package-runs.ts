// Runs packages one after another, each with its own runner over its share of the tests, and reads every
// test's outcome back from the JUnit report each run leaves: `testloop ci` (with coverage) and the runs of
// agents and editors (one time limit for all the packages) share this loop.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readReport } from '../junit/registry.ts';
import type { TestAttempt } from '../junit/types.ts';
import { type RunResult, type RunTestsOptions, runTests } from './run.ts';
import type { ProjectInfo, RunnerAdapter } from './types.ts';

/** One package's share of a run: some of its test files (repository-relative), or all of them. */
export interface PackageTests {
  project: ProjectInfo;
  adapter: RunnerAdapter;
  tests: readonly string[] | 'all';
}

export interface PackageRunsOptions {
  /** Where run n (counting from 1) writes its JUnit report, as `junit-<n>.xml`. */
  junitDir: string;
  /**
   * When (`performance.now()`) every run must be over: each gets the time left as its limit, and a package
   * whose turn comes after it is not started. Without it the runs have no time limit of their own.
   */
  deadline?: number;
  /** How package `index` runs, besides its JUnit report and time limit. */
  runOptions(index: number): RunTestsOptions;
  /** Just before package `index` starts (not called for a package that does not start). */
  starting?(index: number): void;
}

export interface PackageRun {
  /** The package's place in the list given. */
  index: number;
  /** Undefined: not started, the deadline had passed. */
  result?: RunResult;
  /** The JUnit report the run left (absolute path), when it left one. */
  junit?: string;
  /** The report's test attempts, in its order; none when there is no report. */
  attempts(): AsyncIterable<TestAttempt>;
}

/** Each package in turn, the next one started only once the previous result has been consumed. */
export async function* runPackages(
  packages: readonly PackageTests[],
  options: PackageRunsOptions,
): AsyncGenerator<PackageRun> {
  for (const [index, { project, adapter, tests }] of packages.entries()) {
    const left =
      options.deadline === undefined ? undefined : Math.round(options.deadline - performance.now());
    if (left !== undefined && left <= 0) {
      yield { index, attempts: noAttempts };
      continue;
    }
    options.starting?.(index);
    const junit = join(options.junitDir, `junit-${index + 1}.xml`);
    const result = await runTests(project, adapter, tests, {
      ...options.runOptions(index),
      junit,
      ...(left === undefined ? {} : { timeoutMs: left }),
    });
    yield existsSync(junit)
      ? { index, result, junit, attempts: () => readReport(junit) }
      : { index, result, attempts: noAttempts };
  }
}

async function* noAttempts(): AsyncGenerator<TestAttempt> {}
