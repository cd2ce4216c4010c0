/**
 * A small REST client on plain fetch for GitHub (and GitLab, whose REST API pages and limits the same way):
 * token auth, JSON bodies, Link-header pagination, a timeout per request, and the retries GitHub documents
 * (primary and secondary rate limits, 5xx with backoff).
 */
import { TestloopError } from '../../errors.ts';
import {
  describeFailure,
  GITHUB_SERVICE,
  type RestService,
  rateLimitWait,
  type Waiting,
} from './rest-errors.ts';

export const DEFAULT_API_URL = 'https://api.github.com';

export interface GitHubClientOptions {
  token: string;
  /** Which API this is (default GitHub): names, error codes and auth headers. */
  service?: RestService;
  /** REST root, e.g. https://github.example.com/api/v3 for GitHub Enterprise Server. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Per request, including reading the body (default 30 s). */
  timeoutMs?: number;
  /** Retries after a 5xx answer, a timeout or a network error (default 2), with doubling backoff. */
  retries?: number;
  backoffMs?: number;
  /** Longest wait for a rate limit to reset; a later reset fails at once (default 60 s). */
  maxRateLimitWaitMs?: number;
  /** Epoch milliseconds; rate-limit resets are compared with it. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  /** What fixes a 403 on this endpoint, e.g. "give the workflow `pull-requests: write` permission". */
  permission?: string;
}

export interface GitHubResponse<T> {
  status: number;
  data: T;
  headers: Headers;
}

export interface PaginateOptions extends RequestOptions {
  perPage?: number;
  /** Pages followed at most (default 50): a runaway listing stops there instead of looping. */
  maxPages?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class RestClient {
  readonly baseUrl: string;
  readonly service: RestService;
  readonly #token: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #backoffMs: number;
  readonly #maxWaitMs: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: GitHubClientOptions) {
    this.baseUrl = (options.baseUrl || DEFAULT_API_URL).replace(/\/+$/, '');
    this.#token = options.token;
    this.service = options.service ?? GITHUB_SERVICE;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#retries = options.retries ?? 2;
    this.#backoffMs = options.backoffMs ?? 500;
    this.#maxWaitMs = options.maxRateLimitWaitMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? sleep;
  }

  /** `path` starts with a slash and has its segments already encoded (see `pathOf`). */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<GitHubResponse<T>> {
    return this.#send<T>(method, this.#url(path, options.query), path, options);
  }

  /** Every item of a listing, following `Link: rel="next"` for at most `maxPages` pages. */
  async paginate<T>(path: string, options: PaginateOptions = {}): Promise<T[]> {
    const query = { ...options.query, per_page: options.perPage ?? 100 };
    const maxPages = options.maxPages ?? 50;
    const items: T[] = [];
    let url: string | undefined = this.#url(path, query);
    for (let page = 0; url !== undefined && page < maxPages; page++) {
      const response: GitHubResponse<T[]> = await this.#send<T[]>('GET', url, path, options);
      if (!Array.isArray(response.data)) break;
      items.push(...response.data);
      url = this.#sameOrigin(nextLink(response.headers.get('link')));
    }
    return items;
  }

  #url(path: string, query: RequestOptions['query']): string {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  /** The token goes only to the API's own origin, whatever a Link header points at. */
  #sameOrigin(url: string | undefined): string | undefined {
    if (url === undefined) return undefined;
    return new URL(url).origin === new URL(this.baseUrl).origin ? url : undefined;
  }

  async #send<T>(
    method: string,
    url: string,
    path: string,
    options: RequestOptions,
  ): Promise<GitHubResponse<T>> {
    const endpoint = `${method} ${path}`;
    let failures = 0;
    let rateLimitWaits = 0;
    for (;;) {
      let response: Response;
      let text: string;
      try {
        response = await this.#fetch(url, {
          method,
          headers: this.#headers(options.body !== undefined),
          ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
        text = await response.text();
      } catch (error) {
        if (failures < this.#retries) {
          await this.#sleep(this.#backoffMs * 2 ** failures++);
          continue;
        }
        throw unreachable(this.service, endpoint, this.baseUrl, this.#timeoutMs, failures + 1, error);
      }
      const data = parseBody(text);
      if (response.ok) return { status: response.status, data: data as T, headers: response.headers };

      const waiting: Waiting | undefined = rateLimitWait(
        response.status,
        response.headers,
        data,
        this.#now(),
      );
      if (waiting !== undefined) {
        if (waiting.ms > this.#maxWaitMs || rateLimitWaits >= 3) {
          throw describeFailure({
            endpoint,
            status: response.status,
            data,
            waiting,
            permission: options.permission,
            service: this.service,
          });
        }
        rateLimitWaits++;
        await this.#sleep(waiting.ms);
        continue;
      }
      if (response.status >= 500 && failures < this.#retries) {
        await this.#sleep(this.#backoffMs * 2 ** failures++);
        continue;
      }
      throw describeFailure({
        endpoint,
        status: response.status,
        data,
        attempts: failures + 1,
        permission: options.permission,
        service: this.service,
      });
    }
  }

  #headers(hasBody: boolean): Record<string, string> {
    return {
      ...this.service.headers(this.#token),
      'user-agent': 'testloop',
      ...(hasBody ? { 'content-type': 'application/json' } : {}),
    };
  }
}

/** The GitHub REST client of the Action and the CLI. */
export class GitHubClient extends RestClient {}

/** `/repos/o/r/branches/a%2Fb` from raw segments, each percent-encoded. */
export function pathOf(...segments: (string | number)[]): string {
  return segments.map((segment) => `/${encodeURIComponent(String(segment))}`).join('');
}

/** A git ref path (heads/feature/x) whose slashes stay path separators, as the git refs endpoints expect. */
export function refPath(ref: string): string {
  return ref
    .split('/')
    .map((part) => `/${encodeURIComponent(part)}`)
    .join('');
}

/** The `rel="next"` URL of a Link header. */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?([^";]+)"?/.exec(part.trim());
    if (match?.[2]?.split(/\s+/).includes('next')) return match[1];
  }
  return undefined;
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function unreachable(
  service: RestService,
  endpoint: string,
  baseUrl: string,
  timeoutMs: number,
  attempts: number,
  error: unknown,
) {
  const name = (error as Error | undefined)?.name;
  const code = ((error as { cause?: { code?: string } } | undefined)?.cause?.code ?? name) || 'network error';
  const within = timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`;
  const why = name === 'TimeoutError' ? `no answer within ${within}` : code;
  return new TestloopError(
    service.codes.unavailable,
    `cannot reach ${service.name} at ${baseUrl} for ${endpoint} (${why}, ${attempts} attempts): check ${service.apiVariable} and the runner's network, or retry the job`,
    { cause: error },
  );
}
