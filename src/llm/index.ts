export { createLlmClient } from './client.ts';
export { LlmError } from './errors.ts';
export { extractJson } from './extract.ts';
export type {
  CompletionRequest,
  CompletionResult,
  LlmApi,
  LlmClient,
  LlmClientOptions,
  TokenUsage,
  UsageTotals,
} from './types.ts';
