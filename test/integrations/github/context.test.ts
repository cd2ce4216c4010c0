import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { filesOfPatch, newFilesPatch } from '../../../src/generate/output.ts';
import { getBooleanInput, getInput, readGitHubContext } from '../../../src/integrations/github/context.ts';
import { readInputs } from '../../../src/integrations/github/inputs.ts';

const FIXTURES = new URL('../../fixtures/integrations/github/', import.meta.url);
const event = (name: string) => fileURLToPath(new URL(`events/${name}`, FIXTURES));

const ACTIONS_ENV = {
  GITHUB_REPOSITORY: 'octo-org/widgets',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_API_URL: 'https://api.github.com',
  GITHUB_SHA: 'ffffffffffffffffffffffffffffffffffffffff',
  GITHUB_RUN_ID: '77',
  GITHUB_TOKEN: 'ghs_env_token',
};

describe('readGitHubContext', () => {
  it('reads a pull_request event: the head commit, not the merge commit', () => {
    const context = readGitHubContext({
      ...ACTIONS_ENV,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: event('pull_request.json'),
    });
    expect(context).toMatchObject({
      repository: 'octo-org/widgets',
      owner: 'octo-org',
      repo: 'widgets',
      eventName: 'pull_request',
      token: 'ghs_env_token',
      runUrl: 'https://github.com/octo-org/widgets/actions/runs/77',
      pullRequest: {
        number: 42,
        headSha: '9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b',
        headRef: 'feature/discounts',
        headRepository: 'octo-org/widgets',
        baseRef: 'main',
        baseSha: '3f5c2a1d9e8b7c6a5f4e3d2c1b0a9f8e7d6c5b4a',
        headIsFork: false,
      },
    });
  });

  it('marks a head in another repository as a fork, also on pull_request_target', () => {
    const context = readGitHubContext({
      ...ACTIONS_ENV,
      GITHUB_EVENT_NAME: 'pull_request_target',
      GITHUB_EVENT_PATH: event('pull_request-fork.json'),
    });
    expect(context.pullRequest).toMatchObject({
      number: 43,
      headIsFork: true,
      headRepository: 'mallory/widgets',
    });
  });

  it('has no pull request on push, and prefers the github-token input over GITHUB_TOKEN', () => {
    const context = readGitHubContext({
      ...ACTIONS_ENV,
      GITHUB_EVENT_NAME: 'push',
      GITHUB_EVENT_PATH: event('push.json'),
      'INPUT_GITHUB-TOKEN': 'ghs_input_token',
    });
    expect(context.pullRequest).toBeUndefined();
    expect(context.token).toBe('ghs_input_token');
  });

  it('names the payload file when it cannot be read', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'testloop-event-')), 'event.json');
    writeFileSync(path, '{ not json');
    expect(() =>
      readGitHubContext({ ...ACTIONS_ENV, GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: path }),
    ).toThrow(
      expect.objectContaining({ code: 'TESTLOOP_GITHUB_EVENT', message: expect.stringContaining(path) }),
    );
  });
});

describe('inputs', () => {
  it('follows the runner’s naming: upper case, spaces to underscores, hyphens kept', () => {
    const env = { 'INPUT_FAIL-UNDER': ' 80 ', INPUT_MY_INPUT: 'x' };
    expect(getInput(env, 'fail-under')).toBe('80');
    expect(getInput(env, 'my input')).toBe('x');
    expect(getInput(env, 'missing')).toBe('');
    expect(getBooleanInput({ INPUT_COMMENT: 'False' }, 'comment', true)).toBe(false);
    expect(() => getBooleanInput({ INPUT_COMMENT: 'yes' }, 'comment', true)).toThrow(
      'input comment: expected true or false, got "yes"',
    );
  });

  it('maps every input to CiOptions', () => {
    const env = {
      INPUT_BASE: 'origin/develop',
      INPUT_BUDGET: '8m',
      INPUT_STRICT: 'true',
      'INPUT_FAIL-UNDER': '75.5',
      INPUT_FLAKY: 'fail',
      INPUT_SKIP: 'ingest, triage',
      INPUT_COVERAGE: 'coverage/lcov.info\ncoverage/cobertura.xml',
      INPUT_REPORTS: 'junit/*.xml',
      'INPUT_LLM-BASE-URL': 'http://127.0.0.1:11434/v1',
      INPUT_MODEL: 'qwen2.5-coder:7b',
      INPUT_GENERATE: 'llm',
      INPUT_HISTORY: 'postgres://ci@db/testloop',
      INPUT_COMMENT: 'false',
      'INPUT_PROPOSE-TESTS': 'true',
      INPUT_SARIF: 'testloop.sarif',
      INPUT_PATCH: 'out/tests.patch',
    };
    const settings = readInputs(env, '/work/repo');
    expect(settings).toEqual({
      options: {
        cwd: '/work/repo',
        env,
        base: 'origin/develop',
        budget: '8m',
        strict: true,
        failUnder: 75.5,
        flaky: 'fail',
        skip: ['ingest', 'triage'],
        coverage: ['coverage/lcov.info', 'coverage/cobertura.xml'],
        reports: ['junit/*.xml'],
        baseUrl: 'http://127.0.0.1:11434/v1',
        model: 'qwen2.5-coder:7b',
        generate: 'llm',
        history: 'postgres://ci@db/testloop',
        patch: 'out/tests.patch',
        // Written after the run into the checkout: never a change to the next run.
        ownOutputs: ['testloop.sarif'],
      },
      comment: false,
      proposeTests: true,
      sarif: 'testloop.sarif',
      patch: 'out/tests.patch',
      patchArtifact: '',
      strict: true,
    });
  });

  it('rejects unreadable values with the input’s name', () => {
    expect(() => readInputs({ INPUT_SKIP: 'run,lint' }, '/r')).toThrow(
      'input skip: "lint" is not a comma list of select, run, gaps, generate, ingest, triage',
    );
    expect(() => readInputs({ 'INPUT_FAIL-UNDER': '120' }, '/r')).toThrow(/input fail-under: "120"/);
    expect(() => readInputs({ INPUT_BUDGET: 'soon' }, '/r')).toThrow(/input budget: "soon"/);
    expect(() => readInputs({ INPUT_GENERATE: 'gpt' }, '/r')).toThrow(
      /input generate: "gpt" is not llm, stub or off/,
    );
    expect(() => readInputs({ INPUT_FLAKY: 'sometimes' }, '/r')).toThrow(
      'input flaky: "sometimes" is not report or fail',
    );
    expect(() => readInputs({ 'INPUT_FAIL-UNDER': 'most' }, '/r')).toThrow(
      'input fail-under: "most" is not a number from 0 to 100',
    );
    expect(() => readInputs({ 'INPUT_LLM-BASE-URL': '127.0.0.1 port 11434' }, '/r')).toThrow(
      /input llm-base-url: "127.0.0.1 port 11434" is not a URL/,
    );
    expect(() => readInputs({ 'INPUT_ALLOW-NETWORK': 'yes' }, '/r')).toThrow(
      'input allow-network: expected true or false, got "yes"',
    );
  });

  it('passes the API key beside the endpoint', async () => {
    const settings = readInputs(
      { 'INPUT_LLM-BASE-URL': 'http://127.0.0.1:1/v1', INPUT_MODEL: 'm', 'INPUT_LLM-API-KEY': 'sk-test' },
      '/r',
    );
    expect(settings.options).toMatchObject({
      baseUrl: 'http://127.0.0.1:1/v1',
      model: 'm',
      llm: { apiKey: 'sk-test' },
    });
  });

  it('asks for a patch by default while generation is on, and none when it is off', () => {
    expect(readInputs({}, '/r').options.patch).toBe('.testloop/tests.patch');
    expect(readInputs({ INPUT_GENERATE: 'off' }, '/r').options.patch).toBeUndefined();
    expect(readInputs({ INPUT_SKIP: 'generate' }, '/r').options.patch).toBeUndefined();
  });
});

describe('filesOfPatch', () => {
  it('reads back exactly the files the generator’s patch adds', () => {
    const files = [
      { path: 'test/a.test.ts', content: "import { it } from 'vitest';\n\nit('works', () => {});\n" },
      { path: 'test/b.test.ts', content: 'no trailing newline' },
      { path: 'test/c.test.ts', content: '+starts with a plus\n-and a minus\n' },
    ];
    expect(filesOfPatch(newFilesPatch('/repo', files))).toEqual(files);
  });

  it('matches the fixture patch and its files', () => {
    const patch = readFileSync(new URL('tests.patch', FIXTURES), 'utf8');
    const files = filesOfPatch(patch);
    expect(files.map((f) => f.path)).toEqual([
      'test/cart.applyDiscount.test.ts',
      'src/api/orders.validateOrder.test.ts',
    ]);
    for (const file of files) {
      expect(file.content).toBe(readFileSync(new URL(`generated/${file.path}`, FIXTURES), 'utf8'));
    }
    expect(newFilesPatch('/repo', files)).toBe(patch);
  });
});
