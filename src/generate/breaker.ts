import type { LlmError } from '../llm/errors.ts';

/** LLM failures of the endpoint itself (after the client's retries), as opposed to the reply or the budget. */
const ENDPOINT_FAILURES = new Set([
  'unreachable',
  'server',
  'auth',
  'rate-limited',
  'rejected',
  'timeout',
  'idle',
]);
/** A connection that never opened: nothing listens there, so no later request can do better. */
const NO_CONNECTION = /^(?:ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)$/;

/** Targets in a row whose request failed at the endpoint before no new request is sent. */
export const BREAKER_THRESHOLD = 3;

/** What the endpoint did: nobody answers there, or it answers with errors. */
export type EndpointState = 'unreachable' | 'answering-with-errors';

export function isEndpointFailure(error: unknown): error is LlmError {
  const kind = (error as { kind?: string }).kind;
  return kind !== undefined && ENDPOINT_FAILURES.has(kind);
}

/**
 * A failed request fails its target only. New requests stop when the endpoint refuses the connection, or
 * when the requests of BREAKER_THRESHOLD targets in a row failed (any usable reply in between resets it).
 */
export class CircuitBreaker {
  private consecutive = 0;
  private replies = 0;
  private failures = 0;
  private last: { error: LlmError; state: EndpointState } | undefined;
  /** Set once the breaker is open: why, and the failure that opened it. */
  open: { state: EndpointState; error: LlmError } | undefined;

  /** The model answered (a usable reply or not): the endpoint works. */
  answered(): void {
    this.replies++;
    this.consecutive = 0;
  }

  /** One target's request failed for good at the endpoint. */
  failed(error: LlmError): void {
    this.failures++;
    this.consecutive++;
    const refused = error.kind === 'unreachable' && NO_CONNECTION.test(error.detail);
    const state: EndpointState = refused ? 'unreachable' : 'answering-with-errors';
    this.last = { error, state };
    if (this.open === undefined && (refused || this.consecutive >= BREAKER_THRESHOLD))
      this.open = { state, error };
  }

  /** The endpoint failure to report: the one that opened the breaker, else the last when nothing ever worked. */
  verdict(): { state: EndpointState; error: LlmError } | undefined {
    if (this.open) return this.open;
    return this.replies === 0 && this.failures > 0 ? this.last : undefined;
  }
}

/** How reports name the endpoint's state. */
export const describeEndpoint = (state: EndpointState | undefined): string =>
  state === 'unreachable'
    ? 'unreachable'
    : state === 'answering-with-errors'
      ? 'answering with errors'
      : 'failed';
