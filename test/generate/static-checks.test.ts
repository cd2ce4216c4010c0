/**
 * Compile means compile: in a TypeScript project with Biome configured, a candidate must type-check with
 * the project's own tsc and tsconfig and pass its lint after safe fixes (unused imports removed first).
 * A local OpenAI-protocol server plays the model; candidates run in the real vitest.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTests } from '../../src/generate/pipeline.ts';
import type { GenerateResult } from '../../src/generate/types.ts';
import { type OpenAiServer, promptTarget, startOpenAiServer, userTextOf } from '../helpers/openai-server.ts';
import { usePrivateTmpDir } from '../helpers/private-tmp.ts';
import { type App, copyApp } from './apps.ts';
import { FIXTURES } from './fixtures.ts';

const BIOME = JSON.stringify({
  formatter: { enabled: true, indentStyle: 'space', indentWidth: 2 },
  javascript: { formatter: { quoteStyle: 'single', semicolons: 'always' } },
  linter: { enabled: true, rules: { preset: 'recommended' } },
});
const head = "import { expect, it } from 'vitest';\n";
const candidates: Record<string, string[]> = {
  // Imports the model did not use (noUnusedLocals fails them) and a `let` Biome makes `const`.
  discount: [
    `import { describe, expect, it, vi } from 'vitest';\nimport { discount, type Order, shipping } from './price.ts';\n\nit('halves with HALF', () => {\n  let order: Order = { amount: 10, code: 'HALF' };\n  expect(discount(order)).toBe(5);\n  expect(discount({ amount: 10 })).toBe(10);\n});\n`,
  ],
  // Passes at run time ('20' > 10), but a string is no number: a type error, repaired.
  shipping: [
    `${head}import { shipping } from './price.ts';\n\nit('ships heavy parcels', () => {\n  expect(shipping('20')).toBe(15);\n});\n`,
    `${head}import { shipping } from './price.ts';\n\nit('ships heavy parcels', () => {\n  expect(shipping(20)).toBe(15);\n  expect(shipping(2)).toBe(5);\n});\n`,
  ],
  // == has only an unsafe fix: a lint error, repaired.
  tax: [
    `${head}import { tax } from './price.ts';\n\nit('rounds', () => {\n  expect(tax(12) == 2).toBe(true);\n});\n`,
    `${head}import { tax } from './price.ts';\n\nit('rounds', () => {\n  expect(tax(12)).toBe(2);\n});\n`,
  ],
  // A type error in every attempt: discarded before it runs.
  label: [
    `${head}import { label } from './price.ts';\n\nit('labels', () => {\n  expect(label({ amount: '1' })).toBe('1');\n});\n`,
    `${head}import { label } from './price.ts';\n\nit('labels', () => {\n  expect(label({ amount: 1, code: 2 })).toBe('12');\n});\n`,
  ],
};

describe('generate in a TypeScript project with Biome', () => {
  usePrivateTmpDir('testloop-static-');
  let server: OpenAiServer;
  let app: App;
  let result: GenerateResult;
  const requests = (symbol: string) => server.completions().filter((r) => promptTarget(r) === symbol);

  beforeAll(async () => {
    server = await startOpenAiServer();
    server.handler = (request) => {
      const code = candidates[promptTarget(request)]?.shift();
      if (code === undefined) throw new Error(`no candidate left for ${promptTarget(request)}`);
      return { reply: { code } };
    };
    // The project's own type error (an unused local) is not the candidates'. Its own test runs only
    // discount without a code: without a coverage report it runs first, and every target keeps lines
    // to cover (a test of tax would leave tax nothing to cover, and tax would not be tried).
    app = copyApp('ts-checked', {
      'biome.json': BIOME,
      'src/legacy.ts': 'const unused = 1;\nexport {};\n',
      'src/price.test.ts': readFileSync(join(FIXTURES, 'ts-checked/src/price.test.ts'), 'utf8')
        .replace('{ tax }', '{ discount }')
        .replace("test('tax is a fifth'", "test('no code, no discount'")
        .replace('expect(tax(10)).toBe(2);', 'expect(discount({ amount: 10 })).toBe(10);'),
    });
    result = await generateTests({
      cwd: app.dir,
      env: {},
      targets: ['discount', 'shipping', 'tax', 'label'].map((s) => `src/price.ts:${s}`),
      repairs: 1,
      concurrency: 2,
      write: true,
      llm: { baseUrl: server.url, model: 'test-model' },
    });
  }, 240_000);
  afterAll(async () => {
    await server.close();
    app.remove();
  });

  it('accepts what type-checks and lints, after removing unused imports and safe lint fixes', () => {
    expect(result.accepted.map((a) => [a.target, a.repairs])).toEqual([
      ['src/price.ts:discount', 0],
      ['src/price.ts:shipping', 1],
      ['src/price.ts:tax', 1],
    ]);
    expect(readFileSync(join(app.dir, 'src/price.discount.generated.test.ts'), 'utf8')).toBe(
      "import { expect, it } from 'vitest';\nimport { discount, type Order } from './price.ts';\n\nit('halves with HALF', () => {\n  const order: Order = { amount: 10, code: 'HALF' };\n  expect(discount(order)).toBe(5);\n  expect(discount({ amount: 10 })).toBe(10);\n});\n",
    );
  });

  it('discards a candidate that never type-checks at stage compiled, before it runs', () => {
    expect(result.discarded).toEqual([
      {
        target: 'src/price.ts:label',
        stage: 'compiled',
        reason: expect.stringMatching(
          /^does not compile or load: src\/price\.label\.generated\.test\.ts\(5,\d+\): error TS2322/,
        ),
      },
    ]);
    expect(result.funnel).toMatchObject({ generated: 4, compiled: 3 });
  });

  it("sends tsc's and Biome's diagnostics back in the repair prompt", () => {
    const shipping = userTextOf(requests('shipping')[1]!);
    expect(shipping).toContain('type-check (tsconfig.json):');
    expect(shipping).toMatch(
      /src\/price\.shipping\.generated\.test\.ts\(5,19\): error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'/,
    );
    expect(shipping).not.toContain('legacy.ts');
    const tax = userTextOf(requests('tax')[1]!);
    expect(tax).toContain('lint (biome):');
    expect(tax).toMatch(/src\/price\.tax\.generated\.test\.ts:5:\d+ lint\/suspicious\/noDoubleEquals/);
  });

  it("derives the header from the example test's imports", () => {
    const prompt = userTextOf(requests('discount')[0]!);
    expect(prompt).toContain(
      "```ts\nimport { expect, test } from 'vitest';\nimport { discount } from './price.ts';\n```",
    );
  });
});
