/**
 * The runner's own failures are not the candidate's: a runner that cannot start discards the package's
 * targets without a repair prompt, and jest's obsolete snapshot files of deleted tests do not fail a
 * candidate whose tests all pass. Real jest on fixture projects, a local OpenAI-protocol server.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { generateTests } from '../../src/generate/pipeline.ts';
import { type OpenAiServer, startOpenAiServer, userTextOf } from '../helpers/openai-server.ts';
import { usePrivateTmpDir } from '../helpers/private-tmp.ts';
import { type App, copyApp } from './apps.ts';

usePrivateTmpDir('testloop-runner-failures-');
const apps: App[] = [];
const servers: OpenAiServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  for (const app of apps) app.remove();
});

async function serve(...codes: string[]): Promise<OpenAiServer> {
  const server = await startOpenAiServer();
  servers.push(server);
  const replies = [...codes];
  server.handler = () => ({ reply: { code: replies.length > 1 ? replies.shift()! : replies[0]! } });
  return server;
}

function app(name: string): App {
  const made = copyApp(name);
  apps.push(made);
  return made;
}

const DISCOUNT_TEST =
  "const { discount } = require('./price.js');\n\ntest('discount', () => {\n  expect(discount(100, 'SAVE10')).toBe(90);\n  expect(discount(100, 'HALF')).toBe(50);\n  expect(discount(100, 'NONE')).toBe(100);\n});\n";

describe('a runner that cannot start', () => {
  it('discards the target without a repair prompt and starts no other target of the package', async () => {
    // jest.config.js names a setup file the checkout does not have: jest exits before running any test.
    const server = await serve(DISCOUNT_TEST);
    const result = await generateTests({
      cwd: app('jest-setup-missing').dir,
      env: {},
      targets: ['src/price.js:discount', 'src/price.js:label'],
      concurrency: 1,
      repairs: 2,
      llm: { baseUrl: server.url, model: 'test-model' },
    });
    const reason = expect.stringMatching(
      /^jest cannot start: `\S*jest --ci .*--runTestsByPath src\/\S+\.test\.js` exited with code 1 before running any test file: .*setupFiles/,
    );
    expect(result.discarded).toEqual([
      { target: 'src/price.js:discount', stage: 'runner', reason, code: 'TESTLOOP_RUNNER_START' },
    ]);
    expect(result.skipped).toEqual([
      { target: 'src/price.js:label', reason: expect.stringMatching(/^not started: jest cannot start: /) },
    ]);
    expect(result.accepted).toEqual([]);
    // One candidate, never sent back: the model is not asked to repair the runner.
    expect(server.completions()).toHaveLength(1);
    expect(result.stats.repairs).toBe(0);
    const warnings = (result.warnings ?? []).filter((w) => w.startsWith('TESTLOOP_RUNNER_START: '));
    expect(warnings).toEqual([expect.stringContaining('jest cannot start: ')]);
  }, 180_000);

  it('vitest whose config throws when loaded: the target is discarded as the runner failing', async () => {
    const server = await serve(
      "import { expect, it } from 'vitest';\nimport { discount } from './price.ts';\n\nit('halves', () => {\n  expect(discount(100, 'HALF')).toBe(50);\n});\n",
    );
    const result = await generateTests({
      cwd: app('vitest-config-throws').dir,
      env: {},
      targets: ['src/price.ts:discount'],
      repairs: 2,
      llm: { baseUrl: server.url, model: 'test-model' },
    });
    expect(result.discarded).toEqual([
      {
        target: 'src/price.ts:discount',
        stage: 'runner',
        reason: expect.stringMatching(
          /^vitest cannot start: `\S*vitest .*` exited with code 1 before running any test file: /,
        ),
        code: 'TESTLOOP_RUNNER_START',
      },
    ]);
    expect(result.discarded[0]!.reason).toMatch(/failed to load config|SHOP_API_URL/);
    expect(server.completions()).toHaveLength(1);
  }, 180_000);
});

describe('jest snapshot files of deleted tests', () => {
  it('do not fail a candidate whose tests all pass; a candidate failing its own snapshot is still repaired', async () => {
    // First a candidate whose snapshot jest will not write in CI, then one that asserts values.
    const server = await serve(
      "const { discount } = require('./price.js');\n\ntest('discount', () => {\n  expect(discount(100, 'HALF')).toMatchSnapshot();\n});\n",
      DISCOUNT_TEST,
    );
    const result = await generateTests({
      cwd: app('jest-obsolete-snapshot').dir,
      env: {},
      targets: ['src/price.js:discount'],
      repairs: 1,
      llm: { baseUrl: server.url, model: 'test-model' },
    });
    expect(result.discarded).toEqual([]);
    expect(result.accepted).toMatchObject([{ target: 'src/price.js:discount', repairs: 1 }]);
    expect(result.accepted[0]!.mutants!.killed).toBeGreaterThan(0);
    const repair = userTextOf(server.completions()[1]!);
    expect(repair).toMatch(/snapshot was not written/i);
    // The other file's obsolete snapshot is nobody's failure: not in the prompt, not in the result.
    expect(repair).not.toMatch(/obsolete|total\.test\.js/);
    expect(JSON.stringify(result)).not.toMatch(/obsolete/);
  }, 180_000);
});
