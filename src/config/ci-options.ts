import { CI_STEPS } from '../ci/types.ts';
import { durationOption, type OptionsOf, type OptionTable } from './option-table.ts';

/**
 * `testloop ci` options: each is a --flag, a TESTLOOP_* variable and a config key (top level or "ci"), an
 * input of the GitHub Action and a field of runCi. The model endpoint and key come as for generate
 * (TESTLOOP_LLM_*).
 */
export const CI_OPTIONS = {
  base: {
    type: 'string',
    description:
      "base ref of the change (default: the CI's pull-request base, else the remote default branch)",
  },
  skip: {
    type: 'array',
    choices: CI_STEPS,
    description: `steps to switch off, repeatable: ${CI_STEPS.join(', ')}`,
  },
  budget: durationOption(
    'wall-clock budget for the whole step, e.g. 5m: steps that cannot start in time are skipped',
  ),
  strict: {
    type: 'boolean',
    description: "fail closed: testloop's own failures and timeouts fail the build (default: reported only)",
  },
  failUnder: {
    type: 'number',
    min: 0,
    max: 100,
    description: 'exit 1 when diff coverage is below this percent',
  },
  flaky: {
    type: 'string',
    choices: ['report', 'fail'],
    description: 'report (default) flaky tests, or fail the build when triage finds any',
  },
  coverage: {
    type: 'array',
    description: 'coverage reports to read when the run step is off ("path" or "format:path"), repeatable',
  },
  reports: {
    type: 'array',
    description: "more JUnit reports or CI logs to record besides the run's own, repeatable",
  },
  generate: {
    type: 'string',
    choices: ['llm', 'stub', 'off'],
    description:
      'test generation: llm (default when TESTLOOP_LLM_BASE_URL is set), stub (offline skeletons), off',
  },
  baseUrl: {
    type: 'string',
    format: 'url',
    env: 'TESTLOOP_LLM_BASE_URL',
    description: 'OpenAI-compatible endpoint for generate (or TESTLOOP_LLM_BASE_URL)',
  },
  model: { type: 'string', env: 'TESTLOOP_LLM_MODEL', description: 'model name as the endpoint knows it' },
  allowNetwork: {
    type: 'boolean',
    description:
      'let generated tests reach the network (default: a network namespace of their own, only its loopback)',
  },
  patch: {
    type: 'string',
    description:
      'write accepted generated tests as a patch here (default .testloop/ci/generated-tests.patch)',
  },
  fixFlaky: {
    type: 'boolean',
    description:
      'after triage, reproduce the top flaky tests (at most 3), ask the model for fixes and prove them by reruns; never fails the build',
  },
  history: {
    type: 'string',
    description:
      'SQLite history file (default .testloop/history.db); TESTLOOP_DATABASE_URL selects PostgreSQL',
  },
  shard: {
    type: 'string',
    description:
      'run one shard of the selection on a parallel CI job: index/total counting from 1 (2/4), or auto from CircleCI, Buildkite or GitLab variables',
  },
  comment: {
    type: 'boolean',
    description:
      'post or update the sticky pull-request comment (GitHub, from CircleCI, Buildkite or Actions) or merge-request note (GitLab); a comment that cannot be posted is a warning unless --strict',
  },
  format: {
    type: 'array',
    description:
      'text (default), json, markdown, html:<folder>, and the gaps as github (annotations), gitlab (Code Quality) or sarif; kind:path writes to a file, repeatable',
  },
} as const satisfies OptionTable;

export type CiOptionsInput = OptionsOf<typeof CI_OPTIONS>;
