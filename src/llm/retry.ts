import { type Failure, isRetryable } from './errors.ts';

export interface RetryPolicy {
  maxRetries: number;
  baseMs: number;
  maxBackoffMs: number;
  /** A server asking for a longer wait than this is not waited for. */
  maxRetryAfterMs: number;
  /** Absolute ms timestamp: no wait ends past it. */
  deadline?: number;
  onRetry?: (failure: Failure, delayMs: number) => void;
  random?: () => number;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; failure: Failure };

export type RetryResult<T> =
  | { ok: true; value: T; retries: number }
  | { ok: false; failure: Failure; retries: number; note?: string };

/** Runs `attempt` until it succeeds, fails for good, or the retries, the deadline or the server's patience run out. */
export async function withRetries<T>(
  attempt: () => Promise<Outcome<T>>,
  policy: RetryPolicy,
): Promise<RetryResult<T>> {
  for (let retries = 0; ; retries++) {
    const outcome = await attempt();
    if (outcome.ok) return { ok: true, value: outcome.value, retries };
    const { failure } = outcome;
    if (!isRetryable(failure) || retries >= policy.maxRetries) return { ok: false, failure, retries };
    if (failure.retryAfterMs !== undefined && failure.retryAfterMs > policy.maxRetryAfterMs) {
      const note = `the server asks to wait ${Math.ceil(failure.retryAfterMs / 1000)} s`;
      return { ok: false, failure, retries, note };
    }
    const delayMs =
      failure.retryAfterMs ??
      backoffMs(retries, policy.baseMs, policy.maxBackoffMs, policy.random ?? Math.random);
    if (policy.deadline !== undefined && Date.now() + delayMs >= policy.deadline) {
      return { ok: false, failure, retries, note: 'no time left before the deadline to retry' };
    }
    policy.onRetry?.(failure, delayMs);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}

/** Exponential backoff with jitter: a random point in the upper half of base·2^retry, capped. */
export function backoffMs(retry: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** retry);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * The wait a server asks for: `retry-after-ms` (OpenAI, Azure), else `Retry-After` in seconds or as an
 * HTTP date (RFC 9110). Undefined when absent or unreadable.
 */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number.parseFloat(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
