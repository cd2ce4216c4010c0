import * as z from 'zod';
import { duration, modelEndpointOptions } from './generate-options.ts';

const history = z
  .string()
  .min(1)
  .optional()
  .describe('SQLite history file (default .testloop/history.db); TESTLOOP_DATABASE_URL selects PostgreSQL');

/**
 * `testloop ingest` options: each is a --flag, a TESTLOOP_* variable and a config key (top level or
 * "ingest"). Unset run fields come from the CI's variables (GitHub Actions, GitLab CI, Buildkite).
 */
export const ingestOptionsSchema = z.object({
  commit: z
    .string()
    .min(1)
    .optional()
    .describe('commit the reports ran on (default GITHUB_SHA, CI_COMMIT_SHA, BUILDKITE_COMMIT, git HEAD)'),
  branch: z
    .string()
    .min(1)
    .optional()
    .describe('branch (default GITHUB_HEAD_REF/GITHUB_REF_NAME, CI_COMMIT_REF_NAME, BUILDKITE_BRANCH)'),
  runId: z
    .string()
    .min(1)
    .optional()
    .describe('CI run id (default GITHUB_RUN_ID, CI_PIPELINE_ID, BUILDKITE_BUILD_ID, else local-<time>)'),
  attempt: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe('re-run number of the job (default GITHUB_RUN_ATTEMPT, BUILDKITE_RETRY_COUNT+1, else 1)'),
  job: z
    .string()
    .min(1)
    .optional()
    .describe(
      'job name (default GITHUB_JOB with the OS and Node major, CI_JOB_NAME, BUILDKITE_STEP_KEY); name other matrix axes here',
    ),
  startedAt: z
    .string()
    .min(1)
    .optional()
    .describe('ISO time the run started (default now, or CI_JOB_STARTED_AT)'),
  environment: z
    .array(z.string().regex(/^[^=]+=/, 'expected key=value'))
    .optional()
    .describe('environment fact key=value (os, node, image), repeatable'),
  history,
  json: z.boolean().optional().describe('print the summary as JSON'),
});

export type IngestOptionsInput = z.infer<typeof ingestOptionsSchema>;

/** `testloop triage` options: each is a --flag, a TESTLOOP_* variable and a config key (top level or "triage"). */
export const triageOptionsSchema = z.object({
  runs: z.number().int().min(1).optional().describe('judge the most recent runs (default 200)'),
  branch: z.string().min(1).optional().describe('only runs of this branch'),
  rerun: z
    .number()
    .int()
    .min(0)
    .max(100)
    .optional()
    .describe(
      'rerun each suspect N times alone and N times shuffled with its file to confirm it (default 0)',
    ),
  format: z
    .array(z.string().min(1))
    .optional()
    .describe('text (default), json or markdown; "kind:path" writes a file; repeatable'),
  quarantine: z
    .string()
    .min(1)
    .optional()
    .describe('write (or update) this quarantine file: JSON list of flaky tests for setup files to skip'),
  notify: z
    .string()
    .url()
    .optional()
    .describe('POST a Slack-compatible message ({ text, blocks }) to this webhook URL'),
  failOn: z
    .array(z.enum(['flaky', 'broken']))
    .optional()
    .describe('exit 1 when a test is flaky or broken (default: always exit 0)'),
  codeowners: z
    .string()
    .min(1)
    .optional()
    .describe('CODEOWNERS file (default .github/CODEOWNERS, CODEOWNERS, docs/CODEOWNERS)'),
  history,
  explain: z
    .boolean()
    .optional()
    .describe('ask the model about the top findings: ranked causes citing the evidence, with fixes'),
  explainTop: z
    .number()
    .int()
    .min(1)
    .max(50)
    .optional()
    .describe('findings --explain asks about (default 5)'),
  fix: z
    .array(z.string().min(1))
    .optional()
    .describe(
      'reproduce this test ("file › suite › name"), ask the model for a fix and prove it by reruns; repeatable',
    ),
  allowSource: z.boolean().optional().describe('--fix may change source files too, not only test files'),
  write: z
    .boolean()
    .optional()
    .meta({ commandOnly: true })
    .describe('--fix: apply accepted fixes to the working tree'),
  patch: z
    .string()
    .min(1)
    .optional()
    .meta({ commandOnly: true })
    .describe('--fix: write the accepted fixes to this patch file'),
  budget: duration.optional().describe('--fix: time to reproduce each test, e.g. 90s or 2m (default 2m)'),
  ...modelEndpointOptions,
  llmTimeout: duration.optional().describe('longest single model request (default 5m)'),
});

export type TriageOptionsInput = z.infer<typeof triageOptionsSchema>;
