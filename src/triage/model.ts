import type { StoredAttempt } from '../history/types.ts';

/**
 * One attempt as triage reads it: a stored attempt, with the environment facts of its run (os, node
 * version, runner image) when known. The job name counts as an environment value too.
 */
export type TriageAttempt = StoredAttempt;

/** One execution context of the suite: a CI run attempt of one job. */
export interface RunRef {
  /** `runId#attempt#job`: the unit outages, flips and failed pipelines are counted in. */
  key: string;
  runId: string;
  attempt: number;
  job: string;
  commit: string;
  branch?: string;
  startedAt?: string;
  /** 0.. in time order (startedAt, then runId, attempt, job). */
  order: number;
}

/** One test in one run: its attempts in retry order. */
export interface Execution {
  run: RunRef;
  attempts: TriageAttempt[];
  /** Some attempt failed (or errored). */
  failed: boolean;
  /** The last attempt failed: the failure reached the pipeline. */
  finalFailed: boolean;
  /** A failed attempt was followed by a passing retry in the same run. */
  recovered: boolean;
  environment: Record<string, string>;
}

export interface TestHistory {
  testId: string;
  file: string;
  suite: string[];
  name: string;
  /** Executions outside outage runs, in run order. */
  executions: Execution[];
  /** Executions that fell in outage runs (set aside). */
  outageExecutions: number;
}

export function isFailure(status: string): boolean {
  return status === 'failed' || status === 'error';
}

/** Thresholds of the detector and the cause rules; every default is documented where it is used. */
export interface TriageThresholds {
  /** A run is an outage candidate when more than this share of its tests failed… */
  outageShare: number;
  /** …and more than this many tests failed. */
  outageMinTests: number;
  /**
   * A candidate is not an outage but a regression when this share of its failing tests keeps failing in
   * every later run of the same job (and there is at least one later run).
   */
  outagePersistShare: number;
  /** Run-level infrastructure signature: at least this many failing tests… */
  infraMinFailures: number;
  /** …and at least this share of the run's failing tests carry an infrastructure message. */
  infraShare: number;
  /**
   * A trailing failure streak of length L is a regression, not a run of flakes, when the test's earlier
   * failure rate p gives p^L below this (a test that never failed before breaks with L = 1).
   */
  brokenOdds: number;
  /** An earlier failure streak at least this long, improbable as flakes, is a fixed regression. */
  fixedStreakRuns: number;
  /** Co-failure clustering: Jaccard similarity of failing runs, and co-failures needed. */
  clusterJaccard: number;
  clusterMinCoFailures: number;
  /** A failing attempt this many times slower than the passing median (and 1 s slower) hints a timeout. */
  slowFactor: number;
  /** Below this score the top cause is `unknown`. */
  unknownBelow: number;
}

export const DEFAULT_THRESHOLDS: TriageThresholds = {
  outageShare: 0.3,
  outageMinTests: 10,
  outagePersistShare: 0.8,
  infraMinFailures: 3,
  infraShare: 0.5,
  brokenOdds: 0.001,
  fixedStreakRuns: 3,
  clusterJaccard: 0.8,
  clusterMinCoFailures: 2,
  slowFactor: 3,
  unknownBelow: 0.3,
};
