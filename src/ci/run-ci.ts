import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CoverageArg } from '../coverage/load.ts';
import { type ErrorCode, isTestloopError } from '../errors.ts';
import { unmeasuredSources } from '../gaps/source-files.ts';
import type { GapsResult } from '../gaps/types.ts';
import { type Revisions, repositoryRoot, resolveRevisions } from '../git/base.ts';
import {
  absoluteOutputs,
  historyStoreFiles,
  ownOutputMatcher,
  withoutOwnOutputs,
} from '../git/own-outputs.ts';
import type { Project } from '../select/projects.ts';
import { parseShard } from '../select/shard.ts';
import type { TriageResult } from '../triage/types.ts';
import { evaluateGates, exitCodeOf } from './gates.ts';
import { runSelected } from './run-tests.ts';
import { InputError, StepNotRun, StepRunner } from './steps.ts';
import type { CiOptions, CiResult, CiStepName, CiTestRun, CiTrend } from './types.ts';

/** Where `testloop ci` leaves its JUnit and coverage reports and the patch, relative to the repository. */
export const CI_OUT_DIR = '.testloop/ci';
/** A base the user named that git cannot use: a mistake to fix, never a reason to run without the gates. */
const BASE_INPUT_ERRORS: readonly ErrorCode[] = ['TESTLOOP_UNKNOWN_REF', 'TESTLOOP_NO_MERGE_BASE'];
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

/**
 * `testloop ci` as a library call: select → run with coverage → gaps → generate → ingest → triage, each
 * fenced (a step that fails in testloop or runs out of budget is reported and skipped), then the gates.
 * The tests themselves are never cut short by the budget: their time counts against it, and the steps
 * after them get what is left.
 */
export async function runCi(options: CiOptions = {}): Promise<CiResult> {
  const started = performance.now();
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const skip = new Set<CiStepName>(options.skip ?? []);
  const steps = new StepRunner({
    skip,
    ...(options.budgetMs === undefined ? {} : { deadline: Date.now() + options.budgetMs }),
    onStep: options.onStep ?? (() => {}),
    ...(options.onStepStart ? { onStart: options.onStepStart } : {}),
  });

  // A bad --shard is a usage error before anything runs; the select step splits the selection itself.
  const shard =
    options.shard === undefined ? undefined : parseShard(options.shard, env, (text) => log(`${text}\n`));

  let revisions: Revisions | undefined;
  let revisionError: unknown;
  try {
    revisions = await resolveRevisions(cwd, options.base, env);
  } catch (error) {
    // A base that was only detected (the CI's, origin/HEAD) may be missing from this checkout: an outage of
    // the change's context, reported by each step and the gates; a base the user named is their input.
    if (options.base !== undefined && isTestloopError(error) && BASE_INPUT_ERRORS.includes(error.code))
      throw error;
    revisionError = error;
  }
  const root = revisions?.root ?? (await repositoryRoot(cwd));
  const outDir = join(root, CI_OUT_DIR);
  await rm(outDir, { recursive: true, force: true });
  // What this run writes is never a change to it (the steps below run from the root: absolute paths).
  const ownOutputs = absoluteOutputs(cwd, [
    ...(options.ownOutputs ?? []),
    ...(options.patch === undefined ? [] : [options.patch]),
    ...historyStoreFiles(options.history),
  ]);
  const needBase = (): Revisions => {
    if (revisions === undefined) throw revisionError;
    return revisions;
  };

  let projects: Project[] | undefined;
  let changedFiles: string[] = [];
  const selection = await steps.run('select', async () => {
    const { planSelection } = await import('../select/select-tests.ts');
    const plan = await planSelection({
      cwd: root,
      base: needBase().base,
      env,
      ownOutputs,
      ...(options.shard === undefined ? {} : { shard: options.shard }),
    });
    projects = plan.projects;
    const { result } = plan;
    changedFiles = await changedPaths(root, needBase().base, ownOutputs);
    const selected = result.all
      ? `all ${result.stats.totalTests} test files: ${result.reason ?? ''}`
      : `${result.shard?.selectedTests ?? result.tests.length} of ${result.stats.totalTests} test files for ${result.stats.changedFiles} changed file(s)`;
    const part = result.shard
      ? `; shard ${result.shard.index}/${result.shard.total} runs ${result.tests.length} of them`
      : '';
    return { value: result, detail: `${selected}${part}` };
  });

  const ran = await steps.run(
    'run',
    async () => {
      projects ??= await allProjects(root);
      if (changedFiles.length === 0 && revisions !== undefined)
        changedFiles = await changedPaths(root, revisions.base, ownOutputs);
      const value = await runSelected(skip.has('select') ? undefined : selection, projects, {
        root,
        outDir,
        changedSources: changedFiles,
        env,
        log,
      });
      return { value, detail: describeRun(value.run) };
    },
    { timed: false },
  );
  const run = ran?.run;

  const coverage: CoverageArg[] = ran ? ran.coverage : (options.coverage ?? []);
  const gaps = await steps.run('gaps', async () => {
    // Without a selection this machine ran every test: its coverage is whole even on a sharded job.
    if (shard && shard.total > 1 && selection !== undefined && !skip.has('select'))
      throw new StepNotRun(
        'off',
        `shard ${shard.index}/${shard.total} measures only its own tests: merge every shard's ${CI_OUT_DIR}/coverage-*/lcov.info with testloop gaps`,
      );
    if (coverage.length === 0 && run !== undefined)
      throw new StepNotRun('skipped', 'the test run wrote no coverage report');
    const { findGaps } = await import('../gaps/find-gaps.ts');
    try {
      const value = await findGaps({
        cwd: root,
        base: needBase().base,
        ...(coverage.length > 0 ? { coverage } : {}),
        ...(options.failUnder === undefined ? {} : { failUnder: options.failUnder }),
        allowEmpty: true,
        ownOutputs,
        env,
      });
      return { value, detail: describeGaps(value) };
    } catch (error) {
      const named = run === undefined && options.coverage !== undefined && options.coverage.length > 0;
      if (named && isTestloopError(error) && COVERAGE_INPUT_ERRORS.includes(error.code))
        throw new InputError(error);
      throw error;
    }
  });

  const generate = await steps.run('generate', async () => {
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
    const budget = steps.remaining();
    const value = await generateTests({
      cwd: root,
      base: needBase().base,
      coverage,
      engine,
      ...(options.llm ? { llm: { ...options.llm } } : {}),
      ...(Number.isFinite(budget)
        ? { budgetMs: Math.max(1_000, budget - Math.min(RESERVE_MS, budget / 4)) }
        : {}),
      patch: options.patch ?? `${CI_OUT_DIR}/generated-tests.patch`,
      ownOutputs,
      ...(options.allowNetwork ? { allowNetwork: true } : {}),
      env: options.llm?.apiKey ? { ...env, TESTLOOP_LLM_API_KEY: options.llm.apiKey } : env,
      log: (line) => log(line),
    });
    return {
      value,
      detail:
        engine === 'stub'
          ? `${value.stubs.length} test skeleton(s) (offline, no endpoint configured)${value.patch !== undefined && value.stubs.length > 0 ? ` in ${value.patch}` : ''}`
          : `${value.accepted.length} accepted of ${value.stats.targets} target(s)${value.llmError ? `; model endpoint failed: ${value.llmError.message}` : ''}`,
    };
  });

  const reports = [...(run?.reports ?? []), ...(options.reports ?? [])];
  await steps.run('ingest', async () => {
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
      cwd: root,
      env,
      reports,
      ...(options.history ? { history: options.history } : {}),
      ...(revisions ? { run: { commit: revisions.head } } : {}),
    });
    return { value, detail: `${value.inserted} attempt(s) recorded from ${value.reports.length} report(s)` };
  });

  let trends: CiTrend[] | undefined;
  const triage = await steps.run('triage', async () => {
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
      trends = await trendsOf(
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
  });

  const fixes = options.fixFlaky
    ? await steps.run('fix', async () => {
        if (!triage) throw new StepNotRun('skipped', 'no triage result to fix flaky tests from');
        const { fixFlakyTests } = await import('./fix-flaky.ts');
        const value = await fixFlakyTests(triage, run?.failedTests ?? [], {
          root,
          env,
          log,
          max: MAX_FIXES,
          remainingMs: steps.remaining(),
          ...(options.llm ? { llm: options.llm } : {}),
        });
        const accepted = value.filter((f) => f.accepted).length;
        return { value, detail: `${accepted} of ${value.length} flaky test(s) fixed and proven` };
      })
    : undefined;

  const partial = {
    ...(revisions ? { base: revisions.base, head: revisions.head } : {}),
    steps: steps.steps,
    ...(selection ? { selection } : {}),
    ...(run ? { run } : {}),
    ...(gaps ? { gaps } : {}),
    ...(generate ? { generate } : {}),
    ...(triage ? { triage } : {}),
    ...(trends && trends.length > 0 ? { trends } : {}),
    ...(fixes ? { fixes } : {}),
    stats: {
      ms: Math.round(performance.now() - started),
      ...(options.budgetMs === undefined ? {} : { budgetMs: options.budgetMs }),
      ...(generate?.stats.sandbox ? { sandbox: generate.stats.sandbox } : {}),
    },
  };
  const gates = evaluateGates(partial, options);
  return { ...partial, gates, exitCode: exitCodeOf(gates, options.strict === true) };
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
