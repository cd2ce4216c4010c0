import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestloopError } from '../../../src/errors.ts';
import { GitHubClient, nextLink } from '../../../src/integrations/github/rest.ts';
import { type GitHubServer, startGitHubServer } from '../../helpers/github-server.ts';

let server: GitHubServer;
const COMMENTS = '/repos/octo-org/widgets/issues/7/comments';

beforeEach(async () => {
  server = await startGitHubServer();
});
afterEach(async () => {
  await server.close();
});

function client(options: Partial<ConstructorParameters<typeof GitHubClient>[0]> = {}) {
  return new GitHubClient({ token: server.token, baseUrl: server.url, backoffMs: 10, ...options });
}

async function failure(promise: Promise<unknown>): Promise<TestloopError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TestloopError);
  return error as TestloopError;
}

describe('pagination', () => {
  it('follows Link rel="next" across pages and keeps the order', async () => {
    for (let i = 1; i <= 7; i++) server.addComment(7, `comment ${i}`);
    const items = await client().paginate<{ body: string }>(COMMENTS, { perPage: 3 });
    expect(items.map((c) => c.body)).toEqual([1, 2, 3, 4, 5, 6, 7].map((i) => `comment ${i}`));
    expect(server.requests.map((r) => r.query)).toEqual([
      { per_page: '3' },
      { per_page: '3', page: '2' },
      { per_page: '3', page: '3' },
    ]);
    for (const request of server.requests) {
      expect(request.headers.authorization).toBe(`Bearer ${server.token}`);
      expect(request.headers.accept).toBe('application/vnd.github+json');
      expect(request.headers['x-github-api-version']).toBe('2022-11-28');
    }
  });

  it('stops at the page cap', async () => {
    for (let i = 1; i <= 7; i++) server.addComment(7, `comment ${i}`);
    const items = await client().paginate(COMMENTS, { perPage: 2, maxPages: 2 });
    expect(items).toHaveLength(4);
    expect(server.requests).toHaveLength(2);
  });

  it('never follows a next link to another origin (the token would go with it)', async () => {
    server.script('GET', COMMENTS, {
      status: 200,
      headers: { link: '<https://attacker.example/steal?page=2>; rel="next"' },
      body: [{ id: 1 }],
    });
    expect(await client().paginate(COMMENTS)).toEqual([{ id: 1 }]);
    expect(server.requests).toHaveLength(1);
  });

  it('reads rel lists and unquoted rels', () => {
    expect(nextLink('<https://x/a?page=1>; rel="prev", <https://x/a?page=3>; rel="next last"')).toBe(
      'https://x/a?page=3',
    );
    expect(nextLink('<https://x/a?page=2>; rel=next')).toBe('https://x/a?page=2');
    expect(nextLink('<https://x/a?page=2>; rel="last"')).toBeUndefined();
    expect(nextLink(null)).toBeUndefined();
  });
});

describe('errors', () => {
  it('401: a bad token is TESTLOOP_GITHUB_AUTH and the token never appears in the message', async () => {
    const error = await failure(
      new GitHubClient({ token: 'ghp_wrong', baseUrl: server.url }).request('GET', COMMENTS),
    );
    expect(error.code).toBe('TESTLOOP_GITHUB_AUTH');
    expect(error.message).toBe(
      `GitHub rejected the token on GET ${COMMENTS} (401: Bad credentials): pass a valid token in the github-token input or GITHUB_TOKEN`,
    );
    expect(error.message).not.toContain('ghp_wrong');
  });

  it('403 without a rate limit: names the endpoint and the permission to grant', async () => {
    server.script('POST', COMMENTS, {
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    });
    const error = await failure(
      client().request('POST', COMMENTS, {
        body: { body: 'x' },
        permission: 'give the workflow `pull-requests: write` permission',
      }),
    );
    expect(error.code).toBe('TESTLOOP_GITHUB_AUTH');
    expect(error.message).toBe(
      `GitHub refused POST ${COMMENTS} (403: Resource not accessible by integration): give the workflow \`pull-requests: write\` permission`,
    );
    expect(server.requests).toHaveLength(1);
  });

  it('404 is TESTLOOP_GITHUB_NOT_FOUND', async () => {
    const error = await failure(client().request('GET', '/repos/octo-org/other/pulls/1'));
    expect(error.code).toBe('TESTLOOP_GITHUB_NOT_FOUND');
    expect(error.message).toBe(
      'GitHub has nothing at GET /repos/octo-org/other/pulls/1 (404: Not Found): check the repository and number, and that the token can read the repository',
    );
  });

  it("422 carries GitHub's errors[] reasons", async () => {
    server.script('POST', '/repos/octo-org/widgets/pulls', {
      status: 422,
      body: {
        message: 'Validation Failed',
        errors: [
          {
            resource: 'PullRequest',
            code: 'custom',
            message: 'A pull request already exists for octo-org:x.',
          },
          { resource: 'PullRequest', field: 'base', code: 'invalid' },
        ],
      },
    });
    const error = await failure(client().request('POST', '/repos/octo-org/widgets/pulls', { body: {} }));
    expect(error.code).toBe('TESTLOOP_GITHUB_INVALID');
    expect(error.message).toBe(
      'GitHub rejected POST /repos/octo-org/widgets/pulls (422: Validation Failed; A pull request already exists for octo-org:x.; PullRequest base invalid): check the inputs this request was built from',
    );
  });

  it('5xx is retried with backoff, then TESTLOOP_GITHUB_UNAVAILABLE', async () => {
    server.script(
      'GET',
      COMMENTS,
      { status: 502 },
      { status: 500 },
      { status: 503, body: { message: 'busy' } },
    );
    const error = await failure(client().request('GET', COMMENTS));
    expect(error.code).toBe('TESTLOOP_GITHUB_UNAVAILABLE');
    expect(error.message).toBe(
      `GitHub failed on GET ${COMMENTS} (503: busy, 3 attempts): retry the job later; see https://www.githubstatus.com`,
    );
    expect(server.requests).toHaveLength(3);
  });

  it('a 5xx followed by success returns the success', async () => {
    server.addComment(7, 'hello');
    server.script('GET', COMMENTS, { status: 500 });
    const { data } = await client().request<{ body: string }[]>('GET', COMMENTS);
    expect(data.map((c) => c.body)).toEqual(['hello']);
    expect(server.requests).toHaveLength(2);
  });

  it('a server that does not answer in time is TESTLOOP_GITHUB_UNAVAILABLE', async () => {
    server.script('GET', COMMENTS, { status: 200, body: [], delayMs: 2000 });
    const error = await failure(client({ timeoutMs: 200, retries: 0 }).request('GET', COMMENTS));
    expect(error.code).toBe('TESTLOOP_GITHUB_UNAVAILABLE');
    expect(error.message).toContain('no answer within 200 ms');
  });

  it('an unreachable API URL is TESTLOOP_GITHUB_UNAVAILABLE and names GITHUB_API_URL', async () => {
    const closed = await startGitHubServer();
    await closed.close();
    const error = await failure(client({ baseUrl: closed.url, retries: 1 }).request('GET', COMMENTS));
    expect(error.code).toBe('TESTLOOP_GITHUB_UNAVAILABLE');
    expect(error.message).toBe(
      `cannot reach GitHub at ${closed.url} for GET ${COMMENTS} (ECONNREFUSED, 2 attempts): check GITHUB_API_URL and the runner's network, or retry the job`,
    );
  });
});

describe('rate limits', () => {
  it('secondary limit: waits for retry-after, then retries', async () => {
    server.addComment(7, 'hello');
    server.script('GET', COMMENTS, {
      status: 429,
      headers: { 'retry-after': '1' },
      body: { message: 'You have exceeded a secondary rate limit' },
    });
    const { data } = await client().request<unknown[]>('GET', COMMENTS);
    expect(data).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.at - server.requests[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('secondary limit as a 403 with retry-after is a wait, not a permission error', async () => {
    const waits: number[] = [];
    server.script('GET', COMMENTS, {
      status: 403,
      headers: { 'retry-after': '7' },
      body: { message: 'slow down' },
    });
    await client({ sleep: async (ms) => void waits.push(ms) }).request('GET', COMMENTS);
    expect(waits).toEqual([7000]);
  });

  it('primary limit: waits until x-ratelimit-reset when it is near', async () => {
    const now = Date.parse('2024-05-01T10:00:00Z');
    const waits: number[] = [];
    server.script('GET', COMMENTS, {
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 30) },
      body: { message: 'API rate limit exceeded' },
    });
    await client({ now: () => now, sleep: async (ms) => void waits.push(ms) }).request('GET', COMMENTS);
    expect(waits).toEqual([30_000]);
    expect(server.requests).toHaveLength(2);
  });

  it('primary limit: gives up at once when the reset is far away', async () => {
    const now = Date.parse('2024-05-01T10:00:00Z');
    const waits: number[] = [];
    server.script('GET', COMMENTS, {
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 3600) },
      body: { message: 'API rate limit exceeded' },
    });
    const error = await failure(
      client({ now: () => now, sleep: async (ms) => void waits.push(ms) }).request('GET', COMMENTS),
    );
    expect(error.code).toBe('TESTLOOP_GITHUB_RATE_LIMITED');
    expect(error.message).toBe(
      `GitHub rate limit hit on GET ${COMMENTS} (primary limit resets at 2024-05-01T11:00:00.000Z, in 60 min): re-run the job later, or use a token with its own limit`,
    );
    expect(waits).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });
});
