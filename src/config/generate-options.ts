import { durationOption, type OptionsOf, type OptionTable } from './option-table.ts';

/**
 * The model endpoint, as every command that asks a model takes it: the documented TESTLOOP_LLM_*
 * variables, the generic TESTLOOP_<KEY> ones too.
 */
export const MODEL_ENDPOINT_OPTIONS = {
  baseUrl: {
    type: 'string',
    format: 'url',
    env: 'TESTLOOP_LLM_BASE_URL',
    description: 'OpenAI-compatible endpoint including /v1, e.g. http://127.0.0.1:11434/v1',
  },
  model: { type: 'string', env: 'TESTLOOP_LLM_MODEL', description: 'model name as the endpoint knows it' },
  api: {
    type: 'string',
    choices: ['chat', 'responses'],
    env: 'TESTLOOP_LLM_API',
    description: 'chat (Chat Completions, default) or responses',
  },
} as const satisfies OptionTable;

/** --format of the commands that print text, json or markdown (generate, triage). */
export const TEXT_JSON_MARKDOWN = {
  type: 'array',
  description: 'text (default), json or markdown; "kind:path" writes a file; repeatable',
} as const;

/**
 * `testloop generate` options: each is a --flag, a TESTLOOP_* variable and a config key (top level or
 * "generate"), and a field of generateTests. The API key is read only from TESTLOOP_LLM_API_KEY or
 * OPENAI_API_KEY (never a flag or a config key).
 */
export const GENERATE_OPTIONS = {
  base: { type: 'string', description: 'base ref: write tests for the gaps of everything changed since it' },
  coverage: {
    type: 'array',
    description:
      'coverage report, repeatable; "format:path" forces a format (default: coverage/lcov.info, …)',
  },
  target: {
    type: 'array',
    description:
      'file:symbol to write tests for instead of the gaps (Class.method, object.method), repeatable',
  },
  engine: {
    type: 'string',
    choices: ['llm', 'stub'],
    description: 'llm (default when a base URL is set) or stub (offline todo skeletons)',
  },
  ...MODEL_ENDPOINT_OPTIONS,
  concurrency: {
    type: 'number',
    integer: true,
    min: 1,
    max: 64,
    description: 'targets worked on at once (default 4)',
  },
  budget: durationOption(
    'wall-clock budget, e.g. 90s or 2m: no target starts that cannot finish (default 10m)',
  ),
  reruns: {
    type: 'number',
    integer: true,
    min: 1,
    max: 20,
    description: 'passing runs in a row a test needs to count as stable (default 3)',
  },
  rerunIn: {
    type: 'string',
    choices: ['worker', 'process'],
    description:
      "vitest: rerun each test inside the first run's fresh worker process (worker, default) or give every rerun a fresh process (process)",
  },
  allowNetwork: {
    type: 'boolean',
    description:
      'let generated tests reach the network (default: a network namespace of their own, only its loopback)',
  },
  repairs: {
    type: 'number',
    integer: true,
    min: 0,
    max: 10,
    description: 'rounds a rejected test is sent back with its failure (default 2)',
  },
  maxTokensTotal: {
    type: 'number',
    integer: true,
    above: 0,
    description: 'stop asking the model after this many tokens',
  },
  llmTimeout: durationOption('longest single model request (default 5m); a stalled stream is cut sooner'),
  cacheDir: { type: 'string', description: 'cache model replies in this folder (reruns cost nothing)' },
  write: { type: 'boolean', description: 'write accepted tests (and stubs) next to the existing tests' },
  patch: {
    type: 'string',
    description: 'write accepted tests as a unified diff (new files only) to this file',
  },
  format: TEXT_JSON_MARKDOWN,
  strict: {
    type: 'boolean',
    description: 'exit 3 when the model endpoint fails (default: report it and exit 0)',
  },
} as const satisfies OptionTable;

export type GenerateOptionsInput = OptionsOf<typeof GENERATE_OPTIONS>;

export const DEFAULT_BUDGET = '10m';
