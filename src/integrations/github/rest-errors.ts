/**
 * How a REST API's error answers become waits (rate limits) or TestloopErrors with a stable code and a fix.
 * GitHub's and GitLab's answers differ only in names, codes and hints, which a `RestService` holds.
 */
import { type ErrorCode, TestloopError } from '../../errors.ts';

/** What differs between the REST APIs testloop talks to: names, error codes, hints and headers. */
export interface RestService {
  name: 'GitHub' | 'GitLab';
  codes: Record<'auth' | 'notFound' | 'invalid' | 'rateLimited' | 'unavailable', ErrorCode>;
  /** How to pass a valid token, for a 401. */
  tokenHint: string;
  /** What to check on a 404. */
  notFoundHint: string;
  /** The variable that sets the API root, for a server that cannot be reached. */
  apiVariable: string;
  statusPage?: string;
  headers(token: string): Record<string, string>;
}

export const GITHUB_SERVICE: RestService = {
  name: 'GitHub',
  codes: {
    auth: 'TESTLOOP_GITHUB_AUTH',
    notFound: 'TESTLOOP_GITHUB_NOT_FOUND',
    invalid: 'TESTLOOP_GITHUB_INVALID',
    rateLimited: 'TESTLOOP_GITHUB_RATE_LIMITED',
    unavailable: 'TESTLOOP_GITHUB_UNAVAILABLE',
  },
  tokenHint: 'pass a valid token in the github-token input or GITHUB_TOKEN',
  notFoundHint: 'check the repository and number, and that the token can read the repository',
  apiVariable: 'GITHUB_API_URL',
  statusPage: 'https://www.githubstatus.com',
  headers: (token) => ({
    accept: 'application/vnd.github+json',
    authorization: `Bearer ${token}`,
    'x-github-api-version': '2022-11-28',
  }),
};

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
  service?: RestService;
}

export function describeFailure({
  endpoint,
  status,
  data,
  attempts,
  waiting,
  permission,
  service = GITHUB_SERVICE,
}: Failure): TestloopError {
  const { name, codes } = service;
  const said = messageOf(data);
  const quoted = said === '' ? `${status}` : `${status}: ${said}`;
  if (waiting !== undefined) {
    const when =
      waiting.resetAt === undefined
        ? `asks to wait ${Math.ceil(waiting.ms / 1000)} s`
        : `resets at ${new Date(waiting.resetAt).toISOString()}, in ${Math.ceil(waiting.ms / 60_000)} min`;
    return new TestloopError(
      codes.rateLimited,
      `${name} rate limit hit on ${endpoint} (${waiting.kind} limit ${when}): re-run the job later, or use a token with its own limit`,
    );
  }
  if (status === 401) {
    return new TestloopError(
      codes.auth,
      `${name} rejected the token on ${endpoint} (${quoted}): ${service.tokenHint}`,
    );
  }
  if (status === 403) {
    const fix = permission ?? 'give the token the permission this endpoint needs';
    return new TestloopError(codes.auth, `${name} refused ${endpoint} (${quoted}): ${fix}`);
  }
  if (status === 404) {
    return new TestloopError(
      codes.notFound,
      `${name} has nothing at ${endpoint} (${quoted}): ${service.notFoundHint}`,
    );
  }
  if (status >= 500) {
    const status = service.statusPage ? `; see ${service.statusPage}` : '';
    return new TestloopError(
      codes.unavailable,
      `${name} failed on ${endpoint} (${quoted}, ${attempts ?? 1} attempts): retry the job later${status}`,
    );
  }
  const reasons = validationReasons(data);
  return new TestloopError(
    codes.invalid,
    `${name} rejected ${endpoint} (${quoted}${reasons === '' ? '' : `; ${reasons}`}): check the inputs this request was built from`,
  );
}

function messageOf(data: unknown): string {
  if (typeof data === 'string') return oneLine(data).slice(0, 200);
  const { message, error } = (data ?? {}) as { message?: unknown; error?: unknown };
  if (typeof message === 'string') return oneLine(message);
  // GitLab: {"message": {"body": ["is too long"]}} or {"error": "body is missing"}.
  if (message !== null && typeof message === 'object') return oneLine(JSON.stringify(message)).slice(0, 200);
  return typeof error === 'string' ? oneLine(error) : '';
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
