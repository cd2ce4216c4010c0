/**
 * `testloop ci --comment` end to end: the built CLI on a fixture repository with a real vitest run, posting
 * to local GitHub and GitLab servers with each CI's variables; fail-open by default, red with --strict.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { circleciEnv, gitlabMergeRequestEnv } from '../../helpers/ci-env.ts';
import { runTestloopAsync } from '../../helpers/cli.ts';
import { type App, copyFixtureApp } from '../../helpers/fixture-app.ts';
import { type GitHubServer, startGitHubServer } from '../../helpers/github-server.ts';
import { type GitLabServer, startGitLabServer } from '../../helpers/gitlab-server.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/ci/', import.meta.url));
const MARKER = '<!-- testloop:ci -->';

// The changed test checks that the tests testloop runs never see the comment tokens.
const TOKEN_TEST = `import { expect, it } from 'vitest';
it('runs without the comment tokens', () => {
  expect(process.env.TESTLOOP_GITHUB_TOKEN).toBeUndefined();
  expect(process.env.TESTLOOP_GITLAB_TOKEN).toBeUndefined();
});
`;

let app: App;
let github: GitHubServer;
let gitlab: GitLabServer;

beforeAll(() => {
  app = copyFixtureApp(FIXTURES, 'vitest-app');
  app.git('checkout', '-qb', 'feature');
  writeFileSync(join(app.dir, 'src/tokens.test.ts'), TOKEN_TEST);
  app.git('add', '-A');
  app.git('commit', '-qm', 'feature work');
});
afterAll(() => app.remove());
beforeEach(async () => {
  [github, gitlab] = await Promise.all([startGitHubServer(), startGitLabServer()]);
});
afterEach(async () => {
  await Promise.all([github.close(), gitlab.close()]);
});

const ci = (args: string[], env: Record<string, string>) =>
  runTestloopAsync(['ci', '--base', 'main', '--skip', 'generate,ingest,triage', ...args], {
    cwd: app.dir,
    env: { CI: 'true', ...env },
  });

const circleci = () => circleciEnv(github);

// Two CLI runs with a real vitest run each: on a loaded machine that is more than the default minute.
describe('testloop ci --comment', { timeout: 180_000 }, () => {
  it('on CircleCI: posts the comment on the GitHub pull request; the tests never see the token', async () => {
    const run = await ci(['--comment', '--format', 'json'], circleci());
    expect(run.stderr).not.toMatch(/internal error|warning/);
    expect(run.status).toBe(0);
    const [comment] = github.comments.get(42)!;
    expect(run.stderr).toContain(`testloop: pull-request comment created: ${comment!.html_url}\n`);
    expect(JSON.parse(run.stdout).comment).toEqual({
      status: 'created',
      message: `pull-request comment created: ${comment!.html_url}`,
      url: comment!.html_url,
      forge: 'github',
    });
    expect(comment!.body.startsWith(`${MARKER}\n\n### ✅ testloop: tests pass and every gate holds\n`)).toBe(
      true,
    );
    expect(comment!.body).toContain('- **Tests:** ran 1 of 4 test files');
  });

  it('on GitLab, switched on by TESTLOOP_COMMENT: creates the merge-request note, then updates it', async () => {
    const env = gitlabMergeRequestEnv(gitlab, { TESTLOOP_COMMENT: 'true' });
    const first = await ci([], env);
    expect(first.status).toBe(0);
    const [note] = gitlab.notes.get(7)!;
    expect(first.stderr).toContain(
      `testloop: merge-request comment created: https://gitlab.example.com/group/widgets/-/merge_requests/7#note_${note!.id}\n`,
    );
    const second = await ci(['--format', 'json'], env);
    expect(second.status).toBe(0);
    expect(second.stderr).toContain('testloop: merge-request comment updated: ');
    expect(JSON.parse(second.stdout).comment).toEqual({
      status: 'updated',
      message: `merge-request comment updated: https://gitlab.example.com/group/widgets/-/merge_requests/7#note_${note!.id}`,
      url: `https://gitlab.example.com/group/widgets/-/merge_requests/7#note_${note!.id}`,
      forge: 'gitlab',
    });
    expect(gitlab.notes.get(7)).toHaveLength(1);
    expect(gitlab.writes().map((r) => r.method)).toEqual(['POST', 'PUT']);
  });

  it('a refused comment is a warning and leaves the status alone; with --strict it fails the build', async () => {
    const refused = { status: 403, body: { message: 'Resource not accessible by integration' } };
    github.script('GET', '/repos/octo-org/widgets/issues/42/comments', refused, refused);
    const open = await ci(['--comment', '--format', 'json:ci.json'], circleci());
    expect(open.status).toBe(0);
    expect(open.stderr).toMatch(
      /testloop: warning: could not comment on pull request octo-org\/widgets#42: TESTLOOP_GITHUB_AUTH: .*; the exit status is not affected\n/,
    );
    const report = JSON.parse(readFileSync(join(app.dir, 'ci.json'), 'utf8'));
    expect(report.exitCode).toBe(0);
    expect(report.comment).toEqual({
      status: 'failed',
      message: expect.stringMatching(
        /^could not comment on pull request octo-org\/widgets#42: TESTLOOP_GITHUB_AUTH: /,
      ),
      forge: 'github',
    });
    rmSync(join(app.dir, 'ci.json'));
    const strict = await ci(['--comment', '--strict'], circleci());
    expect(strict.status).toBe(1);
    expect(strict.stderr).toMatch(/TESTLOOP_GITHUB_AUTH: .*; --strict fails the build\n/);
    expect(github.comments.get(42)).toBeUndefined();
  });

  it('without pull-request variables: a warning that names them, exit 0', async () => {
    const run = await ci(['--comment', '--format', 'json'], { TESTLOOP_GITHUB_TOKEN: github.token });
    expect(run.status).toBe(0);
    expect(run.stderr).toContain(
      'testloop: warning: no pull-request comment: no pull or merge request in the CI variables: testloop reads CIRCLE_PULL_REQUEST (CircleCI)',
    );
    expect(JSON.parse(run.stdout).comment).toEqual({
      status: 'failed',
      message: expect.stringMatching(
        /^no pull-request comment: no pull or merge request in the CI variables/,
      ),
    });
    expect(github.requests).toHaveLength(0);
  });

  it('a shard posts nothing and its JSON says why; without --comment the JSON has no comment', async () => {
    const shard = await ci(['--comment', '--shard', '1/2', '--format', 'json'], circleci());
    expect(shard.status).toBe(0);
    expect(JSON.parse(shard.stdout).comment).toEqual({
      status: 'skipped',
      message: expect.stringMatching(/^No pull-request comment from shard 1\/2: /),
      forge: 'github',
    });
    expect(github.requests).toHaveLength(0);
    const plain = await ci(['--format', 'json'], circleci());
    expect(plain.status).toBe(0);
    expect(JSON.parse(plain.stdout)).not.toHaveProperty('comment');
    expect(github.requests).toHaveLength(0);
  });
});
