export type Verdict = 'flaky' | 'broken' | 'healthy';

/** Every cause triage names, the rules' and a model's alike. */
export const CAUSE_NAMES = [
  'async-wait',
  'timeout',
  'concurrency',
  'order-dependency',
  'time',
  'randomness',
  'network',
  'resource-leak',
  'environment',
  'floating-point',
  'unordered-collection',
  'snapshot',
  'ui-selector',
  'infrastructure',
  'unknown',
] as const;

export type CauseName = (typeof CAUSE_NAMES)[number];

export interface Cause {
  cause: CauseName;
  /** 0..1, ranked descending. */
  score: number;
  /** Log or stack lines that support it, verbatim. */
  evidence: string[];
  fix: string;
  /**
   * Where the cause comes from, on the findings a model was asked about (`--explain`): the line rules, or
   * the model (whose causes must cite evidence that exists).
   */
  source?: 'rules' | 'model';
  /** The model's citations: evidence ids (`E2` an attempt, `E2.L3` a line of it) behind `evidence`. */
  references?: string[];
  /** The model's reasoning, in a sentence or two. */
  explanation?: string;
}

export interface Finding {
  testId: string;
  verdict: Verdict;
  /** Runs the verdict rests on, and failures among them. */
  runs: number;
  failures: number;
  /** Share of consecutive runs whose outcome differs. */
  flipRate: number;
  /** 0..1: how sure the verdict is, from the number of runs and the pattern. */
  confidence: number;
  causes: Cause[];
  impact: { failedPipelines: number; minutesLost: number; failureRate: number };
  /** Tests that fail together with this one (same runs), when any. */
  cluster?: string[];
  owners?: string[];
  /** "no flake seen in N runs" for healthy tests: never a claim of "not flaky". */
  note?: string;
  /** Where the test lives, for owners, reruns and quarantine files ('' when the reports do not say). */
  file?: string;
  suite?: string[];
  name?: string;
  /** Broken: the commit its failures start at; flaky: the commit of its first failure. */
  since?: string;
  /** When that run started (ISO), when known. */
  sinceAt?: string;
  /** What the verdict rests on: retries that recovered, same-commit passes, the failing streak, reruns. */
  evidence?: string[];
  /** `triage --rerun N`: the test alone, and in shuffled order with the rest of its file. */
  rerun?: RerunSummary;
  /**
   * Files the reports attached to its failed attempts (`[[ATTACHMENT|path]]` in their output: Playwright's
   * trace.zip, screenshots), the most recent first, at most five: what to open to see the failure.
   */
  attachments?: string[];
  /** Filled by an optional explain hook (e.g. an LLM); testloop itself never sets it. */
  explanation?: string;
}

export interface RerunSummary {
  alone: { runs: number; failures: number };
  shuffled: { runs: number; failures: number };
  /** Failed and passed among the reruns. */
  confirmedFlaky: boolean;
  /** Failed only with other tests around it, never alone. */
  orderDependent: boolean;
}

export interface TriageResult {
  findings: Finding[];
  stats: {
    runs: number;
    tests: number;
    attempts: number;
    outageRuns: number;
    ms: number;
    flaky?: number;
    broken?: number;
    healthy?: number;
    /** Runs set aside, with the reason. */
    outages?: { runId: string; attempt: number; job?: string; reason: string }[];
  };
}
