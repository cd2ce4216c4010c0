import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { type Failure, oneLine } from './errors.ts';
import { retryAfterMs } from './retry.ts';

const NETWORK_CODES =
  /^(ECONNRESET|ECONNREFUSED|ECONNABORTED|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|UND_ERR_\w+)$/;

/** Maps what the SDK or the stream threw to a Failure; rethrows what is a bug rather than a failure. */
export function classify(error: unknown): Failure {
  if (error instanceof APIConnectionTimeoutError) {
    return { kind: 'timeout', detail: 'no response headers before the SDK timeout' };
  }
  if (error instanceof APIConnectionError) {
    return { kind: 'unreachable', detail: networkCode(error) ?? oneLine(error.message) };
  }
  if (error instanceof APIError) {
    const detail = serverMessage(error);
    const status = error.status;
    if (status === undefined) return { kind: 'server', detail: `error event in the stream: ${detail}` };
    const wait = retryAfterMs(error.headers);
    const retry = wait === undefined ? {} : { retryAfterMs: wait };
    if (status === 401 || status === 403) return { kind: 'auth', status, detail };
    if (status === 429) return { kind: 'rate-limited', status, detail, ...retry };
    if (status === 408 || status === 409 || status >= 500)
      return { kind: 'server', status, detail, ...retry };
    return { kind: 'rejected', status, detail };
  }
  if (error instanceof SyntaxError) {
    return {
      kind: 'bad-output',
      detail: 'a stream event is not JSON; is the base URL an OpenAI-compatible /v1?',
    };
  }
  const code = networkCode(error);
  if (code !== undefined || (error instanceof TypeError && /terminated|fetch failed/.test(error.message))) {
    return { kind: 'unreachable', detail: `connection lost mid-stream (${code ?? 'terminated'})` };
  }
  throw error;
}

function serverMessage(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  const message = typeof body?.message === 'string' ? body.message : error.message.replace(/^\d{3}\s+/, '');
  return oneLine(message || 'no error body');
}

/** The first errno-style code along the cause chain (undici nests them two deep). */
function networkCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.test(code)) return code;
  }
  return undefined;
}
