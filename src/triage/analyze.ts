import { diagnose } from './causes.ts';
import { coFailureClusters } from './cluster.ts';
import { type OwnerRule, ownersOf } from './codeowners.ts';
import { detect } from './detect.ts';
import { type Grouped, groupAttempts } from './group.ts';
import {
  DEFAULT_THRESHOLDS,
  type Execution,
  isFailure,
  type TestHistory,
  type TriageAttempt,
  type TriageThresholds,
} from './model.ts';
import { findOutages } from './outage.ts';
import { compareFindings, impactOf } from './rank.ts';
import type { Finding, TriageResult } from './types.ts';

export interface AnalyzeOptions {
  thresholds?: Partial<TriageThresholds>;
  /** Parsed CODEOWNERS rules: owners go onto each finding by its file. */
  owners?: readonly OwnerRule[];
}

export interface Analysis {
  result: TriageResult;
  /** Per test, the executions the verdicts rest on (for reruns and explain hooks). */
  histories: Map<string, TestHistory>;
}

/** The whole analysis over attempts already in memory: pure and synchronous. */
export function analyzeAttempts(
  attempts: Iterable<TriageAttempt>,
  options: AnalyzeOptions = {},
): TriageResult {
  return analyze(attempts, options).result;
}

export function analyze(attempts: Iterable<TriageAttempt>, options: AnalyzeOptions = {}): Analysis {
  const started = performance.now();
  const t: TriageThresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
  const grouped = groupAttempts(attempts);
  const outages = findOutages(grouped, t);
  const histories = buildHistories(grouped, outages);
  const clusters = coFailureClusters(histories.values(), t);

  const findings: Finding[] = [];
  for (const history of histories.values()) {
    const d = detect(history, t);
    const causes = d.verdict === 'healthy' ? [] : diagnose(history, d.verdict, t, d.since);
    const cluster = clusters.get(history.testId);
    const owners = options.owners && history.file !== '' ? ownersOf(options.owners, history.file) : [];
    findings.push({
      testId: history.testId,
      verdict: d.verdict,
      runs: d.runs,
      failures: d.failures,
      flipRate: d.flipRate,
      confidence: d.confidence,
      causes,
      impact: impactOf(history),
      ...(cluster ? { cluster } : {}),
      ...(owners.length > 0 ? { owners } : {}),
      ...(d.note === undefined ? {} : { note: d.note }),
      file: history.file,
      suite: history.suite,
      name: history.name,
      ...(d.since === undefined ? {} : { since: d.since }),
      ...(d.sinceAt === undefined ? {} : { sinceAt: d.sinceAt }),
      ...(d.evidence.length > 0 ? { evidence: d.evidence } : {}),
    });
  }
  findings.sort(compareFindings);
  const count = (verdict: Finding['verdict']) => findings.filter((f) => f.verdict === verdict).length;
  const runByKey = new Map(grouped.runs.map((r) => [r.key, r]));
  return {
    histories,
    result: {
      findings,
      stats: {
        runs: grouped.runs.length,
        tests: histories.size,
        attempts: grouped.attempts,
        outageRuns: outages.size,
        ms: Math.round(performance.now() - started),
        flaky: count('flaky'),
        broken: count('broken'),
        healthy: count('healthy'),
        outages: [...outages.values()].map((o) => {
          const run = runByKey.get(o.runKey)!;
          return {
            runId: run.runId,
            attempt: run.attempt,
            ...(run.job === '' ? {} : { job: run.job }),
            reason: o.reason,
          };
        }),
      },
    },
  };
}

function buildHistories(grouped: Grouped, outages: ReadonlyMap<string, unknown>): Map<string, TestHistory> {
  const histories = new Map<string, TestHistory>();
  for (const test of grouped.tests.values()) {
    const executions: Execution[] = [];
    let outageExecutions = 0;
    for (const run of grouped.runs) {
      const attempts = test.byRun.get(run.key);
      if (!attempts) continue;
      if (outages.has(run.key)) {
        outageExecutions++;
        continue;
      }
      const sorted = [...attempts].sort((a, b) => a.retry - b.retry);
      const firstFailure = sorted.findIndex((a) => isFailure(a.status));
      const last = sorted[sorted.length - 1]!;
      const environment: Record<string, string> = {};
      for (const a of sorted) Object.assign(environment, a.environment);
      executions.push({
        run,
        attempts: sorted,
        failed: firstFailure !== -1,
        finalFailed: isFailure(last.status),
        recovered: firstFailure !== -1 && sorted.slice(firstFailure + 1).some((a) => a.status === 'passed'),
        environment,
      });
    }
    histories.set(test.testId, {
      testId: test.testId,
      file: test.file,
      suite: test.suite,
      name: test.name,
      executions,
      outageExecutions,
    });
  }
  return histories;
}
