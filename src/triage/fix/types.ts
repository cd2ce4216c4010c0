import type { ModelEndpoint } from '../../llm/endpoint.ts';
import type { LlmClient } from '../../llm/types.ts';
import type { Cause } from '../types.ts';

/** Stress conditions a flaky test is reproduced under (shared with the flaky-kinds fixture's manifest). */
export const CONDITIONS = ['isolated', 'shuffled', 'parallel', 'cpu-load', 'timezone', 'locale'] as const;
export type Condition = (typeof CONDITIONS)[number];

/** Runs under one condition and the failures among them. */
export interface ConditionTally {
  condition: Condition;
  runs: number;
  failures: number;
}

/** One failed run: the runner's output trimmed for a prompt (no temp paths, durations or clock times). */
export interface RunFailure {
  condition: Condition;
  /** Which attempt under that condition (1-based): it picks the seed, time zone or locale. */
  attempt: number;
  output: string;
}

export interface Reproduction {
  testId: string;
  reproduced: boolean;
  /** The condition the test failed under (the cheapest one tried first), when it did. */
  condition?: Condition;
  /** failures / runs under `condition` (0 when not reproduced). */
  failureRate: number;
  /** Runs under `condition`, or every run when not reproduced. */
  runs: number;
  failures: number;
  /** Every condition tried, in the order tried. */
  tried: ConditionTally[];
  /** The failed runs' output (a few), for the model. */
  failed: RunFailure[];
  seconds: number;
  /** Why it was not reproduced, or what limited the search (the budget). */
  reason?: string;
}

/** One file of a proposed fix: repository-relative path and its whole new content. */
export interface FileChange {
  path: string;
  code: string;
}

/** `triage --fix`: the JSON contract (`fixes[]`); the names in the README are public. */
export interface FixResult {
  testId: string;
  reproduced: boolean;
  failureRate: number;
  reproductionRuns: number;
  accepted: boolean;
  /** Runs of the last candidate under the reproducing condition (M when it passed them all). */
  validationRuns: number;
  validationFailures: number;
  /** Unified diff of the accepted fix (git apply reads it); null when none was accepted. */
  patch: string | null;
  reason: string;
  /** The condition it was reproduced under. */
  condition?: Condition;
  /** M: runs required to accept, (1-p)^M < 0.05, capped. */
  requiredRuns?: number;
  /** M hit the cap: the proof is weaker than 95% for this rate, said in the reason too. */
  capped?: boolean;
  /** Proposals asked of the model (the first and the repairs). */
  rounds: number;
  /** Files the accepted patch changes. */
  files?: string[];
  /** The runs of the reproduction, per condition tried. */
  reproduction: ConditionTally[];
  /** Wall time of the reproduction alone. */
  reproductionSeconds: number;
  /** Wall time of reproduce + propose + prove for this test. */
  seconds: number;
  /** `--write`: the patch was applied to the working tree. */
  written?: boolean;
}

export interface FixOptions extends ModelEndpoint {
  cwd?: string;
  /** Test ids (`file › suite › name`) to reproduce, fix and prove, as `triage --fix`. */
  fix?: readonly string[];
  /** The older spelling of fix; it wins when both are set. */
  tests?: readonly string[];
  /**
   * A ready model client (else one for baseUrl and model, closed at the end); without either, tests are
   * reproduced and reported `accepted: false`.
   */
  client?: LlmClient;
  /** Why there is no client (shown in the reason), e.g. "no model configured (--base-url, --model)". */
  noModelReason?: string;
  /** Wall-clock time to reproduce one test, a duration such as `90s` (default 2m). */
  budget?: string;
  /** The older spelling of budget, in ms; it wins when both are set. */
  budgetMs?: number;
  /** Runs per condition before the next is tried (default 5). */
  attemptsPerCondition?: number;
  /** Runs under the reproducing condition measuring its failure rate (default 10). */
  measureRuns?: number;
  /** Rounds through the conditions at most (default: as many as the budget allows). */
  reproduceRounds?: number;
  /** The most validation runs M asked for (default 60). */
  maxValidationRuns?: number;
  /** Repair rounds after a rejected candidate (default 2). */
  repairRounds?: number;
  /** Let the fix change source files, not only test files. */
  allowSource?: boolean;
  /** Apply accepted patches to the working tree. */
  write?: boolean;
  /** Per runner invocation (default 120 000). */
  runTimeoutMs?: number;
  /** Causes triage found for a test (its history), keyed by test id: they order the conditions. */
  causes?: ReadonlyMap<string, readonly Cause[]>;
  /** The environment runs start from (scrubbed; default process.env). */
  env?: Record<string, string | undefined>;
  log?: (line: string) => void;
}

export interface FixReport {
  fixes: FixResult[];
}
