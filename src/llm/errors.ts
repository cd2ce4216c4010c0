import { type ErrorCode, TestloopError } from '../errors.ts';
import type { TokenUsage } from './types.ts';

export type FailureKind =
  | 'unreachable'
  | 'server'
  | 'auth'
  | 'rate-limited'
  | 'rejected'
  | 'timeout'
  | 'idle'
  | 'deadline'
  | 'bad-output'
  | 'budget';

/** What went wrong in one attempt, before the retry loop decides whether it is final. */
export interface Failure {
  kind: FailureKind;
  status?: number;
  /** Short, one line; never contains the key (redacted when the error is built). */
  detail: string;
  retryAfterMs?: number;
  /** Tokens spent before the attempt failed (a stream cut halfway still costs). */
  partial?: TokenUsage;
}

const RETRYABLE: ReadonlySet<FailureKind> = new Set([
  'unreachable',
  'server',
  'rate-limited',
  'timeout',
  'idle',
]);

export const isRetryable = (failure: Failure): boolean => RETRYABLE.has(failure.kind);

const CODES: Record<FailureKind, ErrorCode> = {
  unreachable: 'TESTLOOP_LLM_UNREACHABLE',
  server: 'TESTLOOP_LLM_UNREACHABLE',
  auth: 'TESTLOOP_LLM_AUTH',
  'rate-limited': 'TESTLOOP_LLM_RATE_LIMITED',
  rejected: 'TESTLOOP_LLM_REJECTED',
  timeout: 'TESTLOOP_LLM_TIMEOUT',
  idle: 'TESTLOOP_LLM_TIMEOUT',
  deadline: 'TESTLOOP_LLM_DEADLINE',
  'bad-output': 'TESTLOOP_LLM_BAD_OUTPUT',
  budget: 'TESTLOOP_LLM_BUDGET',
};

export class LlmError extends TestloopError {
  readonly kind: FailureKind;
  readonly status: number | undefined;
  readonly endpoint: string;
  /** The failure's own short detail (an errno code for a connection that failed). */
  readonly detail: string;
  /** bad-output: the reply that could not be used, and why (for a repair round). */
  reply?: string;
  reason?: string;

  constructor(failure: Failure, endpoint: string, message: string) {
    super(CODES[failure.kind], message);
    this.name = 'LlmError';
    this.kind = failure.kind;
    this.status = failure.status;
    this.detail = failure.detail;
    this.endpoint = endpoint;
  }
}

export interface ErrorContext {
  endpoint: string;
  model: string;
  retries: number;
  secret: string | undefined;
  note?: string;
}

/** One line: the endpoint (never the key), what happened, and what to do. */
export function toLlmError(failure: Failure, context: ErrorContext): LlmError {
  const { endpoint, model } = context;
  const http = failure.status === undefined ? '' : `HTTP ${failure.status}: `;
  const detail = `${http}${failure.detail}`;
  const after = `${context.retries > 0 ? ` after ${context.retries} ${context.retries === 1 ? 'retry' : 'retries'}` : ''}${context.note ? `; ${context.note}` : ''}`;
  const lines: Record<FailureKind, string> = {
    unreachable: `cannot reach the LLM endpoint (${detail})${after}. Start the server or fix the base URL`,
    server: `the LLM endpoint failed (${detail})${after}. Try again later or use another endpoint`,
    auth: `the endpoint refused the API key (${detail})${after}. Set TESTLOOP_LLM_API_KEY (or OPENAI_API_KEY) to a valid key for it`,
    'rate-limited': `the endpoint is rate limiting (${detail})${after}. Lower the concurrency, try later, or raise the provider's limits`,
    rejected: `the endpoint rejected the request (${detail}). Check the model name "${model}" (GET /models lists them) and that the base URL ends in /v1`,
    timeout: `no complete reply (${detail})${after}. Raise requestTimeoutMs or use a faster model`,
    idle: `the reply stream stalled (${detail})${after}. Check the server's health or raise idleTimeoutMs`,
    deadline: `${detail}. Extend the deadline or lower maxTokens`,
    'bad-output': `model "${model}" returned unusable output (${detail}). Raise maxTokens or use a model that follows the format better`,
    budget: `the token budget is spent (${detail}). Raise the token budget or ask for less`,
  };
  const message = redact(`${endpoint}: ${lines[failure.kind]}`, context.secret);
  // The detail is kept on the error too (for reports and repair rounds): a server may echo the key in it.
  return new LlmError({ ...failure, detail: redact(failure.detail, context.secret) }, endpoint, message);
}

/** Base URL without credentials, query or fragment: safe to print. */
export function endpointLabel(baseUrl: string): string {
  try {
    const url = new URL(baseUrl);
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return baseUrl.replace(/\/\/[^/@]*@/, '//');
  }
}

/** Keeps a server's text to one short line and removes the key should the server echo it. */
function redact(text: string, secret: string | undefined): string {
  let out = text.replace(/\s+/g, ' ').trim();
  if (secret && secret.length >= 4) out = out.split(secret).join('***');
  return out;
}

export function oneLine(text: string, max = 200): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
