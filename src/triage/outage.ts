import type { Grouped } from './group.ts';
import { isFailure, type RunRef, type TriageThresholds } from './model.ts';
import { INFRASTRUCTURE } from './signatures.ts';
import type { TriageResult } from './types.ts';

export interface Outage {
  runKey: string;
  reason: string;
}

/** What outage detection needs of each run, keyed by RunRef.key; tests are named by any key type. */
export interface RunFailures<K> {
  /** Tests with an attempt that was not skipped. */
  total: Map<string, number>;
  /** Tests with a failed or errored attempt. */
  failing: Map<string, Set<K>>;
  /** Failing tests with an infrastructure signature in some failed attempt. */
  infra: Map<string, number>;
}

/**
 * Runs to set aside before judging tests: most of the run failed (over `outageShare` of its tests and
 * over `outageMinTests` tests), or most of its failures carry an infrastructure signature (OOM kill, lost
 * runner, full disk). A mass failure that persists through at least two later runs of the same job is a
 * regression, not an outage, and stays in.
 */
export function findOutages(grouped: Grouped, t: TriageThresholds): Map<string, Outage> {
  return outagesOf(grouped.runs, runFailures(grouped), t);
}

export function runFailures(grouped: Grouped): RunFailures<string> {
  const total = new Map<string, number>();
  const failing = new Map<string, Set<string>>();
  const infra = new Map<string, number>();
  for (const test of grouped.tests.values()) {
    for (const [runKey, attempts] of test.byRun) {
      total.set(runKey, (total.get(runKey) ?? 0) + 1);
      const failures = attempts.filter((a) => isFailure(a.status));
      if (failures.length === 0) continue;
      let set = failing.get(runKey);
      if (!set) {
        set = new Set();
        failing.set(runKey, set);
      }
      set.add(test.testId);
      if (failures.some(isInfrastructure)) infra.set(runKey, (infra.get(runKey) ?? 0) + 1);
    }
  }
  return { total, failing, infra };
}

/** `runs` in time order. */
export function outagesOf<K>(
  runs: readonly RunRef[],
  { total, failing, infra }: RunFailures<K>,
  t: TriageThresholds,
): Map<string, Outage> {
  const outages = new Map<string, Outage>();
  /** Per job, the failing set of a mass regression still going on. */
  const ongoing = new Map<string, Set<K>>();
  const keeps = (runKey: string, set: ReadonlySet<K>) => {
    const failed = failing.get(runKey);
    let kept = 0;
    if (failed) for (const id of set) if (failed.has(id)) kept++;
    return set.size > 0 && kept / set.size >= t.outagePersistShare;
  };
  for (const run of runs) {
    const failed = failing.get(run.key) ?? new Set<K>();
    const tests = total.get(run.key) ?? 0;
    const infraCount = infra.get(run.key) ?? 0;
    if (failed.size >= t.infraMinFailures && infraCount / failed.size >= t.infraShare) {
      outages.set(run.key, {
        runKey: run.key,
        reason: `infrastructure: ${infraCount} of ${failed.size} failures carry an infrastructure signature`,
      });
      continue;
    }
    const current = ongoing.get(run.job);
    if (failed.size / Math.max(tests, 1) <= t.outageShare || failed.size <= t.outageMinTests) {
      if (current && !keeps(run.key, current)) ongoing.delete(run.job);
      continue;
    }
    const later = runs.filter((r) => r.order > run.order && r.job === run.job);
    if (later.length >= 2 && later.every((r) => keeps(r.key, failed))) {
      ongoing.set(run.job, failed);
      continue;
    }
    if (current && keeps(run.key, current)) continue;
    outages.set(run.key, {
      runKey: run.key,
      reason: `${failed.size} of ${tests} tests failed (${Math.round((failed.size / tests) * 100)}%)`,
    });
  }
  return outages;
}

export function isInfrastructure(a: { message?: string; stack?: string; output?: string }): boolean {
  return INFRASTRUCTURE.test(`${a.message ?? ''}\n${a.stack ?? ''}\n${a.output ?? ''}`);
}

/** The outage runs as TriageResult.stats lists them. */
export function outageList(
  outages: ReadonlyMap<string, Outage>,
  refs: ReadonlyMap<string, RunRef>,
): TriageResult['stats']['outages'] {
  return [...outages.values()].map((o) => {
    const run = refs.get(o.runKey)!;
    return {
      runId: run.runId,
      attempt: run.attempt,
      ...(run.job === '' ? {} : { job: run.job }),
      reason: o.reason,
    };
  });
}
