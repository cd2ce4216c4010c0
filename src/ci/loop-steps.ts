import type { CoverageArg } from '../coverage/load.ts';
import { type ErrorCode, isTestloopError } from '../errors.ts';
import { unmeasuredSources } from '../gaps/source-files.ts';
import type { GapsResult } from '../gaps/types.ts';
import type { Revisions } from '../git/base.ts';
import { ownOutputMatcher, withoutOwnOutputs } from '../git/own-outputs.ts';
import type { Project } from '../select/projects.ts';
import type { ShardSpec } from '../select/shard.ts';
import type { SelectResult } from '../select/types.ts';
import type { TriageResult } from '../triage/types.ts';
import { runSelected, type SelectedRun } from './run-tests.ts';
import { InputError, StepNotRun, type StepOutcome, type StepRunner } from './steps.ts';
import type { CiOptions, CiStepName, CiTestRun, CiTrend } from './types.ts';

/** Where `testloop ci` leaves its JUnit and coverage reports and the patch, relative to the repository. */
export const CI_OUT_DIR = '.testloop/ci';
/** A coverage report the user named that cannot be read. */
const COVERAGE_INPUT_ERRORS: readonly ErrorCode[] = [
  'TESTLOOP_NO_COVERAGE',
  'TESTLOOP_COVERAGE_FORMAT',
  'TESTLOOP_COVERAGE_PARSE',
];
/** Kept for ingest and triage when generation has a budget to share. */
const RESERVE_MS = 15_000;
/** Flaky and broken tests whose history is charted. */
const MAX_TRENDS = 20;
/** Flaky tests `fixFlaky` reproduces and tries to fix. */
const MAX_FIXES = 3;

/** What every step of one `testloop ci` run reads. */
export interface CiContext {
  options: CiOptions;
  root: string;
  /** Absolute CI_OUT_DIR. */
  outDir: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  skip: ReadonlySet<CiStepName>;
  steps: StepRunner;
  shard: ShardSpec | undefined;
  revisions: Revisions | undefined;
  /** The revisions, or (inside a step, which reports it) the error that kept them from being resolved. */
  needBase(): Revisions;
  /** What this run writes, never a change to it (absolute paths: the steps run from the root). */
  ownOutputs: string[];
}

/** What a step learns that a later one reuses, kept as far as the step got even when it failed. */
export interface CiFound {
  projects?: Project[];
  changedFiles: string[];
  trends?: CiTrend[];
}

export async function selectStep(ctx: CiContext, found: CiFound): Promise<StepOutcome<SelectResult>> {
  const { planSelection } = await import('../select/select-tests.ts');
  const plan = await planSelection({
    cwd: ctx.root,
    base: ctx.needBase().base,
    env: ctx.env,
    ownOutputs: ctx.ownOutputs,
    ...(ctx.options.shard === undefined ? {} : { shard: ctx.options.shard }),
  });
  found.projects = plan.projects;
  const { result } = plan;
  found.changedFiles = await changedPaths(ctx.root, ctx.needBase().base, ctx.ownOutputs);
  const selected = result.all
    ? `all ${result.stats.totalTests} test files: ${result.reason ?? ''}`
    : `${result.shard?.selectedTests ?? result.tests.length} of ${result.stats.totalTests} test files for ${result.stats.changedFiles} changed file(s)`;
  const part = result.shard
    ? `; shard ${result.shard.index}/${result.shard.total} runs ${result.tests.length} of them`
    : '';
  return { value: result, detail: `${selected}${part}` };
}

export async function runStep(
  ctx: CiContext,
  found: CiFound,
  selection: SelectResult | undefined,
): Promise<StepOutcome<SelectedRun>> {
  const { root, revisions, ownOutputs } = ctx;
  found.projects ??= await allProjects(root);
  if (found.changedFiles.length === 0 && revisions !== undefined)
    found.changedFiles = await changedPaths(root, revisions.base, ownOutputs);
  const value = await runSelected(ctx.skip.has('select') ? undefined : selection, found.projects, {
    root,
    outDir: ctx.outDir,
    changedSources: found.changedFiles,
    env: ctx.env,
    log: ctx.log,
  });
  return { value, detail: describeRun(value.run) };
}

export async function gapsStep(
  ctx: CiContext,
  coverage: CoverageArg[],
  run: CiTestRun | undefined,
  selection: SelectResult | undefined,
): Promise<StepOutcome<GapsResult>> {
  const { shard, options } = ctx;
  // Without a selection this machine ran every test: its coverage is whole even on a sharded job.
  if (shard && shard.total > 1 && selection !== undefined && !ctx.skip.has('select'))
    throw new StepNotRun(
      'off',
      `shard ${shard.index}/${shard.total} measures only its own tests: merge every shard's ${CI_OUT_DIR}/coverage-*/lcov.info with testloop gaps`,
    );
  if (coverage.length === 0 && run !== undefined)
    throw new StepNotRun('skipped', 'the test run wrote no coverage report');
  const { findGaps } = await import('../gaps/find-gaps.ts');
  try {
    const value = await findGaps({
      cwd: ctx.root,
      base: ctx.needBase().base,
      ...(coverage.length > 0 ? { coverage } : {}),
      ...(options.failUnder === undefined ? {} : { failUnder: options.failUnder }),
      allowEmpty: true,
      ownOutputs: ctx.ownOutputs,
      env: ctx.env,
    });
    return { value, detail: describeGaps(value) };
  } catch (error) {
    const named = run === undefined && options.coverage !== undefined && options.coverage.length > 0;
    if (named && isTestloopError(error) && COVERAGE_INPUT_ERRORS.includes(error.code))
      throw new InputError(error);
    throw error;
  }
}

export async function generateStep(ctx: CiContext, gaps: GapsResult | undefined, coverage: CoverageArg[]) {
  const { options, env } = ctx;
  const engine = options.generateEngine ?? (options.llm?.baseUrl ? 'llm' : 'stub');
  if (engine === 'off') throw new StepNotRun('off', 'switched off');
  if (!gaps) throw new StepNotRun('skipped', 'no gaps result to generate for');
  if (gaps.gaps.length === 0)
    throw new StepNotRun(
      'off',
      gaps.totals.coverableLines === 0
        ? 'no gaps: no changed line is measured code'
        : 'no gaps: every changed line is covered',
    );
  const { generateTests } = await import('../generate/pipeline.ts');
  const budget = ctx.steps.remaining();
  const value = await generateTests({
    cwd: ctx.root,
    base: ctx.needBase().base,
    coverage,
    engine,
    ...(options.llm ? { llm: { ...options.llm } } : {}),
    ...(Number.isFinite(budget)
      ? { budgetMs: Math.max(1_000, budget - Math.min(RESERVE_MS, budget / 4)) }
      : {}),
    patch: options.patch ?? `${CI_OUT_DIR}/generated-tests.patch`,
    ownOutputs: ctx.ownOutputs,
    ...(options.allowNetwork ? { allowNetwork: true } : {}),
    env: options.llm?.apiKey ? { ...env, TESTLOOP_LLM_API_KEY: options.llm.apiKey } : env,
    log: (line) => ctx.log(line),
  });
  return {
    value,
    detail:
      engine === 'stub'
        ? `${value.stubs.length} test skeleton(s) (offline, no endpoint configured)${value.patch !== undefined && value.stubs.length > 0 ? ` in ${value.patch}` : ''}`
        : `${value.accepted.length} accepted of ${value.stats.targets} target(s)${value.llmError ? `; model endpoint failed: ${value.llmError.message}` : ''}`,
  };
}

export async function ingestStep(ctx: CiContext, reports: string[]) {
  const { shard, options, revisions } = ctx;
  if (reports.length === 0) throw new StepNotRun('off', 'no test reports to record');
  // Every shard splits the selection on the history it reads: one that recorded its own run first
  // would change the split of the shards starting after it, and a test could fall between them.
  if (shard && shard.total > 1)
    throw new StepNotRun(
      'off',
      `shard ${shard.index}/${shard.total}: record every shard's ${CI_OUT_DIR}/junit-*.xml with testloop ingest after the matrix, so all shards split on the same history`,
    );
  const { ingestReports } = await import('../triage/ingest.ts');
  const value = await ingestReports({
    cwd: ctx.root,
    env: ctx.env,
    reports,
    ...(options.history ? { history: options.history } : {}),
    ...(revisions ? { run: { commit: revisions.head } } : {}),
  });
  return { value, detail: `${value.inserted} attempt(s) recorded from ${value.reports.length} report(s)` };
}

export async function triageStep(ctx: CiContext, found: CiFound): Promise<StepOutcome<TriageResult>> {
  const { options, root, env } = ctx;
  const { openHistoryStore } = await import('../history/open.ts');
  // Triage only reads: where nothing was ever recorded, no history file is left behind.
  const store = await openHistoryStore({
    cwd: root,
    env,
    readOnly: true,
    ...(options.history ? { path: options.history } : {}),
  }).catch((error: unknown) => {
    if (isTestloopError(error) && error.code === 'TESTLOOP_NO_HISTORY')
      throw new StepNotRun('off', `no test history recorded yet at ${options.history}`);
    throw error;
  });
  try {
    const { triage: triageRuns } = await import('../triage/triage.ts');
    const value: TriageResult = await triageRuns({ cwd: root, env, store });
    const suspects = value.findings.filter((f) => f.verdict !== 'healthy').slice(0, MAX_TRENDS);
    const { trendsOf } = await import('./trends.ts');
    found.trends = await trendsOf(
      store,
      suspects.map((f) => f.testId),
    );
    const count = (verdict: string) => value.findings.filter((f) => f.verdict === verdict).length;
    return {
      value,
      detail: `${count('flaky')} flaky, ${count('broken')} broken over ${value.stats.runs} recorded run(s)`,
    };
  } finally {
    await store.close();
  }
}

export async function fixStep(ctx: CiContext, triage: TriageResult | undefined, run: CiTestRun | undefined) {
  if (!triage) throw new StepNotRun('skipped', 'no triage result to fix flaky tests from');
  const { fixFlakyTests } = await import('./fix-flaky.ts');
  const value = await fixFlakyTests(triage, run?.failedTests ?? [], {
    root: ctx.root,
    env: ctx.env,
    log: ctx.log,
    max: MAX_FIXES,
    remainingMs: ctx.steps.remaining(),
    ...(ctx.options.llm ? { llm: ctx.options.llm } : {}),
  });
  const accepted = value.filter((f) => f.accepted).length;
  return { value, detail: `${accepted} of ${value.length} flaky test(s) fixed and proven` };
}

async function allProjects(root: string): Promise<Project[]> {
  const [{ trackedFiles }, { discoverProjects }] = await Promise.all([
    import('../git/diff.ts'),
    import('../select/projects.ts'),
  ]);
  return discoverProjects(root, await trackedFiles(root));
}

async function changedPaths(root: string, base: string, ownOutputs: readonly string[]): Promise<string[]> {
  const { changedPathsSince } = await import('../git/changed-paths.ts');
  const changes = withoutOwnOutputs(
    await changedPathsSince(root, base),
    ownOutputMatcher(root, root, ownOutputs),
  );
  return changes.filter((c) => c.status !== 'deleted').map((c) => c.path);
}

function describeRun(run: CiTestRun): string {
  const { passed, failed, skipped } = run.tests;
  const counts = `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
  return `${run.testFiles} of ${run.totalTestFiles} test files: ${counts}`;
}

function describeGaps(gaps: GapsResult): string {
  const { totals } = gaps;
  if (totals.coverableLines === 0) {
    const unmeasured = unmeasuredSources(gaps);
    return unmeasured > 0
      ? `no measured changed lines: ${unmeasured} changed source file(s) no coverage report mentions`
      : 'no changed line is measured code';
  }
  return `diff coverage ${totals.percent.toFixed(1)}%, ${totals.uncoveredLines} uncovered changed line(s)`;
}
