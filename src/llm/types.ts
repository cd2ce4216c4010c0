import type * as z from 'zod';

export type LlmApi = 'chat' | 'responses';

export interface LlmClientOptions {
  /** An OpenAI-compatible base URL including the version path, e.g. `http://127.0.0.1:11434/v1`. */
  baseUrl: string;
  model: string;
  /** Falls back to TESTLOOP_LLM_API_KEY, then OPENAI_API_KEY, in `env`. */
  apiKey?: string;
  /** Where the key is looked up; the library never reads process.env itself. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Chat Completions (default: every compatible server has it) or the Responses API. */
  api?: LlmApi;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Longest time one attempt may take, headers to last token (default 300 000). */
  requestTimeoutMs?: number;
  /** Longest silence between two stream chunks once the stream has started (default 60 000). */
  idleTimeoutMs?: number;
  /** Retries after the first attempt on 429, 5xx, timeouts and connection errors (default 3). */
  maxRetries?: number;
  /** First backoff step; doubles per retry, with jitter (default 500). */
  retryBaseMs?: number;
  /** A Retry-After longer than this fails at once instead of waiting (default 60 000). */
  maxRetryAfterMs?: number;
  /** Prompt + completion tokens this client may spend; no request starts once it is spent. */
  tokenBudget?: number;
  /** Absolute time (ms since epoch): no request starts that cannot finish before it. */
  deadline?: number;
  /** Enables the on-disk response cache. */
  cacheDir?: string;
  /** Sent only when set (reasoning models reject anything but their default). */
  temperature?: number;
  /** Completion cap when a request names none (default 4096). */
  defaultMaxTokens?: number;
}

export interface CompletionRequest<T = unknown> {
  system: string;
  user: string;
  /** A zod schema (an object at the root): the reply is parsed, validated and returned as `json`. */
  schema?: z.ZodType<T>;
  /**
   * Reads the reply instead of the schema's JSON parse (the schema is still sent as structured output):
   * for callers that also accept other forms. A failure is `bad-output` with its detail.
   */
  parse?: (text: string) => { ok: true; value: T } | { ok: false; detail: string };
  maxTokens?: number;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface CompletionResult<T = unknown> {
  text: string;
  json?: T;
  usage: TokenUsage;
  cached: boolean;
  /** Wall time of the call, retries and waits included. */
  ms: number;
  /** Time to first token of the attempt that succeeded (undefined on a cache hit). */
  ttftMs?: number;
  /** Generation speed of that attempt, when measurable. */
  tokensPerSecond?: number;
}

export interface UsageTotals {
  /** HTTP requests sent, retries included; cache hits send none. */
  requests: number;
  promptTokens: number;
  completionTokens: number;
  /** Time spent in requests, summed over requests (so it can exceed wall time under concurrency). */
  seconds: number;
  retries: number;
  cacheHits: number;
}

export interface LlmClient {
  complete<T = unknown>(request: CompletionRequest<T>): Promise<CompletionResult<T>>;
  usage(): UsageTotals;
  close(): Promise<void>;
}
