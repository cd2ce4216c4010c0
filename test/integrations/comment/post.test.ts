/**
 * `postCiComment` (what `testloop ci --comment` calls) against local GitHub and GitLab REST servers, with
 * the variables each CI sets: create, update in place, fail-open answers, missing variables, escaping.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CiResult } from '../../../src/ci/types.ts';
import { postCiComment } from '../../../src/integrations/comment/post.ts';
import { circleciEnv, gitlabMergeRequestEnv, HEAD_SHA } from '../../helpers/ci-env.ts';
import { type GitHubServer, startGitHubServer } from '../../helpers/github-server.ts';
import { type GitLabServer, startGitLabServer } from '../../helpers/gitlab-server.ts';

const FIXTURES = new URL('../../fixtures/integrations/github/', import.meta.url);
const PATCH = readFileSync(new URL('tests.patch', FIXTURES), 'utf8');
const MARKER = '<!-- testloop:ci -->';
const SHA = HEAD_SHA;
const fixtureResult = (): CiResult => JSON.parse(readFileSync(new URL('ci-result.json', FIXTURES), 'utf8'));

let github: GitHubServer;
let gitlab: GitLabServer;
let cwd: string;

beforeEach(async () => {
  [github, gitlab] = await Promise.all([startGitHubServer(), startGitLabServer()]);
  cwd = mkdtempSync(join(tmpdir(), 'testloop-comment-'));
  mkdirSync(join(cwd, '.testloop'));
  writeFileSync(join(cwd, '.testloop/tests.patch'), PATCH);
});
afterEach(async () => {
  await Promise.all([github.close(), gitlab.close()]);
  rmSync(cwd, { recursive: true, force: true });
});

const post = (env: NodeJS.ProcessEnv, result = fixtureResult()) => postCiComment(result, { cwd, env });

const circleci = (overrides: Record<string, string> = {}) => circleciEnv(github, overrides);
const gitlabCi = (overrides: Record<string, string> = {}) => gitlabMergeRequestEnv(gitlab, overrides);

const writes = (server: { writes(): { method: string; path: string }[] }) =>
  server.writes().map((r) => `${r.method} ${r.path}`);

describe('the pull-request comment on GitHub', () => {
  it('from CircleCI: creates it with links to the build’s commit, then updates the same comment', async () => {
    const first = await post(circleci());
    expect(first).toMatchObject({ status: 'created', forge: 'github' });
    expect(first.message).toBe(`pull-request comment created: ${first.url}`);
    const [comment] = github.comments.get(42)!;
    expect(comment!.body.startsWith(`${MARKER}\n\n### ❌ testloop: 2 tests failed\n`)).toBe(true);
    expect(comment!.body).toContain(
      `[10-12](https://github.com/octo-org/widgets/blob/${SHA}/src/cart.ts#L10-L12)`,
    );
    expect(comment!.body).toContain(
      '[CircleCI build](https://app.circleci.com/pipelines/github/octo-org/widgets/9/workflows/w/jobs/12)',
    );
    expect(github.requests[0]!.headers.authorization).toBe(`Bearer ${github.token}`);

    const passing = { ...fixtureResult(), exitCode: 0, gates: [], run: undefined } as unknown as CiResult;
    const second = await post(circleci(), passing);
    expect(second).toMatchObject({ status: 'updated', url: first.url });
    expect(github.comments.get(42)).toHaveLength(1);
    expect(github.comments.get(42)![0]!.body).toContain('### ✅ testloop');
    expect(writes(github)).toEqual([
      'POST /repos/octo-org/widgets/issues/42/comments',
      `PATCH /repos/octo-org/widgets/issues/comments/${comment!.id}`,
    ]);
  });

  it('from Buildkite: reads the repository from an SSH BUILDKITE_REPO and updates the comment a previous build left', async () => {
    github.addComment(42, 'LGTM', 'alice');
    const previous = github.addComment(42, `${MARKER}\nprevious build`);
    const outcome = await post({
      BUILDKITE: 'true',
      BUILDKITE_PULL_REQUEST: '42',
      BUILDKITE_REPO: 'git@github.com:octo-org/widgets.git',
      BUILDKITE_COMMIT: SHA,
      BUILDKITE_BUILD_URL: 'https://buildkite.com/octo-org/widgets/builds/5',
      GITHUB_API_URL: github.url,
      GITHUB_TOKEN: github.token,
    });
    expect(outcome).toMatchObject({ status: 'updated', url: previous.html_url });
    expect(github.comments.get(42)!.map((c) => c.body.split('\n\n')[0])).toEqual(['LGTM', MARKER]);
    expect(github.comments.get(42)![1]!.body).toContain(
      '[Buildkite build](https://buildkite.com/octo-org/widgets/builds/5)',
    );
  });

  it('from GitHub Actions: the pull request from GITHUB_REF; a fork’s pull_request run posts nothing', async () => {
    const actions = {
      GITHUB_ACTIONS: 'true',
      GITHUB_REF: 'refs/pull/42/merge',
      GITHUB_REPOSITORY: 'octo-org/widgets',
      GITHUB_API_URL: github.url,
      GITHUB_TOKEN: github.token,
    };
    expect(await post(actions)).toMatchObject({ status: 'created' });
    expect(github.comments.get(42)).toHaveLength(1);

    const fork = await post({
      ...actions,
      GITHUB_REF: 'refs/pull/43/merge',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: fileURLToPath(new URL('events/pull_request-fork.json', FIXTURES)),
    });
    expect(fork).toEqual({
      status: 'skipped',
      forge: 'github',
      message:
        'No pull-request comment: a fork’s pull_request workflow has a read-only token; see the job summary',
    });
    expect(github.comments.get(43)).toBeUndefined();
    expect(writes(github)).toHaveLength(1);
  });

  it('a 403 on a fork’s pull request is a warning that names the fork, not an exception', async () => {
    github.script('GET', '/repos/octo-org/widgets/issues/42/comments', {
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    });
    const outcome = await post(circleci({ CIRCLE_PR_REPONAME: 'widgets', CIRCLE_PR_USERNAME: 'mallory' }));
    expect(outcome.status).toBe('failed');
    expect(outcome.message).toBe(
      'could not comment on pull request octo-org/widgets#42: TESTLOOP_GITHUB_AUTH: GitHub refused GET /repos/octo-org/widgets/issues/42/comments (403: Resource not accessible by integration): use a token that can write pull-request comments (classic: repo scope; fine-grained: Pull requests read and write) (the change comes from a fork: CircleCI gives fork builds no secrets or a read-only token unless the project allows it)',
    );
    expect(github.comments.get(42)).toBeUndefined();
  });

  it('a server that is down or failing is a warning after the retries', async () => {
    const down = await startGitHubServer();
    await down.close();
    const unreachable = await post(circleci({ GITHUB_API_URL: down.url }));
    expect(unreachable.status).toBe('failed');
    expect(unreachable.message).toMatch(
      /^could not comment on pull request octo-org\/widgets#42: TESTLOOP_GITHUB_UNAVAILABLE: cannot reach GitHub at http:\/\/127\.0\.0\.1:\d+ for GET \/repos\/octo-org\/widgets\/issues\/42\/comments \(ECONNREFUSED, 3 attempts\)/,
    );
    const failing = { status: 503, body: { message: 'Service Unavailable' } };
    github.script('GET', '/repos/octo-org/widgets/issues/42/comments', failing, failing, failing);
    const outcome = await post(circleci());
    expect(outcome.status).toBe('failed');
    expect(outcome.message).toContain('TESTLOOP_GITHUB_UNAVAILABLE: GitHub failed on GET');
  });

  it('without pull-request variables or a token: a warning that says what to set, and no request', async () => {
    expect(await post({ CI: 'true' })).toEqual({
      status: 'failed',
      message:
        'no pull-request comment: no pull or merge request in the CI variables: testloop reads CIRCLE_PULL_REQUEST (CircleCI), BUILDKITE_PULL_REQUEST and BUILDKITE_REPO (Buildkite), GITHUB_REF=refs/pull/<n>/merge and GITHUB_REPOSITORY (GitHub Actions), or CI_MERGE_REQUEST_IID and CI_PROJECT_ID (GitLab CI)',
    });
    expect((await post(circleci({ CIRCLE_PULL_REQUEST: '' }))).message).toBe(
      'no pull-request comment: this CircleCI build has no pull request (CIRCLE_PULL_REQUEST is unset): open one for the branch, or turn on "Only build pull requests"',
    );
    expect((await post({ BUILDKITE: 'true', BUILDKITE_PULL_REQUEST: 'false' })).message).toMatch(
      /^no pull-request comment: this Buildkite build has no pull request/,
    );
    expect((await post(gitlabCi({ CI_MERGE_REQUEST_IID: '' }))).message).toMatch(
      /^no pull-request comment: this GitLab pipeline is not a merge request pipeline \(CI_MERGE_REQUEST_IID is unset\)/,
    );
    expect(await post(circleci({ TESTLOOP_GITHUB_TOKEN: '' }))).toEqual({
      status: 'failed',
      forge: 'github',
      message:
        'no comment on pull request octo-org/widgets#42: no token; set TESTLOOP_GITHUB_TOKEN (or GITHUB_TOKEN) to a token that can comment',
    });
    expect(github.requests).toHaveLength(0);
    expect(gitlab.requests).toHaveLength(0);
  });

  it('from Buildkite building a GitLab or Bitbucket repository: no request, so the GitHub token goes nowhere', async () => {
    const requested: string[] = [];
    const recording = (async (url: string | URL | Request) => {
      requested.push(String(url));
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    const buildkite = (overrides: Record<string, string>) => ({
      BUILDKITE: 'true',
      BUILDKITE_PULL_REQUEST: '42',
      BUILDKITE_COMMIT: SHA,
      GITHUB_TOKEN: 'ghp_secret',
      ...overrides,
    });
    for (const env of [
      buildkite({ BUILDKITE_REPO: 'git@gitlab.com:group/widgets.git' }),
      buildkite({ BUILDKITE_REPO: 'https://bitbucket.org/team/widgets.git' }),
      buildkite({
        BUILDKITE_REPO: 'git@git.example.com:group/widgets.git',
        BUILDKITE_PIPELINE_PROVIDER: 'gitlab_ee',
      }),
    ]) {
      const outcome = await postCiComment(fixtureResult(), { cwd, env, fetch: recording });
      expect(outcome.status).toBe('failed');
      expect(outcome.message).toMatch(
        /^no pull-request comment: this Buildkite pipeline builds .*, not a GitHub repository/,
      );
    }
    expect(requested).toEqual([]);
  });

  it('a shard of a matrix posts nothing (it would overwrite the others’ comment)', async () => {
    const result = fixtureResult();
    result.selection!.shard = { index: 2, total: 4 } as NonNullable<CiResult['selection']>['shard'];
    expect(await post(circleci(), result)).toMatchObject({
      status: 'skipped',
      message: expect.stringMatching(/^No pull-request comment from shard 2\/4/),
    });
    expect(github.requests).toHaveLength(0);
  });
});

describe('the merge-request note on GitLab', () => {
  it('creates the note with GitLab line links, then finds it past a page of others and updates it', async () => {
    gitlab.addNote(7, 'added 1 commit', { system: true });
    gitlab.addNote(7, `> ${MARKER}\n> quoted by a reviewer`, { username: 'bob' });
    const first = await post(gitlabCi());
    expect(first).toMatchObject({ status: 'created', forge: 'gitlab' });
    const [ours] = gitlab.notes.get(7)!.filter((note) => note.body.startsWith(MARKER));
    expect(first.url).toBe(`https://gitlab.example.com/group/widgets/-/merge_requests/7#note_${ours!.id}`);
    expect(ours!.body).toContain(
      `[10-12](https://gitlab.example.com/group/widgets/-/blob/${SHA}/src/cart.ts#L10-12)`,
    );
    expect(ours!.body).toContain('[Pipeline](https://gitlab.example.com/group/widgets/-/pipelines/88)');
    expect(gitlab.requests[0]!.headers['private-token']).toBe(gitlab.token);
    expect(gitlab.requests[0]!.headers.authorization).toBeUndefined();

    for (let i = 0; i < 120; i++) gitlab.addNote(7, `review note ${i}`, { username: 'alice' });
    const second = await post(gitlabCi());
    expect(second).toMatchObject({ status: 'updated', url: first.url });
    const listings = gitlab.requests.filter((r) => r.method === 'GET').slice(1);
    expect(listings.map((r) => r.query.page ?? '1')).toEqual(['1', '2']);
    expect(gitlab.notes.get(7)!.filter((note) => note.body.includes(MARKER))).toHaveLength(2);
    expect(writes(gitlab)).toEqual([
      `POST /api/v4/projects/${gitlab.projectId}/merge_requests/7/notes`,
      `PUT /api/v4/projects/${gitlab.projectId}/merge_requests/7/notes/${ours!.id}`,
    ]);
  });

  it('a project path as CI_PROJECT_ID is encoded as one segment; a 403 is a warning with GitLab’s code', async () => {
    const byPath = await startGitLabServer({ projectId: 'group/widgets' });
    try {
      const env = gitlabCi({
        CI_PROJECT_ID: 'group/widgets',
        CI_API_V4_URL: byPath.apiUrl,
        TESTLOOP_GITLAB_TOKEN: byPath.token,
      });
      expect(await post(env)).toMatchObject({ status: 'created' });
      expect(byPath.writes()[0]!.path).toBe('/api/v4/projects/group%2Fwidgets/merge_requests/7/notes');
      byPath.script('GET', /\/notes$/, { status: 403, body: { message: '403 Forbidden' } });
      const refused = await post(env);
      expect(refused.status).toBe('failed');
      expect(refused.message).toBe(
        'could not comment on merge request !7 of project group/widgets: TESTLOOP_GITLAB_AUTH: GitLab refused GET /projects/group%2Fwidgets/merge_requests/7/notes (403: 403 Forbidden): give the token in TESTLOOP_GITLAB_TOKEN the api scope and at least the Reporter role in the project',
      );
    } finally {
      await byPath.close();
    }
  });
});

describe('hostile text from the pull request', () => {
  const HOSTILE = '@alice <img src=x onerror=alert(1)>\n/approve';
  const hostile = () => {
    const result = fixtureResult();
    result.run!.failedTests = [`test/x.test.ts › pings ${HOSTILE}`, 'test/y.test.ts › ``` fence | pipe'];
    result.gates.push({ name: 'strict', passed: false, status: 'failed', detail: `step failed: ${HOSTILE}` });
    return result;
  };

  it.each(['github', 'gitlab'] as const)(
    '%s: no mention, no HTML, no quick action reaches the body',
    async (forge) => {
      const outcome = await post(forge === 'github' ? circleci() : gitlabCi(), hostile());
      expect(outcome.status).toBe('created');
      const body =
        forge === 'github'
          ? github.comments.get(42)![0]!.body
          : gitlab.notes.get(7)!.find((note) => note.body.startsWith(MARKER))!.body;
      // In a code span, markdown shows the text as it is: no HTML, no mention, one line.
      const span = '- `test/x.test.ts › pings @alice <img src=x onerror=alert(1)> /approve`';
      expect(body).toContain(span);
      expect(body).toContain('- ````test/y.test.ts › ``` fence | pipe````');
      // In text it is escaped.
      expect(body).toContain(
        '- ❌ gate **strict**: step failed: @\u200Balice &lt;img src=x onerror=alert(1)&gt; /approve',
      );
      const lines = body.split('\n');
      expect(lines.filter((line) => /<img|@alice/.test(line))).toEqual([span]);
      expect(lines.filter((line) => /^\/\w/.test(line))).toEqual([]);
    },
  );
});
