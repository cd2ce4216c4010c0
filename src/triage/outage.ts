import type { Grouped } from './group.ts';
import { isFailure, type TriageThresholds } from './model.ts';
import { INFRASTRUCTURE } from './signatures.ts';

export interface Outage {
  runKey: string;
  reason: string;
}

/**
 * Runs to set aside before judging tests: most of the run failed (over `outageShare` of its tests and
 * over `outageMinTests` tests), or most of its failures carry an infrastructure signature (OOM kill, lost
 * runner, full disk). A mass failure that persists through at least two later runs of the same job is a
 * regression, not an outage, and stays in.
 */
export function findOutages(grouped: Grouped, t: TriageThresholds): Map<string, Outage> {
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
      if (failures.some((a) => INFRASTRUCTURE.test(textOf(a))))
        infra.set(runKey, (infra.get(runKey) ?? 0) + 1);
    }
  }
  const outages = new Map<string, Outage>();
  /** Per job, the failing set of a mass regression still going on. */
  const ongoing = new Map<string, Set<string>>();
  const keeps = (runKey: string, set: ReadonlySet<string>) => {
    const failed = failing.get(runKey);
    let kept = 0;
    if (failed) for (const id of set) if (failed.has(id)) kept++;
    return set.size > 0 && kept / set.size >= t.outagePersistShare;
  };
  for (const run of grouped.runs) {
    const failed = failing.get(run.key) ?? new Set<string>();
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
    const later = grouped.runs.filter((r) => r.order > run.order && r.job === run.job);
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

function textOf(a: { message?: string; stack?: string; output?: string }): string {
  return `${a.message ?? ''}\n${a.stack ?? ''}\n${a.output ?? ''}`;
}
