import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CiOptions, CiResult } from '../../../src/ci/types.ts';
import { CI_OPTIONS } from '../../../src/config/ci-options.ts';
import { TestloopError } from '../../../src/errors.ts';
import { outputsOf, runAction } from '../../../src/integrations/github/action.ts';
import { inputOf } from '../../../src/integrations/github/inputs.ts';
import { type GitHubServer, startGitHubServer } from '../../helpers/github-server.ts';

const FIXTURES = new URL('../../fixtures/integrations/github/', import.meta.url);
const PATCH = readFileSync(new URL('tests.patch', FIXTURES), 'utf8');
const HEAD = '9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b';
const fixtureResult = (): CiResult => JSON.parse(readFileSync(new URL('ci-result.json', FIXTURES), 'utf8'));

let server: GitHubServer;
let workspace: string;
let stdout: string;
let stderr: string;
let calls: CiOptions[];

beforeEach(async () => {
  server = await startGitHubServer();
  workspace = mkdtempSync(join(tmpdir(), 'testloop-action-'));
  stdout = '';
  stderr = '';
  calls = [];
});
afterEach(async () => {
  await server.close();
  rmSync(workspace, { recursive: true, force: true });
});

function env(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    GITHUB_REPOSITORY: 'octo-org/widgets',
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: fileURLToPath(new URL('events/pull_request.json', FIXTURES)),
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: server.url,
    GITHUB_SHA: 'ffffffffffffffffffffffffffffffffffffffff',
    GITHUB_RUN_ID: '77',
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: join(workspace, 'runner', 'output'),
    GITHUB_STEP_SUMMARY: join(workspace, 'runner', 'summary.md'),
    'INPUT_GITHUB-TOKEN': server.token,
    'INPUT_FAIL-UNDER': '80',
    INPUT_SARIF: 'out/testloop.sarif',
    'INPUT_PATCH-ARTIFACT': 'testloop-tests',
    ...overrides,
  };
}

/** Stands in for `testloop ci`: writes the patch where it was asked to, as the generate step does. */
function fakeRunCi(result: CiResult = fixtureResult()) {
  return async (options: CiOptions): Promise<CiResult> => {
    calls.push(options);
    if (options.patch && result.generate) {
      mkdirSync(join(options.cwd!, '.testloop'), { recursive: true });
      writeFileSync(join(options.cwd!, options.patch), PATCH);
    }
    return result;
  };
}

async function run(environment: NodeJS.ProcessEnv, runCi = fakeRunCi()): Promise<number> {
  mkdirSync(join(workspace, 'runner'), { recursive: true });
  return runAction(environment, {
    runCi,
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
}

const outputs = () =>
  readFileSync(join(workspace, 'runner', 'output'), 'utf8').replace(
    /ghadelimiter_[0-9a-f-]{36}/g,
    'DELIMITER',
  );

describe('runAction', () => {
  it('runs testloop ci and publishes outputs, summary, annotations, SARIF and the sticky comment', async () => {
    const status = await run(env());
    expect(status).toBe(1);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ cwd: workspace, failUnder: 80, patch: '.testloop/tests.patch' });
    // The token reached the API but not the environment the tests run in.
    expect(calls[0]!.env!['INPUT_GITHUB-TOKEN']).toBeUndefined();
    expect(server.requests.every((r) => r.headers.authorization === `Bearer ${server.token}`)).toBe(true);

    expect(outputs()).toBe(
      [
        'selected-count<<DELIMITER',
        '12',
        'DELIMITER',
        'diff-coverage<<DELIMITER',
        '85.25',
        'DELIMITER',
        'accepted-tests<<DELIMITER',
        '2',
        'DELIMITER',
        'flaky-count<<DELIMITER',
        '1',
        'DELIMITER',
        'patch<<DELIMITER',
        '.testloop/tests.patch',
        'DELIMITER',
        '',
      ].join('\n'),
    );

    const summary = readFileSync(join(workspace, 'runner', 'summary.md'), 'utf8');
    expect(summary).toContain('### ❌ testloop: 2 tests failed');
    expect(summary).toContain(`(https://github.com/octo-org/widgets/blob/${HEAD}/src/cart.ts#L10-L12)`);
    expect(summary).toContain(`\`\`\`\`diff\n${PATCH}\`\`\`\``);

    expect(stdout).toContain('::warning file=src/cart.ts,line=10,endLine=12,title=Uncovered changed lines::');
    const sarif = JSON.parse(readFileSync(join(workspace, 'out', 'testloop.sarif'), 'utf8'));
    expect(sarif.runs[0].results).toHaveLength(6);

    const comments = server.comments.get(42)!;
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body.startsWith('<!-- testloop:ci -->\n')).toBe(true);
    expect(comments[0]!.body).toContain(
      '<details><summary>test/cart.applyDiscount.test.ts: covers 3 new lines',
    );
    expect(comments[0]!.body).toContain(
      '[Workflow run](https://github.com/octo-org/widgets/actions/runs/77)',
    );
    expect(stderr).toContain(
      'testloop: pull-request comment created: https://github.com/octo-org/widgets/pull/42#issuecomment-',
    );
    expect(stdout).not.toContain('::warning::');
  });

  it('updates the same comment on the next push', async () => {
    await run(env());
    const passing = { ...fixtureResult(), exitCode: 0 };
    await run(env(), fakeRunCi(passing));
    const comments = server.comments.get(42)!;
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('### ✅ testloop: tests pass and every gate holds');
    expect(server.writes().map((r) => r.method)).toEqual(['POST', 'PATCH']);
  });

  it('returns the exit status of testloop ci', async () => {
    expect(await run(env(), fakeRunCi({ ...fixtureResult(), exitCode: 0 }))).toBe(0);
    expect(await run(env(), fakeRunCi({ ...fixtureResult(), exitCode: 2 }))).toBe(2);
  });

  it('fails open when GitHub is down: a warning, the outputs, and an unchanged exit status', async () => {
    server.script(
      'GET',
      '/repos/octo-org/widgets/issues/42/comments',
      { status: 500 },
      { status: 502 },
      { status: 503 },
    );
    const status = await run(env(), fakeRunCi({ ...fixtureResult(), exitCode: 0 }));
    expect(status).toBe(0);
    expect(stdout).toContain(
      '::warning::testloop could not comment on the pull request: TESTLOOP_GITHUB_UNAVAILABLE: GitHub failed on GET /repos/octo-org/widgets/issues/42/comments (503, 3 attempts)',
    );
    expect(outputs()).toContain('accepted-tests<<DELIMITER\n2\nDELIMITER\n');
    expect(server.comments.get(42)).toBeUndefined();
  });

  it('with strict, a GitHub outage fails the step', async () => {
    server.script(
      'GET',
      '/repos/octo-org/widgets/issues/42/comments',
      { status: 500 },
      { status: 500 },
      { status: 500 },
    );
    const status = await run(env({ INPUT_STRICT: 'true' }), fakeRunCi({ ...fixtureResult(), exitCode: 0 }));
    expect(status).toBe(1);
    expect(calls[0]!.strict).toBe(true);
    expect(stdout).toContain(
      '::warning::testloop could not comment on the pull request: TESTLOOP_GITHUB_UNAVAILABLE',
    );
  });

  it('proposes the tests in a pull request and links it from the comment', async () => {
    const base = server.addCommit({ 'README.md': '# widgets\n' });
    server.addCommit({ 'README.md': '# widgets\n', 'src/cart.ts': 'export {};\n' }, [base], HEAD);
    server.refs.set('main', base);
    server.refs.set('feature/discounts', HEAD);
    const status = await run(env({ 'INPUT_PROPOSE-TESTS': 'true' }));
    expect(status).toBe(1);
    const proposed = server.refs.get('testloop/tests-for-42')!;
    expect(Object.keys(server.filesAt(proposed)).sort()).toEqual([
      'README.md',
      'src/api/orders.validateOrder.test.ts',
      'src/cart.ts',
      'test/cart.applyDiscount.test.ts',
    ]);
    expect(server.pulls[0]).toMatchObject({ number: 100, base: { ref: 'feature/discounts' } });
    expect(stdout).toContain(
      '::notice::Generated tests proposed in https://github.com/octo-org/widgets/pull/100',
    );
    expect(server.comments.get(42)![0]!.body).toContain(
      '2 accepted, 1 discarded, proposed in [#100](https://github.com/octo-org/widgets/pull/100)',
    );
  });

  it('on a pull request from a fork: no API call, a notice, and the report in the job summary', async () => {
    const status = await run(
      env({
        GITHUB_EVENT_PATH: fileURLToPath(new URL('events/pull_request-fork.json', FIXTURES)),
        'INPUT_PROPOSE-TESTS': 'true',
      }),
    );
    expect(status).toBe(1);
    expect(server.requests).toEqual([]);
    expect(stdout).toContain(
      "::notice::Tests not proposed: the pull request's branch is in the fork mallory/widgets: this workflow's token cannot push there",
    );
    expect(stdout).toContain(
      '::notice::No pull-request comment: a fork’s pull_request workflow has a read-only token',
    );
    expect(readFileSync(join(workspace, 'runner', 'summary.md'), 'utf8')).toContain('<!-- testloop:ci -->');
  });

  it('on a matrix shard: passes the shard on, posts no comment (the shards would overwrite it), a notice', async () => {
    const base = fixtureResult();
    const sharded: CiResult = {
      ...base,
      selection: {
        ...base.selection!,
        shard: { index: 2, total: 4, estimatedMs: 1200, selectedTests: 9, basis: 'size' },
      },
    };
    const status = await run(env({ INPUT_SHARD: '2/4', 'INPUT_ALLOW-NETWORK': 'true' }), fakeRunCi(sharded));
    expect(calls[0]!.shard).toBe('2/4');
    expect(calls[0]!.allowNetwork).toBe(true);
    expect(status).toBe(1);
    expect(server.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(stdout).toContain('::notice::No pull-request comment from shard 2/4');
    expect(readFileSync(join(workspace, 'runner', 'summary.md'), 'utf8')).toContain('<!-- testloop:ci -->');
  });

  it('on push: no comment, outputs and summary only', async () => {
    const status = await run(
      env({
        GITHUB_EVENT_NAME: 'push',
        GITHUB_EVENT_PATH: fileURLToPath(new URL('events/push.json', FIXTURES)),
      }),
    );
    expect(status).toBe(1);
    expect(server.requests).toEqual([]);
    // Without a pull request the links point at the pushed commit.
    expect(readFileSync(join(workspace, 'runner', 'summary.md'), 'utf8')).toContain(
      '/blob/ffffffffffffffffffffffffffffffffffffffff/src/cart.ts#L10-L12',
    );
  });

  it('reports a bad input or a failing testloop ci as an error with its exit status', async () => {
    expect(await run(env({ INPUT_FLAKY: 'sometimes' }))).toBe(2);
    expect(calls).toEqual([]);
    expect(stdout).toContain('::error::TESTLOOP_USAGE: input flaky: "sometimes" is not report or fail');
    const failing = async () => {
      throw new TestloopError('TESTLOOP_NO_BASE', 'no base ref: pass the base input');
    };
    expect(await run(env(), failing)).toBe(2);
    expect(stdout).toContain('::error::TESTLOOP_NO_BASE: no base ref: pass the base input');
  });
});

describe('action.yml', () => {
  const yml = readFileSync(new URL('../../../action.yml', import.meta.url), 'utf8');
  const keysOf = (section: string) => {
    const body = yml.split(new RegExp(`^${section}:$`, 'm'))[1]!.split(/^\S/m)[0]!;
    return [...body.matchAll(/^ {2}([a-z-]+):$/gm)].map((m) => m[1]);
  };

  it('declares the outputs runAction writes', () => {
    expect(keysOf('outputs')).toEqual(Object.keys(outputsOf(fixtureResult(), '')));
  });

  it('declares the inputs runAction reads, with the token defaulting to github.token', () => {
    const sources = ['inputs.ts', 'context.ts']
      .map((file) =>
        readFileSync(new URL(`../../../src/integrations/github/${file}`, import.meta.url), 'utf8'),
      )
      .join('\n');
    const literal = [...sources.matchAll(/Input\(env, '([a-z-]+)'/g)].map((m) => m[1]!);
    // Every option of `testloop ci` the Action takes is an input, read by its declaration.
    const fromOptions = Object.keys(CI_OPTIONS).flatMap(
      (key) => inputOf(key as keyof typeof CI_OPTIONS) ?? [],
    );
    expect(fromOptions.length).toBeGreaterThan(10);
    expect([...keysOf('inputs')].sort()).toEqual([...new Set([...literal, ...fromOptions])].sort());
    expect(yml).toMatch(/^ {2}github-token:\n(?: {4}.*\n)* {4}default: \$\{\{ github\.token \}\}\n/m);
    expect(yml).toMatch(
      /^runs:\n {2}using: node24\n(?: {2}#.*\n)* {2}pre: dist\/action-setup\.js\n {2}main: dist\/action\.js\n/m,
    );
  });
});
