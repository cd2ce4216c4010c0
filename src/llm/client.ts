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
  const endpoint = endpointLabel(options.baseUrl);
  if (!URL.canParse(options.baseUrl)) {
    throw new TestloopError(
      'TESTLOOP_CONFIG',
      `${endpoint}: not a URL. Set the LLM base URL, e.g. http://127.0.0.1:11434/v1`,
    );
  }
  const env = options.env ?? {};
  const apiKey = options.apiKey || env.TESTLOOP_LLM_API_KEY || env.OPENAI_API_KEY || undefined;
  const api = options.api ?? 'chat';
  const adapter = adapters[api];
  const requestTimeoutMs = options.requestTimeoutMs ?? 300_000;
  const limits = {
    requestTimeoutMs,
    idleTimeoutMs: options.idleTimeoutMs ?? Math.min(60_000, requestTimeoutMs),
    deadline: options.deadline,
  };
  const sdk = new OpenAI({
    apiKey: apiKey ?? 'no-key', // local servers want none, the SDK wants one
    baseURL: options.baseUrl,
    maxRetries: 0, // retries are ours: they honour the deadline and are counted
    timeout: requestTimeoutMs + 1_000, // ours fires first and also covers the stream body
    organization: null,
    project: null,
    adminAPIKey: null,
    webhookSecret: null,
    logLevel: 'off',
  });
  const compat = initialCompat();
  const pace = new Pace();
  const semaphore = new Semaphore(options.concurrency ?? 4);
  const cache = options.cacheDir === undefined ? undefined : new ResponseCache(options.cacheDir);
  const totals: UsageTotals = {
    requests: 0,
    promptTokens: 0,
    completionTokens: 0,
    seconds: 0,
    retries: 0,
    cacheHits: 0,
  };
  const inFlight = new Set<Promise<unknown>>();
  const fail = (failure: Failure, retries: number, note?: string) => {
    const why = note ?? (failure.kind === 'auth' && apiKey === undefined ? 'no API key was set' : undefined);
    return toLlmError(failure, {
      endpoint,
      model: options.model,
      retries,
      secret: apiKey,
      ...(why ? { note: why } : {}),
    });
  };

  /** Refuses a request the budget or the deadline cannot afford. */
  function gate(maxTokens: number): Failure | undefined {
    const spent = totals.promptTokens + totals.completionTokens;
    if (options.tokenBudget !== undefined && spent >= options.tokenBudget) {
      return { kind: 'budget', detail: `${spent} of ${options.tokenBudget} tokens used` };
    }
    if (options.deadline === undefined) return undefined;
    const left = options.deadline - Date.now();
    if (left <= 0) return { kind: 'deadline', detail: 'the deadline has passed; no request was sent' };
    const needs = pace.estimateMs(maxTokens);
    if (needs === undefined || needs <= left) return undefined;
    const speed = Math.round(pace.speed() ?? 0);
    return {
      kind: 'deadline',
      detail: `a reply of up to ${maxTokens} tokens at ~${speed} tokens/s needs ~${seconds(needs)} s and ${seconds(left)} s are left before the deadline; no request was sent`,
    };
  }

  async function attempt(request: CompletionRequest, spec: SchemaSpec | undefined, maxTokens: number) {
    for (;;) {
      const refused = gate(maxTokens);
      if (refused) return { ok: false, failure: refused } as const;
      const sendSchema = spec !== undefined && compat.structured;
      const system = spec && !sendSchema ? `${request.system}\n\n${jsonInstruction(spec)}` : request.system;
      const prompt: Prompt = {
        model: options.model,
        system,
        user: request.user,
        maxTokens,
        temperature: options.temperature,
        schema: sendSchema ? spec : undefined,
      };
      totals.requests++;
      const started = performance.now();
      const outcome: Outcome<StreamResult> = await consumeStream(
        (signal) => adapter.open(sdk, prompt, compat, signal),
        adapter.map,
        limits,
        Math.ceil((system.length + request.user.length) / 4),
      );
      totals.seconds += (performance.now() - started) / 1000;
      const spent = outcome.ok ? outcome.value.usage : outcome.failure.partial;
      if (spent) {
        totals.promptTokens += spent.promptTokens;
        totals.completionTokens += spent.completionTokens;
      }
      if (outcome.ok) pace.observe(outcome.value.ttftMs, outcome.value.tokensPerSecond);
      // A 400 about an optional feature: drop it for this client and ask again at once.
      if (!outcome.ok && downgrade(compat, outcome.failure, sendSchema)) continue;
      return outcome;
    }
  }

  async function complete<T>(request: CompletionRequest<T>): Promise<CompletionResult<T>> {
    const started = performance.now();
    const spec = request.schema ? schemaSpec(request.schema) : undefined;
    const key =
      cache &&
      cacheKey({
        baseUrl: endpoint,
        model: options.model,
        api,
        system: request.system,
        user: request.user,
        schema: spec?.text,
      });
    const hit = key === undefined ? undefined : await cache?.get(key);
    const parse = (text: string) =>
      request.parse
        ? request.parse(text)
        : request.schema
          ? parseStructured(text, request.schema)
          : undefined;
    if (hit) {
      const parsed = parse(hit.text);
      if (parsed === undefined || parsed.ok) {
        totals.cacheHits++;
        const json = parsed?.ok ? { json: parsed.value } : {};
        return { text: hit.text, ...json, usage: hit.usage, cached: true, ms: performance.now() - started };
      }
    }
    const maxTokens = request.maxTokens ?? options.defaultMaxTokens ?? 4096;
    const result = await semaphore.run(() =>
      withRetries(() => attempt(request, spec, maxTokens), {
        maxRetries: options.maxRetries ?? 3,
        baseMs: options.retryBaseMs ?? 500,
        maxBackoffMs: 8_000,
        maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
        ...(options.deadline === undefined ? {} : { deadline: options.deadline }),
        onRetry: () => totals.retries++,
      }),
    );
    if (!result.ok) throw fail(result.failure, result.retries, result.note);
    const reply = result.value;
    const text = stripThinking(reply.text);
    if (text.trim() === '' && reply.refusal)
      throw fail({ kind: 'bad-output', detail: `refused: ${reply.refusal}` }, 0);
    const cut = reply.finish === 'length' ? `; the reply was cut at ${maxTokens} tokens` : '';
    let json: { json: T } | Record<string, never> = {};
    const parsed = parse(text);
    if (parsed !== undefined) {
      if (!parsed.ok) {
        const error = fail({ kind: 'bad-output', detail: `${parsed.detail}${cut}` }, result.retries);
        error.reply = text;
        error.reason = `${parsed.detail}${cut}`;
        throw error;
      }
      json = { json: parsed.value };
    }
    if (key !== undefined && cut === '') await cache?.set(key, { text, usage: reply.usage });
    return {
      text,
      ...json,
      usage: reply.usage,
      cached: false,
      ms: performance.now() - started,
      ...(reply.ttftMs === undefined ? {} : { ttftMs: reply.ttftMs }),
      ...(reply.tokensPerSecond === undefined ? {} : { tokensPerSecond: reply.tokensPerSecond }),
    };
  }

  return {
    complete<T>(request: CompletionRequest<T>) {
      const call = complete(request);
      inFlight.add(call);
      call.then(
        () => inFlight.delete(call),
        () => inFlight.delete(call),
      );
      return call;
    },
    usage: () => ({ ...totals }),
    close: async () => {
      await Promise.allSettled([...inFlight]);
    },
  };
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);
