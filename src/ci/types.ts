import type { GapsResult } from '../gaps/types.ts';
import type { GenerateResult } from '../generate/types.ts';
import type { SandboxInfo } from '../sandbox/index.ts';
import type { SelectResult } from '../select/types.ts';
import type { FixResult } from '../triage/fix/types.ts';
import type { TriageResult } from '../triage/types.ts';

/** The steps of `testloop ci`, in the order they run; `fix` runs (and is listed) only with `fixFlaky`. */
export type CiStepName = 'select' | 'run' | 'gaps' | 'generate' | 'ingest' | 'triage' | 'fix';

export const CI_STEPS: readonly CiStepName[] = [
  'select',
  'run',
  'gaps',
  'generate',
  'ingest',
  'triage',
  'fix',
];

/**
 * - ok: the step ran to the end.
 * - off: switched off by the user, or nothing to do (no endpoint for generate, no reports to ingest).
 * - skipped: not run because an earlier step it needs did not produce its input.
 * - failed: testloop itself failed (never the user's tests: failing tests are `ok` with failures).
 * - timedOut: the step ran out of `--budget`, or none was left to start it.
 */
export type CiStepStatus = 'ok' | 'off' | 'skipped' | 'failed' | 'timedOut';

export interface CiStep {
  name: CiStepName;
  status: CiStepStatus;
  ms: number;
  /** Why it was off, skipped, failed or timed out; a one-line summary when ok. */
  detail?: string;
  /** For failed: the stable error code (TESTLOOP_…) when testloop raised one. */
  code?: string;
}

/** The run of the selected tests with coverage. */
export interface CiTestRun {
  /** Test files run, and how many the repository has. */
  testFiles: number;
  totalTestFiles: number;
  /** True when every test ran (a safety rule, or selection was off). */
  all: boolean;
  /** Worst exit status over the packages' runners (0: every test passed). */
  exitCode: number;
  durationMs: number;
  /** Tests counted from the runners' JUnit reports. */
  tests: { passed: number; failed: number; skipped: number };
  /** Canonical TestIds (`file › suite › name`) that failed, sorted. */
  failedTests: string[];
  /** Estimated test time saved by not running the other test files (this run's median test time per file). */
  savedMs?: number;
  /**
   * Test files run only so that coverage lists a package's changed files that no selected test reaches
   * (at 0%): runners measure unloaded files only in a run.
   */
  measuringTests?: string[];
  /** Repository-relative JUnit reports the runners wrote (what the ingest step reads). */
  reports: string[];
  /** Repository-relative coverage reports the runners wrote (what the gaps step reads). */
  coverageReports: string[];
  timedOut: boolean;
}

/** Outcome of one test in one recorded run, oldest first: what the trend charts draw. */
export interface TrendPoint {
  runId: string;
  commit: string;
  startedAt?: string;
  status: 'passed' | 'failed' | 'flaky' | 'skipped';
  durationMs: number;
}

export interface CiTrend {
  testId: string;
  points: TrendPoint[];
}

/** Why `testloop ci` exits the way it does. */
export interface CiGate {
  name: 'tests' | 'fail-under' | 'flaky' | 'strict';
  /** False for a failed gate and for one that could not be evaluated. */
  passed: boolean;
  /**
   * - passed / failed: the gate was evaluated.
   * - not-evaluated: the gate is configured but its input is missing (the step it needs failed, timed out
   *   or was skipped); the exit status is 0 for it unless `strict`, and the result always says so.
   */
  status: 'passed' | 'failed' | 'not-evaluated';
  /** For not-evaluated: why, in one line. */
  reason?: string;
  detail: string;
}

export interface CiResult {
  /** Repository-relative paths everywhere; base and head commits of the change. */
  base?: string;
  head?: string;
  steps: CiStep[];
  selection?: SelectResult;
  run?: CiTestRun;
  gaps?: GapsResult;
  generate?: GenerateResult;
  triage?: TriageResult;
  /** Recent history of the tests triage found flaky or broken (at most a few dozen points each). */
  trends?: CiTrend[];
  /** `fixFlaky`: what `triage --fix` made of the top flaky tests (reproduced, proven fix and its patch). */
  fixes?: FixResult[];
  gates: CiGate[];
  /** 0 when the tests passed and every gate holds; 1 otherwise; 2 for a usage or input error. */
  exitCode: number;
  /** `sandbox`: the protections generated tests ran under (as the generate result's stats.sandbox). */
  stats: { ms: number; budgetMs?: number; sandbox?: SandboxInfo };
}

/**
 * The source of a changed file as the reports show it (HTML report, comment links): read once by the
 * caller so that reporters stay pure functions of their input.
 */
export interface SourceFile {
  path: string;
  /** Undefined when the file is binary, too large, or gone. */
  text?: string;
  /** The diff's ranges of added or changed lines (`ChangedFile.hunks`): what the report marks as changed. */
  hunks?: { start: number; end: number }[];
}

/** `testloop ci` as a library call; every field has a CLI flag, a TESTLOOP_* variable and an Action input. */
export interface CiOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Base ref of the change (default: the CI's pull-request base, else origin/HEAD's branch). */
  base?: string;
  /** Steps switched off (`--no-generate`, …); `run` off means gaps read `coverage` reports instead. */
  skip?: CiStepName[];
  /** Whole wall-clock budget, a duration such as `10m`; steps that cannot start in time are skipped. */
  budget?: string;
  /** The older spelling of budget, in ms; it wins when both are set. */
  budgetMs?: number;
  /** Fail closed: testloop's own failures and timeouts fail the build too. */
  strict?: boolean;
  /** Diff coverage gate, percent. */
  failUnder?: number;
  /** Flaky policy: 'fail' makes newly found flaky tests fail the build; 'report' (default) does not. */
  flaky?: 'report' | 'fail';
  /** Coverage reports to read when the run step is off. */
  coverage?: string[];
  /** JUnit reports or logs to ingest besides the run's own. */
  reports?: string[];
  /** Generation's OpenAI-compatible endpoint (else the offline stub engine). */
  baseUrl?: string;
  /** Model name as the endpoint knows it. */
  model?: string;
  /** The older spelling of baseUrl and model, with an API key; its fields win. */
  llm?: { baseUrl?: string; model?: string; apiKey?: string };
  /** Test generation: 'llm' (default when an endpoint is set), 'stub' (offline skeletons) or 'off'. */
  generate?: 'llm' | 'stub' | 'off';
  /** The older spelling of generate; it wins when both are set. */
  generateEngine?: 'llm' | 'stub' | 'off';
  /** Let generated tests reach the network (default: a network namespace with only its own loopback). */
  allowNetwork?: boolean;
  /** Write a patch of the accepted tests here (repository-relative). */
  patch?: string;
  /**
   * After triage, reproduce the top flaky tests (at most 3, those that failed in this run first), ask the
   * model for fixes and prove them (`triage --fix`); never changes the exit status.
   */
  fixFlaky?: boolean;
  /** History store path or PostgreSQL URL (else TESTLOOP_DATABASE_URL or .testloop/history.db). */
  history?: string;
  /**
   * Files and folders this run writes besides its own (the `--format kind:path` files, the HTML folder),
   * relative to cwd: never counted as changes, like `.testloop/`, the patch and the history.
   */
  ownOutputs?: string[];
  /**
   * Run one shard of the selection on a parallel CI job: `index/total` counting from 1, or `auto` from the
   * CI's variables (see `testloop select --shard`). A shard's coverage is partial, so gaps and generate
   * are left to a job that merges every shard's coverage reports.
   */
  shard?: string;
  /** Lines from inside the steps (which runner runs what, generation progress); the CLI passes stderr. */
  log?: (line: string) => void;
  /** Each step as it starts and as it ends (the CLI prints one progress line per step). */
  onStepStart?: (name: CiStepName) => void;
  onStep?: (step: CiStep) => void;
}
