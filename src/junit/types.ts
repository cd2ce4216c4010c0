export type AttemptStatus = 'passed' | 'failed' | 'error' | 'skipped';

/**
 * One execution of one test. `TestId` is canonical — `file › suite › name` — so the same test matches
 * across JUnit dialects, log formats and runs.
 */
export interface TestAttempt {
  testId: string;
  /** Source file when the report names it ('' when unknown), suite path and test name. */
  file: string;
  suite: string[];
  name: string;
  status: AttemptStatus;
  durationMs: number;
  message?: string;
  stack?: string;
  /** The exception or assertion class when the report names it (`org.opentest4j.AssertionFailedError`). */
  errorType?: string;
  /** 0 for the first attempt, 1.. for retries inside the same run (surefire reruns, gotestsum reruns, …). */
  retry: number;
  /** stdout/stderr captured with the test, trimmed (used as evidence). */
  output?: string;
}

/** Where a batch of attempts came from: one CI run (attempt) of one job. */
export interface RunInfo {
  runId: string;
  commit: string;
  branch?: string;
  /** CI re-run number of the whole job (1 for the first). */
  attempt: number;
  job?: string;
  /** ISO timestamp of the run. */
  startedAt?: string;
  /** Free-form environment facts: os, node version, runner image. */
  environment?: Record<string, string>;
}

/** Reads one report format as a stream of attempts, in bounded memory. */
export interface ReportReader {
  name: string;
  detect(path: string, head: string): boolean;
  read(path: string): AsyncIterable<TestAttempt>;
}

/**
 * What every reader in this folder returns: the attempts, plus the warnings found while reading them
 * (complete once iteration has finished). A warning never drops data silently: it says what the report
 * cannot tell and which reporter option would make it tell.
 */
export interface ReportStream extends AsyncIterable<TestAttempt> {
  readonly warnings: readonly string[];
}

/** A ReportReader whose `read` carries warnings; the registry holds only these. */
export interface StreamingReportReader extends ReportReader {
  /** `contents`: the whole file, when the caller has read it already (a reader may still read `path`). */
  read(path: string, contents?: Uint8Array): ReportStream;
}

export function testIdOf(file: string, suite: readonly string[], name: string): string {
  // Same result as [file, ...suite, name].filter(non-empty).join(' › '), without the arrays: readers
  // call this once per attempt.
  let id = file;
  for (const part of suite) if (part !== '') id = id === '' ? part : `${id} › ${part}`;
  if (name !== '') id = id === '' ? name : `${id} › ${name}`;
  return id;
}
