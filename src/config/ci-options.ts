import * as z from 'zod';
import { CI_STEPS } from '../ci/types.ts';
import { duration } from './generate-options.ts';

/**
 * `testloop ci` options: each is a --flag, a TESTLOOP_* variable and a config key (top level or "ci"), and
 * an input of the GitHub Action. The model endpoint and key come as for generate (TESTLOOP_LLM_*).
 */
export const ciOptionsSchema = z.object({
  base: z
    .string()
    .min(1)
    .optional()
    .describe("base ref of the change (default: the CI's pull-request base, else the remote default branch)"),
  skip: z
    .array(z.enum(CI_STEPS as [string, ...string[]]))
    .optional()
    .describe(`steps to switch off, repeatable: ${CI_STEPS.join(', ')}`),
  budget: duration
    .optional()
    .describe('wall-clock budget for the whole step, e.g. 5m: steps that cannot start in time are skipped'),
  strict: z
    .boolean()
    .optional()
    .describe("fail closed: testloop's own failures and timeouts fail the build (default: reported only)"),
  failUnder: z
    .number()
    .min(0)
    .max(100)
    .optional()
    .describe('exit 1 when diff coverage is below this percent'),
  flaky: z
    .enum(['report', 'fail'])
    .optional()
    .describe('report (default) flaky tests, or fail the build when triage finds any'),
  coverage: z
    .array(z.string().min(1))
    .optional()
    .describe('coverage reports to read when the run step is off ("path" or "format:path"), repeatable'),
  reports: z
    .array(z.string().min(1))
    .optional()
    .describe("more JUnit reports or CI logs to record besides the run's own, repeatable"),
  generate: z
    .enum(['llm', 'stub', 'off'])
    .optional()
    .describe(
      'test generation: llm (default when TESTLOOP_LLM_BASE_URL is set), stub (offline skeletons), off',
    ),
  baseUrl: z
    .string()
    .url()
    .optional()
    .describe('OpenAI-compatible endpoint for generate (or TESTLOOP_LLM_BASE_URL)'),
  model: z.string().min(1).optional().describe('model name as the endpoint knows it'),
  allowNetwork: z
    .boolean()
    .optional()
    .describe(
      'let generated tests reach the network (default: a network namespace of their own, only its loopback)',
    ),
  patch: z
    .string()
    .min(1)
    .optional()
    .describe('write accepted generated tests as a patch here (default .testloop/ci/generated-tests.patch)'),
  fixFlaky: z
    .boolean()
    .optional()
    .describe(
      'after triage, reproduce the top flaky tests (at most 3), ask the model for fixes and prove them by reruns; never fails the build',
    ),
  history: z
    .string()
    .min(1)
    .optional()
    .describe('SQLite history file (default .testloop/history.db); TESTLOOP_DATABASE_URL selects PostgreSQL'),
  shard: z
    .string()
    .min(1)
    .optional()
    .describe(
      'run one shard of the selection on a parallel CI job: index/total counting from 1 (2/4), or auto from CircleCI, Buildkite or GitLab variables',
    ),
  comment: z
    .boolean()
    .optional()
    .describe(
      'post or update the sticky pull-request comment (GitHub, from CircleCI, Buildkite or Actions) or merge-request note (GitLab); a comment that cannot be posted is a warning unless --strict',
    ),
  format: z
    .array(z.string().min(1))
    .optional()
    .describe(
      'text (default), json, markdown, html:<folder>, and the gaps as github (annotations), gitlab (Code Quality) or sarif; kind:path writes to a file, repeatable',
    ),
});

export type CiOptionsInput = z.infer<typeof ciOptionsSchema>;
