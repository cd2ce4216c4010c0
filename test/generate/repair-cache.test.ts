/**
 * Repair prompts carry what the model needs and nothing that changes from run to run (durations,
 * timestamps, temp paths, testloop's own warnings), so a rerun with the reply cache sends no request. Real
 * vitest (through the validation process) and jest, a local OpenAI-protocol server.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTests } from '../../src/generate/pipeline.ts';
import { withoutVolatile } from '../../src/generate/runner-output.ts';
import type { GenerateResult } from '../../src/generate/types.ts';
import { type OpenAiServer, type RecordedRequest, startOpenAiServer } from '../helpers/openai-server.ts';
import { usePrivateTmpDir } from '../helpers/private-tmp.ts';
import { type App, copyApp } from './apps.ts';

const userText = (request: RecordedRequest): string =>
  String(request.body?.messages?.find((m: { role: string }) => m.role === 'user')?.content ?? '');

/** What must not reach a prompt: anything that differs between two runs of the same candidate. */
const VOLATILE = [
  /\b\d+(?:\.\d+)?\s?m?s\b/, // durations: 23ms, 1.2 s
  /\b\d{1,2}:\d{2}:\d{2}\b/, // clock times: Start at 16:30:35
  /\/tmp\/|testloop-sandbox|testloop-cov-|\.testloop-[0-9a-f]{8}\./, // temp folders and scratch names
  /DEPRECATED|deprecat/i, // testloop's own driver warnings
];

const cases = [
  {
    app: 'vitest-app',
    bad: "import { expect, it } from 'vitest';\nimport { discount } from './price.ts';\n\nit('halves', () => {\n  expect(discount(100, 'HALF')).toBe(49);\n});\n",
    good: "import { expect, it } from 'vitest';\nimport { discount } from './price.ts';\n\nit('halves', () => {\n  expect(discount(100, 'HALF')).toBe(50);\n  expect(discount(100, 'SAVE10')).toBe(90);\n});\n",
    target: 'src/price.ts:discount',
  },
  {
    app: 'jest-app',
    bad: "const { discount } = require('./price.js');\n\ntest('halves', () => {\n  expect(discount(100, 'HALF')).toBe(49);\n});\n",
    good: "const { discount } = require('./price.js');\n\ntest('halves', () => {\n  expect(discount(100, 'HALF')).toBe(50);\n});\n",
    target: 'src/price.js:discount',
  },
];

const privateTmp = usePrivateTmpDir('testloop-repair-cache-');

describe.each(cases)('a rerun with repairs ($app)', ({ app: name, bad, good, target }) => {
  let server: OpenAiServer;
  let app: App;
  const runs: GenerateResult[] = [];

  beforeAll(async () => {
    server = await startOpenAiServer();
    const replies = [bad, good];
    server.handler = () => {
      const code = replies.shift();
      if (code === undefined) throw new Error('no reply left: the second run should have hit the cache');
      return { reply: { code } };
    };
    app = copyApp(name);
    const cacheDir = join(privateTmp, `cache-${name}`);
    for (let run = 0; run < 2; run++) {
      runs.push(
        await generateTests({
          cwd: app.dir,
          env: {},
          targets: [target],
          repairs: 1,
          cacheDir,
          llm: { baseUrl: server.url, model: 'test-model' },
        }),
      );
    }
  }, 180_000);
  afterAll(async () => {
    await server.close();
    app.remove();
  });

  it('repairs the failing candidate in the first run', () => {
    expect(runs[0]!.accepted).toMatchObject([{ target, repairs: 1 }]);
    expect(server.completions()).toHaveLength(2);
  });

  it('sends the runner output without durations, timestamps, temp paths or testloop warnings', () => {
    const repair = userText(server.completions()[1]!);
    const failure = repair.slice(repair.indexOf('Why it was rejected'));
    expect(failure).toMatch(/expected 50 to be 49|Expected: 49/);
    for (const pattern of VOLATILE) expect(failure).not.toMatch(pattern);
  });

  it('answers the second run from the cache: the same prompts, no request', () => {
    expect(runs[1]!.accepted).toMatchObject([{ target, repairs: 1 }]);
    expect(runs[1]!.usage.requests).toBe(0);
    expect(server.completions()).toHaveLength(2);
  });
});

describe('runner output made stable', () => {
  it('drops durations, and replaces clock times and temp paths, keeping what the failure says', () => {
    const temp = join(tmpdir(), 'testloop-cov-a1b2c3', 'coverage-final.json');
    const text = [
      ' ✓ src/a.test.ts (2 tests) 12ms',
      '   × adds 3.5ms (retry x2)',
      '  ✕ adds (36 ms)',
      '[2026-12-06T16:30:35.123Z] started at 16:30:35',
      `cannot write ${temp}: EACCES`,
      "AssertionError: expected '3s' to be '4s' at src/a.test.ts:12:34",
    ].join('\n');
    expect(withoutVolatile(text)).toBe(
      [
        ' ✓ src/a.test.ts (2 tests)',
        '   × adds (retry x2)',
        '  ✕ adds',
        '[<time>] started at <time>',
        'cannot write <tmp>/coverage-final.json: EACCES',
        "AssertionError: expected '3s' to be '4s' at src/a.test.ts:12:34",
      ].join('\n'),
    );
  });
});
