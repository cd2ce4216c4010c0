import * as z from 'zod';

/** "90s", "2m", "1m30s", "500ms", "1h", or a bare number of seconds → milliseconds; undefined when unreadable. */
export function parseDuration(text: string): number | undefined {
  const value = text.trim().toLowerCase();
  if (/^\d+(?:\.\d+)?$/.test(value)) return Number(value) * 1000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = value;
  while (rest !== '') {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!match) return undefined;
    total += Number(match[1]) * units[match[2]!]!;
    rest = rest.slice(match[0].length);
  }
  return value === '' ? undefined : total;
}

/** A duration flag (`90s`, `2m`); read it with parseDuration. */
export const duration = z.string().refine((value) => parseDuration(value) !== undefined, {
  message: 'expected a duration such as 90s, 2m, 1m30s or 500ms',
});

/** The model endpoint, as every command that asks a model takes it (TESTLOOP_LLM_* variables, see LLM_ENV). */
export const modelEndpointOptions = {
  baseUrl: z
    .string()
    .url()
    .optional()
    .describe('OpenAI-compatible endpoint including /v1, e.g. http://127.0.0.1:11434/v1'),
  model: z.string().min(1).optional().describe('model name as the endpoint knows it'),
  api: z.enum(['chat', 'responses']).optional().describe('chat (Chat Completions, default) or responses'),
};

/**
 * `testloop generate` options: each is a --flag, a TESTLOOP_* variable and a config key (top level or
 * "generate"). The model endpoint is read from TESTLOOP_LLM_BASE_URL / TESTLOOP_LLM_MODEL / TESTLOOP_LLM_API,
 * and the API key only ever from TESTLOOP_LLM_API_KEY or OPENAI_API_KEY (never a flag or a config key).
 */
export const generateOptionsSchema = z.object({
  base: z
    .string()
    .min(1)
    .optional()
    .describe('base ref: write tests for the gaps of everything changed since it'),
  coverage: z
    .array(z.string().min(1))
    .optional()
    .describe('coverage report, repeatable; "format:path" forces a format (default: coverage/lcov.info, …)'),
  target: z
    .array(z.string().min(1))
    .optional()
    .describe('file:symbol to write tests for instead of the gaps (Class.method, object.method), repeatable'),
  engine: z
    .enum(['llm', 'stub'])
    .optional()
    .describe('llm (default when a base URL is set) or stub (offline todo skeletons)'),
  ...modelEndpointOptions,
  concurrency: z.number().int().min(1).max(64).optional().describe('targets worked on at once (default 4)'),
  budget: duration
    .optional()
    .describe('wall-clock budget, e.g. 90s or 2m: no target starts that cannot finish (default 10m)'),
  reruns: z
    .number()
    .int()
    .min(1)
    .max(20)
    .optional()
    .describe('passing runs in a row a test needs to count as stable (default 3)'),
  rerunIn: z
    .enum(['worker', 'process'])
    .optional()
    .describe(
      "vitest: rerun each test inside the first run's fresh worker process (worker, default) or give every rerun a fresh process (process)",
    ),
  allowNetwork: z
    .boolean()
    .optional()
    .describe(
      'let generated tests reach the network (default: a network namespace of their own, only its loopback)',
    ),
  repairs: z
    .number()
    .int()
    .min(0)
    .max(10)
    .optional()
    .describe('rounds a rejected test is sent back with its failure (default 2)'),
  maxTokensTotal: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('stop asking the model after this many tokens'),
  llmTimeout: duration
    .optional()
    .describe('longest single model request (default 5m); a stalled stream is cut sooner'),
  cacheDir: z.string().min(1).optional().describe('cache model replies in this folder (reruns cost nothing)'),
  write: z.boolean().optional().describe('write accepted tests (and stubs) next to the existing tests'),
  patch: z
    .string()
    .min(1)
    .optional()
    .describe('write accepted tests as a unified diff (new files only) to this file'),
  format: z
    .array(z.string().min(1))
    .optional()
    .describe('text (default), json or markdown; "kind:path" writes a file; repeatable'),
  strict: z
    .boolean()
    .optional()
    .describe('exit 3 when the model endpoint fails (default: report it and exit 0)'),
});

export type GenerateOptionsInput = z.infer<typeof generateOptionsSchema>;

/** The documented names of the endpoint variables, over the generic TESTLOOP_<KEY> ones. */
export const LLM_ENV: Record<string, string> = {
  TESTLOOP_BASE_URL: 'TESTLOOP_LLM_BASE_URL',
  TESTLOOP_MODEL: 'TESTLOOP_LLM_MODEL',
  TESTLOOP_API: 'TESTLOOP_LLM_API',
};

export const DEFAULT_BUDGET = '10m';
