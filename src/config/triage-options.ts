import { MODEL_ENDPOINT_OPTIONS, TEXT_JSON_MARKDOWN } from './generate-options.ts';
import { durationOption, type OptionsOf, type OptionTable } from './option-table.ts';

const HISTORY = {
  type: 'string',
  description: 'SQLite history file (default .testloop/history.db); TESTLOOP_DATABASE_URL selects PostgreSQL',
} as const;

/**
 * `testloop ingest` options: each is a --flag, a TESTLOOP_* variable, a config key (top level or
 * "ingest") and a field of ingestReports. Unset run fields come from the CI's variables (GitHub Actions,
 * GitLab CI, Buildkite).
 */
export const INGEST_OPTIONS = {
  commit: {
    type: 'string',
    description: 'commit the reports ran on (default GITHUB_SHA, CI_COMMIT_SHA, BUILDKITE_COMMIT, git HEAD)',
  },
  branch: {
    type: 'string',
    description: 'branch (default GITHUB_HEAD_REF/GITHUB_REF_NAME, CI_COMMIT_REF_NAME, BUILDKITE_BRANCH)',
  },
  runId: {
    type: 'string',
    description: 'CI run id (default GITHUB_RUN_ID, CI_PIPELINE_ID, BUILDKITE_BUILD_ID, else local-<time>)',
  },
  attempt: {
    type: 'number',
    integer: true,
    min: 1,
    description: 're-run number of the job (default GITHUB_RUN_ATTEMPT, BUILDKITE_RETRY_COUNT+1, else 1)',
  },
  job: {
    type: 'string',
    description:
      'job name (default GITHUB_JOB with the OS and Node major, CI_JOB_NAME, BUILDKITE_STEP_KEY); name other matrix axes here',
  },
  startedAt: { type: 'string', description: 'ISO time the run started (default now, or CI_JOB_STARTED_AT)' },
  environment: {
    type: 'array',
    pattern: { regex: /^[^=]+=/, message: 'expected key=value' },
    description: 'environment fact key=value (os, node, image), repeatable',
  },
  history: HISTORY,
  json: { type: 'boolean', description: 'print the summary as JSON' },
} as const satisfies OptionTable;

export type IngestOptionsInput = OptionsOf<typeof INGEST_OPTIONS>;

/**
 * `testloop triage` options: each is a --flag, a TESTLOOP_* variable and a config key (top level or
 * "triage"), and a field of triage (or, for --fix, of fixTests).
 */
export const TRIAGE_OPTIONS = {
  runs: { type: 'number', integer: true, min: 1, description: 'judge the most recent runs (default 200)' },
  branch: { type: 'string', description: 'only runs of this branch' },
  rerun: {
    type: 'number',
    integer: true,
    min: 0,
    max: 100,
    description:
      'rerun each suspect N times alone and N times shuffled with its file to confirm it (default 0)',
  },
  format: TEXT_JSON_MARKDOWN,
  quarantine: {
    type: 'string',
    description: 'write (or update) this quarantine file: JSON list of flaky tests for setup files to skip',
  },
  notify: {
    type: 'string',
    format: 'url',
    description: 'POST a Slack-compatible message ({ text, blocks }) to this webhook URL',
  },
  failOn: {
    type: 'array',
    choices: ['flaky', 'broken'],
    description: 'exit 1 when a test is flaky or broken (default: always exit 0)',
  },
  codeowners: {
    type: 'string',
    description: 'CODEOWNERS file (default .github/CODEOWNERS, CODEOWNERS, docs/CODEOWNERS)',
  },
  history: HISTORY,
  explain: {
    type: 'boolean',
    description: 'ask the model about the top findings: ranked causes citing the evidence, with fixes',
  },
  explainTop: {
    type: 'number',
    integer: true,
    min: 1,
    max: 50,
    description: 'findings --explain asks about (default 5)',
  },
  fix: {
    type: 'array',
    description:
      'reproduce this test ("file › suite › name"), ask the model for a fix and prove it by reruns; repeatable',
  },
  allowSource: { type: 'boolean', description: '--fix may change source files too, not only test files' },
  write: {
    type: 'boolean',
    commandOnly: true,
    description: '--fix: apply accepted fixes to the working tree',
  },
  patch: {
    type: 'string',
    commandOnly: true,
    description: '--fix: write the accepted fixes to this patch file',
  },
  budget: durationOption('--fix: time to reproduce each test, e.g. 90s or 2m (default 2m)'),
  ...MODEL_ENDPOINT_OPTIONS,
  llmTimeout: durationOption('longest single model request (default 5m)'),
} as const satisfies OptionTable;

export type TriageOptionsInput = OptionsOf<typeof TRIAGE_OPTIONS>;
