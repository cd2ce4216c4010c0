import { attachmentPaths } from '../junit/attachments.ts';
import { diagnose } from './causes.ts';
import { coFailureClusters } from './cluster.ts';
import { type OwnerRule, ownersOf } from './codeowners.ts';
import { type Detection, detect } from './detect.ts';
import { type Grouped, groupAttempts, type RawTest } from './group.ts';
import {
  DEFAULT_THRESHOLDS,
  type Execution,
  isFailure,
  type RunRef,
  type TestHistory,
  type TriageAttempt,
  type TriageThresholds,
} from './model.ts';
import { findOutages, outageList } from './outage.ts';
import { compareFindings, impactOf } from './rank.ts';
import type { Cause, Finding, TriageResult } from './types.ts';

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
    findings.push(findingOf(history, t, options.owners, clusters.get(history.testId)));
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
        outages: outageList(outages, runByKey),
      },
    },
  };
}

function buildHistories(grouped: Grouped, outages: ReadonlyMap<string, unknown>): Map<string, TestHistory> {
  const histories = new Map<string, TestHistory>();
  const runs = new Map(grouped.runs.map((run) => [run.key, run]));
  for (const test of grouped.tests.values()) histories.set(test.testId, historyOf(test, runs, outages));
  return histories;
}

/** One test's executions in run order, those in outage runs left out (counted). */
export function historyOf(
  test: RawTest,
  runs: ReadonlyMap<string, RunRef>,
  outages: ReadonlyMap<string, unknown>,
): TestHistory {
  const executions: Execution[] = [];
  let outageExecutions = 0;
  const own = [...test.byRun.keys()].map((key) => runs.get(key)!).sort((a, b) => a.order - b.order);
  for (const run of own) {
    const attempts = test.byRun.get(run.key)!;
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
  return {
    testId: test.testId,
    file: test.file,
    suite: test.suite,
    name: test.name,
    executions,
    outageExecutions,
  };
}

/** The verdict, causes and impact of one test. */
export function findingOf(
  history: TestHistory,
  t: TriageThresholds,
  ownerRules: readonly OwnerRule[] | undefined,
  cluster: string[] | undefined,
): Finding {
  const d = detect(history, t);
  const causes = d.verdict === 'healthy' ? [] : diagnose(history, d.verdict, t, d.since);
  const found = finding(history, d, causes, impactOf(history), ownerRules, cluster);
  const attachments = d.verdict === 'healthy' ? [] : attachmentsOf(history);
  return attachments.length > 0 ? { ...found, attachments } : found;
}

const MAX_ATTACHMENTS = 5;

/** The files the reports attached to failed attempts, most recent first (traces before the rest). */
function attachmentsOf(history: TestHistory): string[] {
  const found: string[] = [];
  for (const execution of [...history.executions].reverse()) {
    for (const attempt of [...execution.attempts].reverse()) {
      if (attempt.status !== 'failed' && attempt.status !== 'error') continue;
      for (const path of attachmentPaths(attempt.output ?? '')) if (!found.includes(path)) found.push(path);
    }
  }
  const traces = found.filter((path) => path.endsWith('.zip'));
  return [...traces, ...found.filter((path) => !path.endsWith('.zip'))].slice(0, MAX_ATTACHMENTS);
}

/** Builds a finding with its fields in the order of the JSON contract. */
export function finding(
  test: { testId: string; file: string; suite: string[]; name: string },
  d: Detection,
  causes: Cause[],
  impact: Finding['impact'],
  ownerRules: readonly OwnerRule[] | undefined,
  cluster: string[] | undefined,
): Finding {
  const owners = ownerRules && test.file !== '' ? ownersOf(ownerRules, test.file) : [];
  return {
    testId: test.testId,
    verdict: d.verdict,
    runs: d.runs,
    failures: d.failures,
    flipRate: d.flipRate,
    confidence: d.confidence,
    causes,
    impact,
    ...(cluster ? { cluster } : {}),
    ...(owners.length > 0 ? { owners } : {}),
    ...(d.note === undefined ? {} : { note: d.note }),
    file: test.file,
    suite: test.suite,
    name: test.name,
    ...(d.since === undefined ? {} : { since: d.since }),
    ...(d.sinceAt === undefined ? {} : { sinceAt: d.sinceAt }),
    ...(d.evidence.length > 0 ? { evidence: d.evidence } : {}),
  };
}
