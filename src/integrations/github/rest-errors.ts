/** How GitHub's error answers become waits (rate limits) or TestloopErrors with a stable code and a fix. */
import { TestloopError } from '../../errors.ts';

export interface Waiting {
  kind: 'primary' | 'secondary';
  ms: number;
  /** Primary limit: when it resets (epoch ms). */
  resetAt?: number;
}

/** Secondary limits without a retry-after header: GitHub asks clients to wait at least a minute. */
const SECONDARY_DEFAULT_MS = 60_000;

/**
 * The wait a rate-limited answer asks for, or undefined when the answer is not a rate limit (a 403 can
 * also mean a missing permission). Follows GitHub's "Best practices for using the REST API".
 */
export function rateLimitWait(
  status: number,
  headers: Headers,
  data: unknown,
  now: number,
): Waiting | undefined {
  if (status !== 403 && status !== 429) return undefined;
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null) {
    const seconds = Number(retryAfter);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - now;
    return { kind: 'secondary', ms: Math.max(0, Number.isFinite(ms) ? ms : SECONDARY_DEFAULT_MS) };
  }
  if (headers.get('x-ratelimit-remaining') === '0') {
    const reset = Number(headers.get('x-ratelimit-reset'));
    const resetAt = Number.isFinite(reset) && reset > 0 ? reset * 1000 : now + SECONDARY_DEFAULT_MS;
    return { kind: 'primary', ms: Math.max(0, resetAt - now), resetAt };
  }
  if (/secondary rate limit/i.test(messageOf(data)) || status === 429) {
    return { kind: 'secondary', ms: SECONDARY_DEFAULT_MS };
  }
  return undefined;
}

interface Failure {
  endpoint: string;
  status: number;
  data: unknown;
  attempts?: number;
  waiting?: Waiting;
  permission?: string | undefined;
}

export function describeFailure({
  endpoint,
  status,
  data,
  attempts,
  waiting,
  permission,
}: Failure): TestloopError {
  const said = messageOf(data);
  const quoted = said === '' ? `${status}` : `${status}: ${said}`;
  if (waiting !== undefined) {
    const when =
      waiting.resetAt === undefined
        ? `asks to wait ${Math.ceil(waiting.ms / 1000)} s`
        : `resets at ${new Date(waiting.resetAt).toISOString()}, in ${Math.ceil(waiting.ms / 60_000)} min`;
    return new TestloopError(
      'TESTLOOP_GITHUB_RATE_LIMITED',
      `GitHub rate limit hit on ${endpoint} (${waiting.kind} limit ${when}): re-run the job later, or use a token with its own limit`,
    );
  }
  if (status === 401) {
    return new TestloopError(
      'TESTLOOP_GITHUB_AUTH',
      `GitHub rejected the token on ${endpoint} (${quoted}): pass a valid token in the github-token input or GITHUB_TOKEN`,
    );
  }
  if (status === 403) {
    const fix = permission ?? 'give the token the permission this endpoint needs';
    return new TestloopError('TESTLOOP_GITHUB_AUTH', `GitHub refused ${endpoint} (${quoted}): ${fix}`);
  }
  if (status === 404) {
    return new TestloopError(
      'TESTLOOP_GITHUB_NOT_FOUND',
      `GitHub has nothing at ${endpoint} (${quoted}): check the repository and number, and that the token can read the repository`,
    );
  }
  if (status >= 500) {
    return new TestloopError(
      'TESTLOOP_GITHUB_UNAVAILABLE',
      `GitHub failed on ${endpoint} (${quoted}, ${attempts ?? 1} attempts): retry the job later; see https://www.githubstatus.com`,
    );
  }
  const reasons = validationReasons(data);
  return new TestloopError(
    'TESTLOOP_GITHUB_INVALID',
    `GitHub rejected ${endpoint} (${quoted}${reasons === '' ? '' : `; ${reasons}`}): check the inputs this request was built from`,
  );
}

function messageOf(data: unknown): string {
  if (typeof data === 'string') return oneLine(data).slice(0, 200);
  const message = (data as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? oneLine(message) : '';
}

/** GitHub's 422 `errors[]`: strings, or objects with a message or a resource/field/code triple. */
function validationReasons(data: unknown): string {
  const errors = (data as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors)) return '';
  return errors
    .map((error) => {
      if (typeof error === 'string') return oneLine(error);
      const { message, resource, field, code } = (error ?? {}) as Record<string, unknown>;
      if (typeof message === 'string') return oneLine(message);
      return [resource, field, code].filter((part) => typeof part === 'string').join(' ');
    })
    .filter(Boolean)
    .join('; ');
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();
