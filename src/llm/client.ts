import OpenAI from 'openai';
import { TestloopError } from '../errors.ts';
import { adapters, type Prompt } from './apis.ts';
import { cacheKey, ResponseCache } from './cache.ts';
import { downgrade, initialCompat } from './compat.ts';
import { endpointLabel, type Failure, toLlmError } from './errors.ts';
import { stripThinking } from './extract.ts';
import { Pace } from './pace.ts';
import { type Outcome, withRetries } from './retry.ts';
import { Semaphore } from './semaphore.ts';
import { consumeStream, type StreamResult } from './stream.ts';
import { jsonInstruction, parseStructured, type SchemaSpec, schemaSpec } from './structured.ts';
import type {
  CompletionRequest,
  CompletionResult,
  LlmClient,
  LlmClientOptions,
  UsageTotals,
} from './types.ts';

/** An OpenAI-compatible client for CI: always streaming, bounded in time, tokens and concurrency. */
export function createLlmClient(options: LlmClientOptions): LlmClient {
  if (!URL.canParse(options.baseUrl)) {
    throw new TestloopError(
      'TESTLOOP_CONFIG',
      `${endpointLabel(options.baseUrl)}: not a URL. Set the LLM base URL, e.g. http://127.0.0.1:11434/v1`,
    );
  }
  const client = new StreamingClient(options);
  return {
    complete: (request) => client.track(client.complete(request)),
    usage: () => client.usage(),
    close: () => client.close(),
  };
}

class StreamingClient {
  readonly #options: LlmClientOptions;
  readonly #endpoint: string;
  readonly #apiKey: string | undefined;
  readonly #api: NonNullable<LlmClientOptions['api']>;
  readonly #limits: { requestTimeoutMs: number; idleTimeoutMs: number; deadline: number | undefined };
  readonly #sdk: OpenAI;
  readonly #compat = initialCompat();
  readonly #pace = new Pace();
  readonly #semaphore: Semaphore;
  readonly #cache: ResponseCache | undefined;
  readonly #totals: UsageTotals = {
    requests: 0,
    promptTokens: 0,
    completionTokens: 0,
    seconds: 0,
    retries: 0,
    cacheHits: 0,
  };
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(options: LlmClientOptions) {
    this.#options = options;
    this.#endpoint = endpointLabel(options.baseUrl);
    const env = options.env ?? {};
    this.#apiKey = options.apiKey || env.TESTLOOP_LLM_API_KEY || env.OPENAI_API_KEY || undefined;
    this.#api = options.api ?? 'chat';
    const requestTimeoutMs = options.requestTimeoutMs ?? 300_000;
    this.#limits = {
      requestTimeoutMs,
      idleTimeoutMs: options.idleTimeoutMs ?? Math.min(60_000, requestTimeoutMs),
      deadline: options.deadline,
    };
    this.#sdk = new OpenAI({
      apiKey: this.#apiKey ?? 'no-key', // local servers want none, the SDK wants one
      baseURL: options.baseUrl,
      maxRetries: 0, // retries are ours: they honour the deadline and are counted
      timeout: requestTimeoutMs + 1_000, // ours fires first and also covers the stream body
      organization: null,
      project: null,
      adminAPIKey: null,
      webhookSecret: null,
      logLevel: 'off',
    });
    this.#semaphore = new Semaphore(options.concurrency ?? 4);
    this.#cache = options.cacheDir === undefined ? undefined : new ResponseCache(options.cacheDir);
  }

  usage(): UsageTotals {
    return { ...this.#totals };
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#inFlight]);
  }

  /** `close` waits for every call still running. */
  track<T>(call: Promise<T>): Promise<T> {
    this.#inFlight.add(call);
    const forget = () => this.#inFlight.delete(call);
    call.then(forget, forget);
    return call;
  }

  async complete<T>(request: CompletionRequest<T>): Promise<CompletionResult<T>> {
    const started = performance.now();
    const spec = request.schema ? schemaSpec(request.schema) : undefined;
    const key = this.#cache && this.#cacheKey(request, spec);
    const cached = key === undefined ? undefined : await this.#fromCache(key, request, started);
    if (cached) return cached;
    const maxTokens = request.maxTokens ?? this.#options.defaultMaxTokens ?? 4096;
    const options = this.#options;
    const result = await this.#semaphore.run(() =>
      withRetries(() => this.#attempt(request, spec, maxTokens), {
        maxRetries: options.maxRetries ?? 3,
        baseMs: options.retryBaseMs ?? 500,
        maxBackoffMs: 8_000,
        maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
        ...(options.deadline === undefined ? {} : { deadline: options.deadline }),
        onRetry: () => this.#totals.retries++,
      }),
    );
    if (!result.ok) throw this.#fail(result.failure, result.retries, result.note);
    const reply = result.value;
    const text = stripThinking(reply.text);
    if (text.trim() === '' && reply.refusal)
      throw this.#fail({ kind: 'bad-output', detail: `refused: ${reply.refusal}` }, 0);
    const cut = reply.finish === 'length' ? `; the reply was cut at ${maxTokens} tokens` : '';
    const parsed = parseReply(request, text);
    if (parsed !== undefined && !parsed.ok) {
      const error = this.#fail({ kind: 'bad-output', detail: `${parsed.detail}${cut}` }, result.retries);
      error.reply = text;
      error.reason = `${parsed.detail}${cut}`;
      throw error;
    }
    if (key !== undefined && cut === '') await this.#cache?.set(key, { text, usage: reply.usage });
    return {
      text,
      ...(parsed?.ok ? { json: parsed.value } : {}),
      usage: reply.usage,
      cached: false,
      ms: performance.now() - started,
      ...(reply.ttftMs === undefined ? {} : { ttftMs: reply.ttftMs }),
      ...(reply.tokensPerSecond === undefined ? {} : { tokensPerSecond: reply.tokensPerSecond }),
    };
  }

  #cacheKey(request: CompletionRequest<unknown>, spec: SchemaSpec | undefined): string {
    return cacheKey({
      baseUrl: this.#endpoint,
      model: this.#options.model,
      api: this.#api,
      system: request.system,
      user: request.user,
      schema: spec?.text,
    });
  }

  /** A cached reply, unless the caller's parser now rejects it (then it is asked again). */
  async #fromCache<T>(
    key: string,
    request: CompletionRequest<T>,
    started: number,
  ): Promise<CompletionResult<T> | undefined> {
    const hit = await this.#cache?.get(key);
    if (!hit) return undefined;
    const parsed = parseReply(request, hit.text);
    if (parsed !== undefined && !parsed.ok) return undefined;
    this.#totals.cacheHits++;
    const json = parsed?.ok ? { json: parsed.value } : {};
    return { text: hit.text, ...json, usage: hit.usage, cached: true, ms: performance.now() - started };
  }

  /** Refuses a request the budget or the deadline cannot afford. */
  #gate(maxTokens: number): Failure | undefined {
    const { tokenBudget, deadline } = this.#options;
    const spent = this.#totals.promptTokens + this.#totals.completionTokens;
    if (tokenBudget !== undefined && spent >= tokenBudget) {
      return { kind: 'budget', detail: `${spent} of ${tokenBudget} tokens used` };
    }
    if (deadline === undefined) return undefined;
    const left = deadline - Date.now();
    if (left <= 0) return { kind: 'deadline', detail: 'the deadline has passed; no request was sent' };
    const needs = this.#pace.estimateMs(maxTokens);
    if (needs === undefined || needs <= left) return undefined;
    const speed = Math.round(this.#pace.speed() ?? 0);
    return {
      kind: 'deadline',
      detail: `a reply of up to ${maxTokens} tokens at ~${speed} tokens/s needs ~${seconds(needs)} s and ${seconds(left)} s are left before the deadline; no request was sent`,
    };
  }

  async #attempt(
    request: CompletionRequest<unknown>,
    spec: SchemaSpec | undefined,
    maxTokens: number,
  ): Promise<Outcome<StreamResult>> {
    const adapter = adapters[this.#api];
    for (;;) {
      const refused = this.#gate(maxTokens);
      if (refused) return { ok: false, failure: refused };
      const sendSchema = spec !== undefined && this.#compat.structured;
      const system = spec && !sendSchema ? `${request.system}\n\n${jsonInstruction(spec)}` : request.system;
      const prompt: Prompt = {
        model: this.#options.model,
        system,
        user: request.user,
        maxTokens,
        temperature: this.#options.temperature,
        schema: sendSchema ? spec : undefined,
      };
      this.#totals.requests++;
      const started = performance.now();
      const outcome: Outcome<StreamResult> = await consumeStream(
        (signal) => adapter.open(this.#sdk, prompt, this.#compat, signal),
        adapter.map,
        this.#limits,
        Math.ceil((system.length + request.user.length) / 4),
      );
      this.#totals.seconds += (performance.now() - started) / 1000;
      const spent = outcome.ok ? outcome.value.usage : outcome.failure.partial;
      if (spent) {
        this.#totals.promptTokens += spent.promptTokens;
        this.#totals.completionTokens += spent.completionTokens;
      }
      if (outcome.ok) this.#pace.observe(outcome.value.ttftMs, outcome.value.tokensPerSecond);
      // A 400 about an optional feature: drop it for this client and ask again at once.
      if (!outcome.ok && downgrade(this.#compat, outcome.failure, sendSchema)) continue;
      return outcome;
    }
  }

  #fail(failure: Failure, retries: number, note?: string) {
    const why =
      note ?? (failure.kind === 'auth' && this.#apiKey === undefined ? 'no API key was set' : undefined);
    return toLlmError(failure, {
      endpoint: this.#endpoint,
      model: this.#options.model,
      retries,
      secret: this.#apiKey,
      ...(why ? { note: why } : {}),
    });
  }
}

/** The caller's parser, or the schema's, over a reply's text; undefined when the caller wants text. */
function parseReply<T>(request: CompletionRequest<T>, text: string) {
  if (request.parse) return request.parse(text);
  return request.schema ? parseStructured(text, request.schema) : undefined;
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);
