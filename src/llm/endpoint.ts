import { msOf } from '../config/duration.ts';
import type { LlmApi, LlmClient } from './types.ts';

/** A model endpoint as every command that asks a model names it (--base-url, --model, --api, --llm-timeout). */
export interface ModelEndpoint {
  /** OpenAI-compatible endpoint including /v1. */
  baseUrl?: string;
  /** Model name as the endpoint knows it. */
  model?: string;
  /** 'chat' (Chat Completions, default) or 'responses'. */
  api?: LlmApi;
  /** Longest single model request, a duration such as `5m`. */
  llmTimeout?: string;
}

/** A client for the endpoint, or undefined when it names no endpoint and model; the caller closes it. */
export async function clientOf(
  endpoint: ModelEndpoint,
  env: NodeJS.ProcessEnv,
): Promise<LlmClient | undefined> {
  const { baseUrl, model, api, llmTimeout } = endpoint;
  if (!baseUrl || !model) return undefined;
  const { createLlmClient } = await import('./index.ts');
  const requestTimeoutMs = msOf(llmTimeout);
  return createLlmClient({
    baseUrl,
    model,
    env,
    ...(api ? { api } : {}),
    ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
  });
}
