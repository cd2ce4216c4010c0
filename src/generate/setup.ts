import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { loadCoverage, toCoverageInput } from '../coverage/load.ts';
import { mapCoverageToRepository } from '../coverage/paths.ts';
import type { FileCoverage } from '../coverage/types.ts';
import { isTestloopError, TestloopError } from '../errors.ts';
import { findGaps } from '../gaps/find-gaps.ts';
import type { LlmClient } from '../llm/types.ts';
import type { Sandbox } from '../sandbox/index.ts';
import type { Project } from '../select/projects.ts';
import { type MeasuredCoverage, measureCoverage } from './measure-coverage.ts';
import type { GenerateOptions, ValidatorFactory } from './pipeline.ts';
import { type CollectedTargets, collectTargets, unsupportedReason } from './targets.ts';
import type { CandidateValidator, GenerateResult, TestEngine } from './types.ts';

// What a run is made of, before any target starts: the targets, the engine, one validator per package.

export async function targetsOf(
  options: GenerateOptions,
  cwd: string,
  root: string,
  files: ReadonlySet<string>,
  projects: Project[],
  env: NodeJS.ProcessEnv,
  warnings: string[],
  log: (line: string) => void,
  stats: Pick<GenerateResult['stats'], 'coverageRun'>,
): Promise<CollectedTargets> {
  if (options.targets && options.targets.length > 0) {
    const specs = options.targets.map((spec) => {
      const colon = spec.lastIndexOf(':');
      if (colon <= 0) return spec;
      const absolute = resolve(cwd, spec.slice(0, colon));
      const rel = relative(root, absolute);
      if (rel.startsWith('..') || isAbsolute(rel))
        throw new TestloopError('TESTLOOP_USAGE', `--target ${spec}: the file is outside the repository`);
      return `${rel.split(sep).join('/')}${spec.slice(colon)}`;
    });
    let coverage: Map<string, FileCoverage> | undefined;
    if (options.coverage && options.coverage.length > 0) {
      const reports = await loadCoverage(options.coverage.map(toCoverageInput), { cwd, srcRoots: [] });
      const mapped = mapCoverageToRepository(reports, root, cwd, new Set(files));
      coverage = mapped.files;
    } else {
      // No report: the files' own tests say what is covered (./measure-coverage.ts).
      const named = specs.flatMap((spec) =>
        spec.lastIndexOf(':') > 0 ? [spec.slice(0, spec.lastIndexOf(':'))] : [],
      );
      const measured = await measureFiles(options, root, named, projects, env, log);
      warnings.push(...measured.warnings);
      stats.coverageRun = measured.run;
      return collectTargets({ root, projects, specs, coverage: measured.coverage, measured: true });
    }
    return collectTargets({ root, projects, specs, ...(coverage ? { coverage } : {}) });
  }
  const gapsOf = (measured?: ReadonlyMap<string, FileCoverage>) =>
    findGaps({
      cwd,
      env,
      allowEmpty: true,
      ...(options.base === undefined ? {} : { base: options.base }),
      ...(options.coverage === undefined ? {} : { coverage: options.coverage }),
      ...(measured === undefined ? {} : { measured }),
      ownOutputs: [...(options.ownOutputs ?? []), ...(options.patch === undefined ? [] : [options.patch])],
    });
  let gaps: Awaited<ReturnType<typeof findGaps>>;
  try {
    gaps = await gapsOf();
  } catch (error) {
    if (!isTestloopError(error) || error.code !== 'TESTLOOP_NO_COVERAGE' || options.coverage?.length)
      throw error;
    // No report anywhere: the changed files' own tests say what is covered, as for --target.
    const changed = (await gapsOf(new Map())).files.filter((file) => file.changedLines > 0);
    const measured = await measureFiles(
      options,
      root,
      changed.map((file) => file.path),
      projects,
      env,
      log,
    );
    warnings.push(...measured.warnings);
    stats.coverageRun = measured.run;
    gaps = await gapsOf(measured.coverage);
    // The files no test measured count as uncovered, as the warnings above say.
    gaps = { ...gaps, warnings: gaps.warnings.filter((w) => !w.includes('no coverage report mentions it')) };
  }
  warnings.push(...gaps.warnings);
  return collectTargets({ root, projects, gaps });
}

/** Coverage of the named files that can get tests, from a run of their existing tests. */
async function measureFiles(
  options: GenerateOptions,
  root: string,
  named: readonly string[],
  projects: Project[],
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<MeasuredCoverage> {
  const files = [...new Set(named)].filter(
    (file) => unsupportedReason(file, projects) === undefined && existsSync(join(root, file)),
  );
  if (files.length === 0) return { coverage: new Map(), warnings: [], run: { testFiles: 0, ms: 0 } };
  return measureCoverage({
    root,
    files,
    projects,
    env,
    // The whole suite of a file may run: longer than one candidate's run, never longer than the budget.
    timeoutMs: Math.min(options.runTimeoutMs ?? 300_000, options.budgetMs ?? Number.POSITIVE_INFINITY),
    log,
  });
}

export async function createEngine(
  options: GenerateOptions,
  name: 'llm' | 'stub',
  env: NodeJS.ProcessEnv,
  deadline: number | undefined,
  readSource: (file: string) => string | undefined,
): Promise<{ engine: TestEngine; client?: LlmClient }> {
  if (options.testEngine)
    return { engine: options.testEngine, ...(options.client ? { client: options.client } : {}) };
  if (name === 'stub') {
    const { createStubEngine } = await import('./engines/stub/index.ts');
    return { engine: createStubEngine({ readSource }) };
  }
  const { createLlmEngine } = await import('./engines/llm/index.ts');
  let client = options.client;
  if (!client) {
    const { baseUrl, model } = options.llm ?? {};
    if (!baseUrl)
      throw new TestloopError(
        'TESTLOOP_USAGE',
        'the llm engine needs a base URL: set --base-url or TESTLOOP_LLM_BASE_URL, or use --engine stub',
      );
    if (!model)
      throw new TestloopError(
        'TESTLOOP_USAGE',
        'the llm engine needs a model: set --model or TESTLOOP_LLM_MODEL',
      );
    const { createLlmClient } = await import('../llm/index.ts');
    client = createLlmClient({
      baseUrl,
      model,
      env,
      concurrency: options.concurrency ?? 4,
      ...(options.llm?.api ? { api: options.llm.api } : {}),
      ...(options.llm?.requestTimeoutMs === undefined
        ? {}
        : { requestTimeoutMs: options.llm.requestTimeoutMs }),
      ...(options.maxTokensTotal === undefined ? {} : { tokenBudget: options.maxTokensTotal }),
      ...(deadline === undefined ? {} : { deadline }),
      ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
    });
  }
  return { engine: createLlmEngine({ client }), client };
}

export async function createValidatorFor(
  options: GenerateOptions,
  root: string,
  project: Project,
  reruns: number,
  env: NodeJS.ProcessEnv,
  deadline: number | undefined,
  sandbox?: Sandbox,
): Promise<CandidateValidator> {
  const factory = options.createValidator ?? (await defaultValidatorFactory());
  const cap = options.runTimeoutMs ?? 120_000;
  const timeoutMs = deadline === undefined ? cap : Math.max(5_000, Math.min(cap, deadline - Date.now()));
  return factory({
    root,
    project: project.info,
    adapter: project.runner!,
    reruns,
    timeoutMs,
    env,
    ...(options.rerunIn === undefined ? {} : { rerunIn: options.rerunIn }),
    ...(options.allowNetwork === undefined ? {} : { allowNetwork: options.allowNetwork }),
    ...(sandbox === undefined ? {} : { sandbox }),
  });
}

async function defaultValidatorFactory(): Promise<ValidatorFactory> {
  return (await import('./validate.ts')).createValidator;
}
