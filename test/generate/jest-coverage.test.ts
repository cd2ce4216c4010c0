/**
 * jest set-ups whose coverage reads nothing under testloop's first try, as real repositories have them:
 * - a transform that says it instruments and does not (@swc/jest without its coverage plugin): jest's
 *   default provider writes an empty report, so the existing tests and the candidates are measured with V8;
 * - a config kept in a folder of its own (`jest --config ./config/jest.config.js`, no rootDir): jest
 *   matches coverage patterns against paths relative to that folder, so `src/price.js` must also be named
 *   `../src/price.js`;
 * - and where nothing measures at all, a candidate is discarded without a repair round, one warning saying
 *   why. Real jest on copies of the jest-app fixture, a local OpenAI-protocol server.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateTests } from '../../src/generate/pipeline.ts';
import type { GenerateResult } from '../../src/generate/types.ts';
import { type OpenAiServer, startOpenAiServer } from '../helpers/openai-server.ts';
import { type App, copyApp } from './apps.ts';

const DISCOUNT_TEST =
  "const { discount } = require('./price.js');\n\ntest('discount codes', () => {\n  expect(discount(100, 'SAVE10')).toBe(90);\n  expect(discount(100, 'HALF')).toBe(50);\n  expect(discount(100, 'NONE')).toBe(100);\n});\n";
const PRICE_TEST =
  "const { price } = require('./price.js');\n\ntest('price', () => {\n  expect(price(2, 5)).toBe(10);\n});\n";

/** Compiles nothing and, like @swc/jest without its plugin, claims to instrument what it returns. */
const PLAIN_TRANSFORM =
  'module.exports = {\n  canInstrument: true,\n  process(source) {\n    return { code: source };\n  },\n};\n';
const uninstrumented = (extra = '') => ({
  'jest.config.js': `module.exports = {\n  testEnvironment: 'node',\n  testMatch: ['**/src/**/*.test.js'],\n  transform: { '\\\\.js$': '<rootDir>/plain-transform.cjs' },${extra}\n};\n`,
  'plain-transform.cjs': PLAIN_TRANSFORM,
});
const configInFolder = {
  'package.json': JSON.stringify({
    name: 'jest-config-folder',
    private: true,
    scripts: { test: 'jest --config ./config/jest.config.js' },
  }),
  'config/jest.config.js': "module.exports = { testEnvironment: 'node', roots: ['<rootDir>/../src'] };\n",
};

describe('generate in jest packages whose coverage needs more than the defaults', () => {
  let server: OpenAiServer | undefined;
  let app: App | undefined;
  afterEach(async () => {
    await server?.close();
    app?.remove();
    server = undefined;
    app = undefined;
  });

  async function generate(extra: Record<string, string>, replies: string[]): Promise<GenerateResult> {
    server = await startOpenAiServer();
    server.handler = () => ({ reply: { code: replies.shift() ?? DISCOUNT_TEST } });
    app = copyApp('jest-app', extra);
    return generateTests({
      cwd: app.dir,
      env: {},
      targets: ['src/price.js:price', 'src/price.js:discount'],
      repairs: 2,
      llm: { baseUrl: server.url, model: 'test-model' },
    });
  }

  it('the transform that does not instrument leaves an empty report under the default provider', () => {
    app = copyApp('jest-app', uninstrumented());
    const jest = join(app.dir, 'node_modules/jest/bin/jest.js');
    const run = spawnSync(process.execPath, [jest, '--ci', '--coverage', '--coverageReporters=json'], {
      cwd: app.dir,
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    expect(JSON.parse(readFileSync(join(app.dir, 'coverage/coverage-final.json'), 'utf8'))).toEqual({});
  });

  it.each([
    ['a transform that does not instrument', uninstrumented()],
    ['a config in a folder of its own', configInFolder],
  ])(
    '%s: the covered function is no target, the other is accepted on its first try',
    {
      timeout: 180_000,
    },
    async (_, extra) => {
      const result = await generate(extra, [DISCOUNT_TEST]);
      expect(result.warnings ?? []).toEqual([]);
      // price's existing test covers it: known only because the existing tests' coverage was read.
      expect(result.skipped).toEqual([expect.objectContaining({ target: 'src/price.js:price' })]);
      expect(result.accepted).toMatchObject([{ target: 'src/price.js:discount', repairs: 0 }]);
      expect(result.accepted[0]!.newlyCoveredLines).toEqual(expect.arrayContaining([6, 7, 9, 10, 12]));
      expect(server!.completions()).toHaveLength(1);
    },
  );

  it('discards candidates without a repair round, with one warning, when nothing measures the package', {
    timeout: 180_000,
  }, async () => {
    // Coverage of src/ switched off by the package itself: no provider reports it.
    const result = await generate(uninstrumented("\n  coveragePathIgnorePatterns: ['/src/'],"), [
      PRICE_TEST,
      DISCOUNT_TEST,
    ]);
    expect(result.accepted).toEqual([]);
    expect(result.discarded).toHaveLength(2);
    for (const discarded of result.discarded) expect(discarded.reason).toMatch(/empty coverage report/);
    // One request per target: an empty report is no reason to ask the model again.
    expect(server!.completions()).toHaveLength(2);
    const empty = (result.warnings ?? []).filter((w) => w.includes('empty coverage report'));
    expect(empty).toHaveLength(1);
    expect(empty[0]).toMatch(/jest wrote an empty coverage report in .*also when measured with V8/);
  });
});
