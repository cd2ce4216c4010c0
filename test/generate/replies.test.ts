/**
 * The forms a model's reply takes (JSON {code}, one fenced code block, a bare test file) through a local
 * OpenAI-protocol server that ignores the schema, as many local servers do, and the real vitest validator.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTestFile } from '../../src/generate/engines/llm/reply.ts';
import { generateTests } from '../../src/generate/pipeline.ts';
import type { GenerateResult } from '../../src/generate/types.ts';
import { type OpenAiServer, promptTarget, startOpenAiServer, userTextOf } from '../helpers/openai-server.ts';
import { usePrivateTmpDir } from '../helpers/private-tmp.ts';
import { type App, copyApp } from './apps.ts';

const TEST_FILE = 'src/price.discount.generated.test.ts';
const GOOD = `import { expect, it } from 'vitest';
import { discount } from './price.ts';

it('applies the codes', () => {
  expect(discount(100, 'SAVE10')).toBe(90);
  expect(discount(100, 'HALF')).toBe(50);
  expect(discount(100, 'OTHER')).toBe(100);
});
`;

describe('reading a reply as a test file', () => {
  it('accepts JSON {code}, one fenced code block (with prose around it) or a bare test file', () => {
    expect(readTestFile(JSON.stringify({ code: GOOD }), TEST_FILE)).toEqual({
      ok: true,
      value: { code: GOOD },
    });
    const fenced = readTestFile(
      `Here is the test:\n\n\`\`\`typescript\n${GOOD}\`\`\`\n\nIt covers all codes.`,
      TEST_FILE,
    );
    expect(fenced).toEqual({ ok: true, value: { code: GOOD.trimEnd() } });
    expect(readTestFile(GOOD, TEST_FILE)).toEqual({ ok: true, value: { code: GOOD.trimEnd() } });
    // A fence the reply never closes (a cut stream, a sloppy model) still holds one file.
    expect(readTestFile(`\`\`\`ts\n${GOOD}`, TEST_FILE)).toEqual({
      ok: true,
      value: { code: GOOD.trimEnd() },
    });
  });

  it('says why anything else is unusable', () => {
    const read = (text: string) => readTestFile(text, TEST_FILE);
    expect(read('')).toEqual({ ok: false, detail: 'empty reply' });
    expect(read(`\`\`\`ts\n${GOOD}\`\`\`\n\`\`\`ts\n${GOOD}\`\`\``)).toEqual({
      ok: false,
      detail: '2 fenced code blocks; reply with exactly one test file',
    });
    expect(read('```ts\nconst x = 1;\n```')).toEqual({
      ok: false,
      detail: 'the fenced code block is not a test file: it declares no test (no describe, it or test call)',
    });
    expect(read('Sure! I will test discount with every code.')).toMatchObject({
      ok: false,
      detail: expect.stringMatching(
        /^neither JSON \{"code": …\}, one fenced code block, nor a bare test file \(it does not parse: /,
      ),
    });
    expect(read('{"tests": []}')).toEqual({
      ok: false,
      detail: expect.stringMatching(/^schema mismatch at code/),
    });
  });
});

describe('generate with a server that ignores the schema', () => {
  usePrivateTmpDir('testloop-replies-');
  let server: OpenAiServer;
  let app: App;
  let result: GenerateResult;
  const bare = `import { expect, it } from 'vitest';\nimport { price } from './price.ts';\n\nit('multiplies', () => {\n  expect(price(2, 3)).toBe(6);\n});\n`;

  beforeAll(async () => {
    server = await startOpenAiServer({ structuredOutput: 'ignored' });
    const scripts: Record<string, string[]> = {
      discount: [`Here is a test for \`discount\`:\n\n\`\`\`ts\n${GOOD}\`\`\`\n`],
      price: ['I would test price with small numbers.', bare],
    };
    server.handler = (request) => {
      const next = scripts[promptTarget(request)]?.shift();
      if (next === undefined) throw new Error(`no script left for ${promptTarget(request)}`);
      return next;
    };
    // The fixture's own test checks price: a test of price would then catch no fault it does not already.
    app = copyApp('vitest-app', {
      'src/price.test.ts': `import { expect, test } from 'vitest';\nimport { discount } from './price.ts';\n\ntest('halves', () => {\n  expect(discount(10, 'HALF')).toBe(5);\n});\n`,
    });
    result = await generateTests({
      cwd: app.dir,
      env: {},
      targets: ['src/price.ts:discount', 'src/price.ts:price'],
      repairs: 1,
      write: true,
      llm: { baseUrl: server.url, model: 'test-model' },
    });
  }, 120_000);
  afterAll(async () => {
    await server.close();
    app.remove();
  });

  it('accepts a fenced code block and a bare test file as the test file they hold', () => {
    expect(result.discarded).toEqual([]);
    expect(result.accepted.map((a) => [a.target, a.repairs])).toEqual([
      ['src/price.ts:discount', 0],
      ['src/price.ts:price', 1],
    ]);
    expect(readFileSync(join(app.dir, TEST_FILE), 'utf8')).toBe(GOOD);
    expect(readFileSync(join(app.dir, 'src/price.price.generated.test.ts'), 'utf8')).toBe(bare);
  });

  it('sends an unusable reply back in a repair round, with the reason', () => {
    const price = server.completions().filter((r) => promptTarget(r) === 'price');
    expect(price).toHaveLength(2);
    const repair = userTextOf(price[1]!);
    expect(repair).toContain(
      'Your previous reply could not be used as a test file: neither JSON {"code": …}, one fenced code block, nor a bare test file (it does not parse:',
    );
    expect(repair).toContain('I would test price with small numbers.');
    expect(userTextOf(price[0]!)).not.toContain('could not be used');
    expect(result.stats.repairs).toBe(1);
  });
});
