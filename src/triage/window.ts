import type { HistoryWindow, StoredAttempt, WindowAttempt, WindowRun, WindowTest } from '../history/types.ts';
import { forEachWindowTest } from '../history/window-tests.ts';
import { type AnalyzeOptions, findingOf, historyOf } from './analyze.ts';
import { clustersOf, failingRuns } from './cluster.ts';
import { ownersOf } from './codeowners.ts';
import { compareRuns, type RawTest, runKeyOf } from './group.ts';
import { DEFAULT_THRESHOLDS, type RunRef, type TriageAttempt, type TriageThresholds } from './model.ts';
import { isInfrastructure, outageList, outagesOf } from './outage.ts';
import { QuietFindings } from './quiet.ts';
import { compareFindings, impactOf } from './rank.ts';
import type { Finding, TriageResult } from './types.ts';

interface Run {
  ref: RunRef;
  stored: WindowRun;
}

/**
 * The analysis of analyze.ts over a history window, in memory bounded by the failures rather than the
 * history: the first pass reads the failures (outages need each run's failing tests), the second reads
 * one test at a time and keeps its finding only when it is not quiet; quiet findings go to files (see
 * QuietFindings). Gives the same findings in the same order as analyze(), listed through triageReport.
 */
export async function analyzeWindow(
  window: HistoryWindow,
  options: AnalyzeOptions = {},
): Promise<{ result: TriageResult; quiet: QuietFindings }> {
  const started = performance.now();
  const t: TriageThresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
  const runs = windowRuns(window.runs);
  const refs = new Map([...runs.values()].map((run) => [run.ref.key, run.ref]));
  const ordered = [...refs.values()];
  const outages = outagesOf(ordered, await runFailures(window, runs), t);
  const outageRuns = new Set(
    [...runs.values()].filter((run) => outages.has(run.ref.key)).map((r) => r.stored.key),
  );

  const head: Finding[] = [];
  const failing = new Map<string, Set<string>>();
  const quiet = new QuietFindings();
  let tests = 0;
  const addQuiet = (test: WindowTest, runCount: number) => {
    const owners = options.owners && test.file !== '' ? ownersOf(options.owners, test.file) : [];
    quiet.add(test, runCount, owners);
  };
  /** A test that failed or was retried in the window: its history decides. */
  const judge = (first: WindowTest, attempts: readonly WindowAttempt[]) => {
    const test: RawTest = {
      testId: first.testId,
      file: first.file,
      suite: first.suite,
      name: first.name,
      byRun: attemptsByRun(attempts, runs),
    };
    const history = historyOf(test, refs, outages);
    if (history.executions.every((e) => !e.failed) && isZero(impactOf(history))) {
      return addQuiet(first, history.executions.length);
    }
    const runsFailed = failingRuns(history, t);
    if (runsFailed) failing.set(history.testId, runsFailed);
    head.push(findingOf(history, t, options.owners, undefined));
  };
  try {
    const judgeTest = (test: WindowTest) => {
      if (test.executed === 0) return;
      tests++;
      // Most tests only ever passed, once per run: nothing to diagnose.
      if (test.attempts) judge(test, test.attempts);
      else addQuiet(test, test.counted);
    };
    if (window.testsByTest && summingPays(window.runs)) {
      for await (const test of window.testsByTest([...outageRuns])) judgeTest(test);
    } else await forEachWindowTest(window.attemptsByTest(), outageRuns, judgeTest);
    quiet.finish();
  } catch (error) {
    quiet.close();
    throw error;
  }

  const clusters = clustersOf(failing, t);
  const findings = head.map((f) => withCluster(f, clusters.get(f.testId))).sort(compareFindings);
  const count = (verdict: Finding['verdict']) => findings.filter((f) => f.verdict === verdict).length;
  const result: TriageResult = {
    findings,
    stats: {
      runs: ordered.length,
      tests,
      attempts: window.runs.reduce((sum, run) => sum + run.attempts, 0),
      outageRuns: outages.size,
      ms: Math.round(performance.now() - started),
      flaky: count('flaky'),
      broken: count('broken'),
      healthy: count('healthy') + quiet.count,
      outages: outageList(outages, refs),
    },
  };
  return { result, quiet };
}

/** A test's attempts (skipped ones left out) under the key of the run they belong to. */
function attemptsByRun(attempts: readonly WindowAttempt[], runs: ReadonlyMap<number, Run>) {
  const byRun = new Map<string, TriageAttempt[]>();
  for (const attempt of attempts) {
    if (attempt.status === 'skipped') continue;
    const run = runs.get(attempt.run)!;
    const list = byRun.get(run.ref.key);
    if (list) list.push(triageAttempt(attempt, run.stored));
    else byRun.set(run.ref.key, [triageAttempt(attempt, run.stored)]);
  }
  return byRun;
}

function windowRuns(stored: readonly WindowRun[]): Map<number, Run> {
  const refs = stored.map((run) => ({
    stored: run,
    ref: {
      key: runKeyOf(run),
      runId: run.runId,
      attempt: run.attempt,
      job: run.job ?? '',
      commit: run.commit,
      ...(run.branch === undefined ? {} : { branch: run.branch }),
      startedAt: run.startedAt,
    },
  }));
  refs.sort((a, b) => compareRuns(a.ref, b.ref));
  return new Map(refs.map(({ stored, ref }, order) => [stored.key, { stored, ref: { ...ref, order } }]));
}

/** Pass 1: each run's failing tests (by store key) and those with an infrastructure signature. */
async function runFailures(window: HistoryWindow, runs: ReadonlyMap<number, Run>) {
  const total = new Map<string, number>();
  for (const run of runs.values()) total.set(run.ref.key, run.stored.tests);
  const failing = new Map<string, Set<number>>();
  const infraTests = new Map<string, Set<number>>();
  const add = (map: Map<string, Set<number>>, run: string, test: number) => {
    const set = map.get(run);
    if (set) set.add(test);
    else map.set(run, new Set([test]));
  };
  for await (const failure of window.failures()) {
    const run = runs.get(failure.run)!.ref.key;
    add(failing, run, failure.test);
    if (isInfrastructure(failure)) add(infraTests, run, failure.test);
  }
  const infra = new Map([...infraTests].map(([run, set]) => [run, set.size]));
  return { total, failing, infra };
}

/** The attempt as recentAttempts would give it; the run's environment is shared, not copied. */
function triageAttempt(attempt: WindowAttempt, run: WindowRun): TriageAttempt {
  const stored: StoredAttempt = {
    testId: attempt.testId,
    file: attempt.file,
    suite: attempt.suite,
    name: attempt.name,
    status: attempt.status,
    durationMs: attempt.durationMs,
    retry: attempt.retry,
    runId: run.runId,
    attempt: run.attempt,
    commit: run.commit,
    startedAt: run.startedAt,
  };
  if (attempt.message !== undefined) stored.message = attempt.message;
  if (attempt.stack !== undefined) stored.stack = attempt.stack;
  if (attempt.output !== undefined) stored.output = attempt.output;
  if (run.job !== undefined) stored.job = run.job;
  if (run.branch !== undefined) stored.branch = run.branch;
  if (run.environment) stored.environment = run.environment;
  return stored;
}

/** Attempts per test from which the store's sums (testsByTest) read faster than the attempts themselves. */
const SUMMING_FROM = 4;

/**
 * Whether tests ran often enough in the window for testsByTest to pay: its sums cost a second sort, which
 * a window of a few runs (each test read once or twice anyway) does not win back.
 */
function summingPays(runs: readonly WindowRun[]): boolean {
  let attempts = 0;
  let widest = 1;
  for (const run of runs) {
    attempts += run.attempts;
    widest = Math.max(widest, run.tests);
  }
  return attempts >= SUMMING_FROM * widest;
}

function isZero(impact: Finding['impact']): boolean {
  return impact.failedPipelines === 0 && impact.minutesLost === 0 && impact.failureRate === 0;
}

/** The cluster goes right after impact, where analyze() puts it. */
function withCluster(f: Finding, cluster: string[] | undefined): Finding {
  if (!cluster) return f;
  const { testId, verdict, runs, failures, flipRate, confidence, causes, impact, ...rest } = f;
  return { testId, verdict, runs, failures, flipRate, confidence, causes, impact, cluster, ...rest };
}
