import { stripVTControlCharacters } from 'node:util';
import { TestloopError } from '../errors.ts';
import type { RunResult } from '../runners/run.ts';
import type { PooledRun, RunnerAdapter, TestCounts } from '../runners/types.ts';
import { type Names, trimOutput } from './runner-output.ts';

// ---- Reading the runner's output -------------------------------------------------------------------

export interface Outcome {
  kind: 'passed' | 'loadError' | 'failed';
  failure: string;
  /** The runner's summary, when it could be read. */
  counts?: TestCounts;
}

/** The runner's summary counts of a run, when it printed one that can be read. */
export function countsOf(adapter: RunnerAdapter, result: RunResult, file: string): TestCounts | undefined {
  return (
    (result as PooledRun).counts ??
    adapter.console?.counts(stripVTControlCharacters(result.output ?? ''), file)
  );
}

const NOT_PICKED_UP = /No test files found|No tests found, exiting|Could not find '/;
const COVERAGE_PROVIDER = /Cannot find dependency '(@vitest\/coverage-[\w-]+)'/;
/** vitest `does not meet global threshold`, jest `does not meet "global" threshold` (older: `coverage threshold … not met`). */
const COVERAGE_THRESHOLD = /coverage threshold|does not meet (?:\S+ )?threshold/i;

export function classify(
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
