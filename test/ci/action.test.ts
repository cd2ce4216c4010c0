/**
 * The GitHub Action end to end: the bundled dist/action.js in a child process, as a runner starts it, on
 * fixture repositories, with a local GitHub REST server and a local OpenAI-protocol server.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runNodeAsync } from '../helpers/cli.ts';
import { type App, copyFixtureApp } from '../helpers/fixture-app.ts';
import { type GitHubServer, startGitHubServer } from '../helpers/github-server.ts';
import { type OpenAiServer, startOpenAiServer } from '../helpers/openai-server.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/ci/', import.meta.url));
const ACTION = fileURLToPath(new URL('../../dist/action.js', import.meta.url));
const PR = 7;

const BULK = `
export function bulkPrice(quantity: number, unit: number): number {
  if (quantity >= 100) {
    return quantity * unit * 0.9;
  }
  return quantity * unit;
}
`;
const GOOD_TEST = `import { expect, it } from 'vitest';\nimport { bulkPrice } from './pricing.ts';\n\nit('discounts bulk orders', () => {\n  expect(bulkPrice(100, 1)).toBe(90);\n  expect(bulkPrice(2, 3)).toBe(6);\n});\n`;

let github: GitHubServer;
let llm: OpenAiServer;
let runner: string;
const apps: App[] = [];

beforeAll(async () => {
  llm = await startOpenAiServer({ apiKey: 'sk-action-test' });
});
afterAll(async () => {
  await llm.close();
  for (const app of apps) app.remove();
});
beforeEach(async () => {
  github = await startGitHubServer();
  runner = mkdtempSync(join(tmpdir(), 'testloop-runner-'));
});
afterEach(async () => {
  await github.close();
  rmSync(runner, { recursive: true, force: true });
});

/** A pull request: the fixture on main, the change on `feature`, the event payload GitHub would write. */
function pullRequest(fixture: string, changes: Record<string, string>) {
  const app = copyFixtureApp(FIXTURES, fixture);
  apps.push(app);
  app.git('checkout', '-qb', 'feature');
  for (const [file, content] of Object.entries(changes)) writeFileSync(join(app.dir, file), content);
  app.git('commit', '-qam', 'feature work');
  const head = app.git('rev-parse', 'HEAD');
  const base = app.git('rev-parse', 'main');
  // The API's view of the same head commit, for the proposal branch built on top of it.
  github.addCommit({ 'package.json': readFileSync(join(app.dir, 'package.json'), 'utf8') }, [], head);
  github.refs.set('feature', head);
  const event = join(runner, 'event.json');
  const repo = { full_name: 'octo-org/widgets', fork: false };
  writeFileSync(
    event,
    JSON.stringify({
      action: 'synchronize',
      number: PR,
      pull_request: {
        number: PR,
        head: { ref: 'feature', sha: head, repo },
        base: { ref: 'main', sha: base, repo },
      },
      repository: repo,
    }),
  );
  return { app, head, event };
}

function action(
  app: App,
  event: string,
  inputs: Record<string, string>,
  extraEnv: Record<string, string> = {},
) {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'octo-org/widgets',
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: event,
    GITHUB_BASE_REF: 'main',
    GITHUB_HEAD_REF: 'feature',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: github.url,
    GITHUB_SHA: 'ffffffffffffffffffffffffffffffffffffffff',
    GITHUB_RUN_ID: '501',
    GITHUB_WORKSPACE: app.dir,
    GITHUB_OUTPUT: join(runner, 'output'),
    GITHUB_STEP_SUMMARY: join(runner, 'summary.md'),
    'INPUT_GITHUB-TOKEN': github.token,
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    ...extraEnv,
  };
  mkdirSync(runner, { recursive: true });
  return runNodeAsync(ACTION, [], { cwd: app.dir, env });
}

const outputs = () =>
  Object.fromEntries(
    [...readFileSync(join(runner, 'output'), 'utf8').matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)].map(
      (m) => [m[1], m[3]],
    ),
  );

describe('the GitHub Action on a vitest pull request', () => {
  it('comments once, summarises, offers the generated test as a patch and a pull request', async () => {
    const pricing = readFileSync(join(FIXTURES, 'vitest-app/src/pricing.ts'), 'utf8');
    const { app, head, event } = pullRequest('vitest-app', { 'src/pricing.ts': pricing + BULK });
    llm.handler = () => ({ reply: { code: GOOD_TEST } });
    const inputs = {
      'llm-base-url': llm.url,
      model: 'test-model',
      'llm-api-key': 'sk-action-test',
      'propose-tests': 'true',
      'patch-artifact': 'testloop-tests',
    };
    const run = await action(app, event, inputs);
    expect(run.stderr).not.toMatch(/internal error/);
    expect(run.stdout).not.toContain('::error');
    expect(run.status).toBe(0);

    expect(outputs()).toEqual({
      'selected-count': '1',
      'diff-coverage': '0.00',
      'accepted-tests': '1',
      'flaky-count': '0',
      patch: '.testloop/tests.patch',
    });
    const patch = readFileSync(join(app.dir, '.testloop/tests.patch'), 'utf8');
    expect(patch).toContain("+it('discounts bulk orders', () => {");

    const comments = github.comments.get(PR)!;
    expect(comments).toHaveLength(1);
    const body = comments[0]!.body;
    expect(body.startsWith('<!-- testloop:ci -->')).toBe(true);
    expect(body).toContain(`(https://github.com/octo-org/widgets/blob/${head}/src/pricing.ts#L17-L18)`);
    expect(body).toMatch(/<details><summary>src\/pricing\.[\w.]*test\.ts/);
    expect(body).toContain("it('discounts bulk orders', () => {");
    const summary = readFileSync(join(runner, 'summary.md'), 'utf8');
    expect(summary).toContain('src/pricing.ts');
    // Annotations for the uncovered lines, within GitHub's cap.
    expect(run.stdout).toMatch(/::warning file=src\/pricing\.ts,line=17,endLine=18,/);

    // The proposal: a branch on top of the head commit, and a pull request against the author's branch.
    const proposal = github.pulls.find((p) => p.base.ref === 'feature')!;
    expect(proposal.head.ref).toBe(`testloop/tests-for-${PR}`);
    const files = github.filesAt(github.refs.get(`testloop/tests-for-${PR}`)!);
    const testFile = Object.keys(files).find((f) => f.endsWith('.test.ts'))!;
    expect(files[testFile]).toBe(GOOD_TEST);

    // The next push updates the same comment in place.
    const again = await action(app, event, { ...inputs, 'propose-tests': 'false' });
    expect(again.status).toBe(0);
    expect(github.comments.get(PR)).toHaveLength(1);
    expect(
      github.writes().filter((r) => r.method === 'PATCH' && r.path.includes('/issues/comments/')),
    ).toHaveLength(1);
  });

  it('keeps the build green when GitHub is down, and says so', async () => {
    const pricing = readFileSync(join(FIXTURES, 'vitest-app/src/pricing.ts'), 'utf8');
    const { app, event } = pullRequest('vitest-app', { 'src/pricing.ts': `${pricing}\n` });
    for (let i = 0; i < 6; i++)
      github.script('GET', /\/issues\/7\/comments/, { status: 503, body: { message: 'unavailable' } });
    const run = await action(app, event, { generate: 'off' });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/::warning::testloop could not .*comment/);
    expect(existsSync(join(runner, 'summary.md'))).toBe(true);
  });
});

describe('the GitHub Action when a gate cannot be evaluated', () => {
  it('says so in the log, the comment and the summary, and fails only with strict', async () => {
    const pricing = readFileSync(join(FIXTURES, 'vitest-app/src/pricing.ts'), 'utf8');
    const { app, event } = pullRequest('vitest-app', { 'src/pricing.ts': pricing + BULK });
    // The pull request's base branch was never fetched into this checkout.
    const env = { GITHUB_BASE_REF: 'release' };
    const run = await action(app, event, { generate: 'off', 'fail-under': '80' }, env);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(
      /^::warning::testloop: gate fail-under not evaluated: diff coverage unknown: the gaps step failed \(unknown base ref origin\/release/m,
    );
    const body = github.comments.get(PR)![0]!.body;
    expect(body).toContain('### ⚠️ testloop: tests pass, but not evaluated: fail-under');
    expect(body).toMatch(/^- ⚠️ gate \*\*fail-under\*\* not evaluated: diff coverage unknown/m);
    expect(readFileSync(join(runner, 'summary.md'), 'utf8')).toContain('not evaluated: fail-under');
    expect(outputs()['diff-coverage']).toBe('');

    const strict = await action(app, event, { generate: 'off', 'fail-under': '80', strict: 'true' }, env);
    expect(strict.status).toBe(1);
  });
});

describe('the GitHub Action on a jest pull request', () => {
  it('fails with the failing test and names it in the comment', async () => {
    const pricing = readFileSync(join(FIXTURES, 'jest-app/lib/pricing.js'), 'utf8');
    const { app, event } = pullRequest('jest-app', {
      'lib/pricing.js': pricing.replace('sum + item.price * item.quantity', 'sum + item.price'),
    });
    const run = await action(app, event, { generate: 'off' });
    expect(run.status).toBe(1);
    const body = github.comments.get(PR)![0]!.body;
    expect(body).toContain('total › adds price times quantity');
    expect(outputs()['selected-count']).toBe('1');
  });
});
