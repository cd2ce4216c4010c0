import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewFile } from '../../../src/generate/output.ts';
import type { PullRequestContext } from '../../../src/integrations/github/context.ts';
import { type ProposeOptions, proposeTests } from '../../../src/integrations/github/propose.ts';
import { GitHubClient } from '../../../src/integrations/github/rest.ts';
import { type GitHubServer, startGitHubServer } from '../../helpers/github-server.ts';

const FIXTURES = new URL('../../fixtures/integrations/github/', import.meta.url);
const TEST_PATHS = ['test/cart.applyDiscount.test.ts', 'src/api/orders.validateOrder.test.ts'];
const generated = (): NewFile[] =>
  TEST_PATHS.map((path) => ({ path, content: readFileSync(new URL(`generated/${path}`, FIXTURES), 'utf8') }));

const SOURCE = {
  'package.json': '{ "name": "widgets", "type": "module" }\n',
  'src/cart.ts': 'export function applyDiscount() {}\n',
};

let server: GitHubServer;
let client: GitHubClient;
let headSha: string;

beforeEach(async () => {
  server = await startGitHubServer();
  client = new GitHubClient({ token: server.token, baseUrl: server.url });
  const base = server.addCommit({ 'package.json': SOURCE['package.json'] });
  headSha = server.addCommit(SOURCE, [base]);
  server.refs.set('main', base);
  server.refs.set('feature/discounts', headSha);
  server.protectedBranches.add('main');
});
afterEach(async () => {
  await server.close();
});

function pullRequest(overrides: Partial<PullRequestContext> = {}): PullRequestContext {
  return {
    number: 42,
    headSha,
    headRef: 'feature/discounts',
    headRepository: 'octo-org/widgets',
    baseRef: 'main',
    baseSha: server.refs.get('main')!,
    headIsFork: false,
    ...overrides,
  };
}

function options(overrides: Partial<ProposeOptions> = {}): ProposeOptions {
  return {
    owner: 'octo-org',
    repo: 'widgets',
    eventName: 'pull_request',
    pullRequest: pullRequest(),
    files: generated(),
    ...overrides,
  };
}

describe('proposeTests', () => {
  it('commits the tests on top of the head commit and opens a pull request against the author’s branch', async () => {
    const result = await proposeTests(client, options());
    expect(result).toMatchObject({
      status: 'proposed',
      branch: 'testloop/tests-for-42',
      action: 'created',
      pullRequest: { number: 100, url: 'https://github.com/octo-org/widgets/pull/100' },
    });
    if (result.status !== 'proposed') return;
    expect(server.refs.get('testloop/tests-for-42')).toBe(result.commitSha);
    expect(server.filesAt(result.commitSha)).toEqual({
      ...SOURCE,
      [TEST_PATHS[0]!]: readFileSync(new URL(`generated/${TEST_PATHS[0]}`, FIXTURES), 'utf8'),
      [TEST_PATHS[1]!]: readFileSync(new URL(`generated/${TEST_PATHS[1]}`, FIXTURES), 'utf8'),
    });
    const commit = server.requests.find((r) => r.method === 'POST' && r.path.endsWith('/git/commits'))!;
    expect(commit.body.parents).toEqual([headSha]);
    expect(server.pulls).toHaveLength(1);
    expect(server.pulls[0]).toMatchObject({
      head: { ref: 'testloop/tests-for-42' },
      base: { ref: 'feature/discounts' },
    });
    // The author's branch and the protected base are untouched.
    expect(server.refs.get('feature/discounts')).toBe(headSha);
    const refWrites = server.writes().filter((r) => r.path.includes('/git/refs'));
    expect(refWrites.map((r) => `${r.method} ${r.path} ${r.body.ref ?? ''}`)).toEqual([
      'POST /repos/octo-org/widgets/git/refs refs/heads/testloop/tests-for-42',
    ]);
  });

  it('on the next push, force-moves its branch and finds the open pull request', async () => {
    const first = await proposeTests(client, options());
    const files = generated();
    files[0] = { ...files[0]!, content: `${files[0]!.content}// regenerated\n` };
    const second = await proposeTests(client, options({ files }));
    expect(second).toMatchObject({ status: 'proposed', action: 'found', pullRequest: { number: 100 } });
    if (first.status !== 'proposed' || second.status !== 'proposed') return;
    expect(second.commitSha).not.toBe(first.commitSha);
    expect(server.refs.get('testloop/tests-for-42')).toBe(second.commitSha);
    expect(server.filesAt(second.commitSha)[TEST_PATHS[0]!]).toMatch(/\/\/ regenerated\n$/);
    const update = server.writes().find((r) => r.method === 'PATCH')!;
    expect(update.path).toBe('/repos/octo-org/widgets/git/refs/heads/testloop/tests-for-42');
    expect(update.body).toEqual({ sha: second.commitSha, force: true });
    expect(server.pulls).toHaveLength(1);
  });

  describe('refuses without writing anything', () => {
    it('when the head branch is in a fork', async () => {
      const result = await proposeTests(
        client,
        options({ pullRequest: pullRequest({ headIsFork: true, headRepository: 'mallory/widgets' }) }),
      );
      expect(result).toEqual({
        status: 'refused',
        reason:
          "the pull request's branch is in the fork mallory/widgets: this workflow's token cannot push there",
      });
      expect(server.requests).toEqual([]);
    });

    it('on pull_request_target from a fork', async () => {
      const result = await proposeTests(
        client,
        options({
          eventName: 'pull_request_target',
          pullRequest: pullRequest({ headIsFork: true, headRepository: 'mallory/widgets' }),
        }),
      );
      expect(result.status).toBe('refused');
      expect(result.status === 'refused' && result.reason).toMatch(
        /^pull_request_target runs with a write token/,
      );
      expect(server.requests).toEqual([]);
    });

    it('when the branch the tests would go into is protected', async () => {
      server.protectedBranches.add('feature/discounts');
      const result = await proposeTests(client, options());
      expect(result).toEqual({
        status: 'refused',
        reason:
          'feature/discounts (the pull request branch the tests would go into) is protected: testloop does not push to protected branches',
      });
      expect(server.writes()).toEqual([]);
      expect(server.requests.map((r) => r.path)).toEqual([
        '/repos/octo-org/widgets/branches/feature%2Fdiscounts',
      ]);
    });

    it('when its own branch exists and is protected', async () => {
      server.refs.set('testloop/tests-for-42', headSha);
      server.protectedBranches.add('testloop/tests-for-42');
      const result = await proposeTests(client, options());
      expect(result.status === 'refused' && result.reason).toMatch(
        /^testloop\/tests-for-42 \(the branch testloop would push\) is protected/,
      );
      expect(server.writes()).toEqual([]);
    });

    it('when no test was accepted', async () => {
      const result = await proposeTests(client, options({ files: [] }));
      expect(result).toEqual({
        status: 'refused',
        reason: 'no generated test was accepted: nothing to propose',
      });
      expect(server.requests).toEqual([]);
    });
  });
});
