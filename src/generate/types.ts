import type { RunnerName } from '../runners/types.ts';
import type { SandboxInfo } from '../sandbox/index.ts';
import type { EndpointState } from './breaker.ts';
import type { MutationScore } from './mutation-gate.ts';

/** Code to write tests for: a function (or a stretch of top-level code) with its uncovered lines. */
export interface GenerateTarget {
  /** Stable id, `file:symbol` or `file:start-end`, as users pass it to --target. */
  id: string;
  /** Repository-relative source file. */
  file: string;
  symbol?: string;
  startLine: number;
  endLine: number;
  /** Lines of the target no test runs today (the lines a generated test must reach). */
  uncoveredLines: number[];
  /**
   * Same-file functions the target calls or passes on (`purry(impl, args)`), directly or through each
   * other: a test of the target runs them too, so their lines count as the target's reach.
   */
  callees?: { symbol: string; startLine: number; endLine: number }[];
  /**
   * Every line of the file no test runs, when coverage is known (a report, or the run of the file's own
   * tests): "newly covered" counts each of these a candidate runs, not only the target's own.
   */
  fileUncoveredLines?: number[];
}

/** Everything an engine sees for one target; kept small (tokens per accepted test are measured). */
export interface TestContext {
  target: GenerateTarget;
  runner: RunnerName;
  /** Repository-relative path the accepted test will be written to. */
  testFile: string;
  /** The import specifier of the source file as seen from `testFile`. */
  importPath: string;
  /** The target's source, each uncovered line marked. */
  source: string;
  /** Exported names and signatures of the source file (what the test can import). */
  exports: string[];
  /** The nearest existing test file, as a style example (framework, imports, helpers); truncated. */
  example?: { file: string; content: string };
  /** How the test imports: ESM `import` or CommonJS `require` (as the example test does). */
  moduleStyle?: 'esm' | 'cjs';
  /** The name `target.symbol` (or its class/object) is exported as; undefined when it is not exported. */
  importName?: string;
  /** For a target that is not exported: the exported names whose code calls it (how a test reaches it). */
  reachedThrough?: string[];
  /** The target's JSDoc (its overloads' included), as written. */
  docs?: string;
  /** The same-file functions it calls (see GenerateTarget.callees), each shown as `source` is. */
  callees?: { symbol: string; source: string }[];
  /** Declarations of the types its signature names, from its file or the modules it imports. */
  types?: { name: string; file: string; source: string }[];
  /** The same-file module-level values (constants, tables, enums) it and its callees read, as written. */
  values?: { names: string[]; source: string }[];
}

export interface EngineOutput {
  /** The whole candidate test file. */
  code: string;
  /** True for an offline skeleton (it.todo entries): reported as a stub, never counted as coverage. */
  stub?: boolean;
  /** Tokens the engine spent on this output (LLM engines). */
  usage?: { promptTokens: number; completionTokens: number };
}

/** The previous attempt of a target and why it was rejected. */
export interface Repair {
  /** The previous candidate file, or (unusable) the previous reply as it came. */
  code: string;
  failure: string;
  /** The reply was no test file at all (not JSON {code}, one fenced block, nor a bare test file). */
  unusable?: boolean;
}

/** Writes a candidate test for one target; `repair` carries the previous attempt and why it failed. */
export interface TestEngine {
  name: 'llm' | 'stub';
  generate(context: TestContext, repair?: Repair): Promise<EngineOutput>;
}

export type Stage = 'generated' | 'compiled' | 'passed' | 'stable' | 'addedCoverage' | 'killsMutants';

export interface Validation {
  /** The last funnel stage the candidate reached. */
  reached: Stage;
  accepted: boolean;
  /** For a rejected candidate: the runner's output, trimmed to what a repair prompt needs. */
  failure?: string;
  /** Target lines the candidate newly covers (empty unless it reached addedCoverage). */
  newlyCoveredLines: number[];
  /** How it fared against mutants of the target lines it covers (set once it reached killsMutants). */
  mutants?: MutationScore;
  /** What the mutation gate took: runner runs (mutants, their copies, the existing tests) and wall time. */
  mutation?: { runs: number; ms: number };
  /** Time inside the test runner's own processes. */
  runnerMs: number;
  /** The candidate as it was validated, after safe fixes (unused imports, the linter's); what is written. */
  code?: string;
  /**
   * Set when the candidate did what the sandbox forbids (wrote outside its own test file, left a process
   * running, hit a size limit): it is discarded at stage 'sandbox', never repaired.
   */
  sandbox?: string;
}

/** Runs a candidate in the repository's runner, in isolation, and says how far down the funnel it got. */
export interface CandidateValidator {
  validate(context: TestContext, code: string): Promise<Validation>;
  /**
   * Starts, in the background, what `parallel` validations at once will need (validation processes), so
   * that their start overlaps the model's first replies instead of following them.
   */
  prepare?(parallel: number): void;
  /** Ends what the validator keeps running between candidates (a validation process). */
  close?(): Promise<void>;
}

export interface GenerateResult {
  accepted: {
    target: string;
    testFile: string;
    newlyCoveredLines: number[];
    /** Prompt tokens spent on this target, repairs included. */
    promptTokens?: number;
    /** Repair rounds it took (0: the first candidate was accepted). */
    repairs?: number;
    /** Mutants of the target lines it covers that it fails on (see ./mutation-gate.ts). */
    mutants?: MutationScore;
  }[];
  /**
   * Targets whose last candidate was thrown away; `stage` is the funnel stage it failed to reach
   * ('generated' when the engine produced nothing usable), 'sandbox', or 'runner' when the package's test
   * runner could not start (the candidate was never judged, nor sent back).
   */
  discarded: {
    target: string;
    stage: Stage | 'sandbox' | 'runner';
    reason: string;
    /** 'TESTLOOP_RUNNER_START' with stage 'runner': the package's runner exits before running any test file. */
    code?: 'TESTLOOP_RUNNER_START';
  }[];
  /** Targets never tried: not a source file, no runner, already covered, or no budget left. */
  skipped?: { target: string; reason: string }[];
  /**
   * Offline skeletons (stub engine): new test files like accepted tests (written with --write, in the
   * patch with --patch), never run for coverage nor counted in the funnel.
   */
  stubs: { target: string; testFile: string; todos: number }[];
  /** TestGen-LLM's funnel over targets: each counts at every stage up to the furthest its candidates got. */
  funnel: Record<Stage, number>;
  usage: { requests: number; promptTokens: number; completionTokens: number };
  stats: {
    ms: number;
    targets: number;
    /** Wall time waiting on the model, inside the runner, and the rest (testloop's own overhead). */
    llmMs: number;
    runnerMs: number;
    overheadMs: number;
    repairs: number;
    /** Prompt tokens over every request divided by the accepted tests (undefined when none was accepted). */
    promptTokensPerAccepted?: number;
    /** Uncovered lines over all targets (what newly covered lines are out of). */
    uncoveredLines?: number;
    /** Candidates validated, repairs included. */
    candidates?: number;
    /** Runner runs and wall time the mutation gate took, over every candidate that reached it. */
    mutation?: { runs: number; ms: number };
    /**
     * Without a coverage report: the run of the target files' existing tests (chosen as `select` chooses
     * them) that said which of their lines are covered: test files run, runner wall time.
     */
    coverageRun?: { testFiles: number; ms: number };
    /** Which protections candidates ran under (set once a candidate was validated); see src/sandbox/. */
    sandbox?: SandboxInfo;
  };
  /**
   * Written files (with write: accepted tests and skeletons), repository-relative; the patch path (with
   * patch: the same files as new files), repository-relative inside it.
   */
  written?: string[];
  patch?: string;
  /**
   * Set when the model endpoint failed for good: it refused the connection, or the requests of several
   * targets in a row failed (after retries), or every request failed. A single failed request only fails
   * its target. `endpoint` says which: nobody answers there, or it answers with errors (HTTP 5xx, 401, …).
   */
  llmError?: { code: string; message: string; endpoint: EndpointState };
  warnings?: string[];
}
