/** The Action's inputs (mirroring `testloop ci` flags) → CiOptions and the publishing switches. */
import { CI_STEPS, type CiOptions, type CiStepName } from '../../ci/types.ts';
import { parseDuration } from '../../config/duration.ts';
import { TestloopError } from '../../errors.ts';
import { getBooleanInput, getInput } from './context.ts';

/** Where the patch of accepted tests goes when the `patch` input is empty: the comment and the proposal read it. */
export const DEFAULT_PATCH = '.testloop/tests.patch';

export interface ActionSettings {
  options: CiOptions;
  comment: boolean;
  proposeTests: boolean;
  /** Repository-relative paths, '' when not wanted. */
  sarif: string;
  patch: string;
  /** The artifact name the workflow uploads the patch as, shown in the comment. */
  patchArtifact: string;
  strict: boolean;
}

export function readInputs(env: NodeJS.ProcessEnv, cwd: string): ActionSettings {
  const options: CiOptions = { cwd, env };
  const base = getInput(env, 'base');
  if (base) options.base = base;
  const budget = getInput(env, 'budget');
  if (budget) {
    const ms = parseDuration(budget);
    if (ms === undefined || ms <= 0) throw usage('budget', budget, 'a duration such as 10m, 90s or 1m30s');
    options.budgetMs = ms;
  }
  const strict = getBooleanInput(env, 'strict', false);
  if (strict) options.strict = true;
  const failUnder = getInput(env, 'fail-under');
  if (failUnder) {
    const percent = Number(failUnder.replace(/%$/, ''));
    if (!Number.isFinite(percent) || percent < 0 || percent > 100) {
      throw usage('fail-under', failUnder, 'a percentage from 0 to 100');
    }
    options.failUnder = percent;
  }
  const flaky = getInput(env, 'flaky');
  if (flaky) {
    if (flaky !== 'report' && flaky !== 'fail') throw usage('flaky', flaky, 'report or fail');
    options.flaky = flaky;
  }
  const skip = list(getInput(env, 'skip'));
  if (skip.length > 0) {
    const unknown = skip.filter((step) => !CI_STEPS.includes(step as CiStepName));
    if (unknown.length > 0) throw usage('skip', unknown.join(','), `a comma list of ${CI_STEPS.join(', ')}`);
    options.skip = skip as CiStepName[];
  }
  const coverage = list(getInput(env, 'coverage'));
  if (coverage.length > 0) options.coverage = coverage;
  const reports = list(getInput(env, 'reports'));
  if (reports.length > 0) options.reports = reports;
  const llm: NonNullable<CiOptions['llm']> = {};
  const baseUrl = getInput(env, 'llm-base-url');
  if (baseUrl) llm.baseUrl = baseUrl;
  const model = getInput(env, 'model');
  if (model) llm.model = model;
  const apiKey = getInput(env, 'llm-api-key');
  if (apiKey) llm.apiKey = apiKey;
  if (Object.keys(llm).length > 0) options.llm = llm;
  const generate = getInput(env, 'generate');
  if (generate) {
    if (generate !== 'llm' && generate !== 'stub' && generate !== 'off') {
      throw usage('generate', generate, 'llm, stub or off');
    }
    options.generateEngine = generate;
  }
  const history = getInput(env, 'history');
  if (history) options.history = history;
  const shard = getInput(env, 'shard');
  if (shard) options.shard = shard;
  if (getBooleanInput(env, 'allow-network', false)) options.allowNetwork = true;
  if (getBooleanInput(env, 'fix-flaky', false)) options.fixFlaky = true;
  const generating = generate !== 'off' && !skip.includes('generate');
  const patch = getInput(env, 'patch') || (generating ? DEFAULT_PATCH : '');
  if (patch) options.patch = patch;
  const sarif = getInput(env, 'sarif');
  // The SARIF file is written after the run, into the checkout: the next run must not see it as a change.
  if (sarif) options.ownOutputs = [sarif];
  return {
    options,
    comment: getBooleanInput(env, 'comment', true),
    proposeTests: getBooleanInput(env, 'propose-tests', false),
    sarif,
    patch,
    patchArtifact: getInput(env, 'patch-artifact'),
    strict,
  };
}

/** Comma- or newline-separated, as multi-value Action inputs are usually written. */
function list(value: string): string[] {
  return value
    .split(/[,\n]/)
    .map((item) => item.trim())
    .filter(Boolean);
}

function usage(input: string, value: string, expected: string): TestloopError {
  return new TestloopError(
    'TESTLOOP_USAGE',
    `input ${input}: "${value}" is not ${expected}; fix it in the workflow's with: block`,
  );
}
