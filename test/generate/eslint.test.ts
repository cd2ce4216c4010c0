/**
 * Compile means lint too: in a package with ESLint configured, a candidate gets ESLint's safe fixes and
 * must pass its lint; what is left goes back to the model. A local OpenAI-protocol server plays the model;
 * candidates run in the real node:test, linted by the real eslint.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTests } from '../../src/generate/pipeline.ts';
import type { GenerateResult } from '../../src/generate/types.ts';
import { type OpenAiServer, type RecordedRequest, startOpenAiServer } from '../helpers/openai-server.ts';
import { type App, copyApp } from './apps.ts';

const userText = (request: RecordedRequest): string =>
  String(request.body?.messages?.find((m: { role: string }) => m.role === 'user')?.content ?? '');

const ESLINT_CONFIG = `export default [
  { files: ['**/*.js'], rules: { eqeqeq: 'error', 'prefer-const': 'error', 'no-unused-vars': 'error' } },
];
`;
const candidate = (assertion: string) =>
  `import assert from 'node:assert/strict';\nimport { test } from 'node:test';\nimport { discount } from './price.js';\n\ntest('discount codes', () => {\n  let total = 100;\n  ${assertion}\n  assert.equal(discount(total, 'HALF'), 50);\n  assert.equal(discount(total, 'NONE'), 100);\n});\n`;
/** `let` that is never reassigned: prefer-const fixes it. `==`: eqeqeq has no safe fix, so it is an error. */
const replies = [
  candidate("assert.equal(discount(total, 'SAVE10') == 90, true);"),
  candidate("assert.equal(discount(total, 'SAVE10'), 90);"),
];

describe('generate in a package with ESLint', () => {
  let server: OpenAiServer;
  let app: App;
  let result: GenerateResult;
  const logs: string[] = [];

  beforeAll(async () => {
    server = await startOpenAiServer();
    server.handler = () => {
      const code = replies.shift();
      if (code === undefined) throw new Error('no candidate left');
      return { reply: { code } };
    };
    app = copyApp('node-app', { 'eslint.config.js': ESLINT_CONFIG });
    result = await generateTests({
      cwd: app.dir,
      env: {},
      targets: ['src/price.js:discount'],
      repairs: 1,
      write: true,
      llm: { baseUrl: server.url, model: 'test-model' },
      log: (line) => logs.push(line),
    });
  }, 240_000);
  afterAll(async () => {
    await server.close();
    app.remove();
  });

  it("sends what ESLint cannot fix back to the model, and writes the candidate with ESLint's fixes", () => {
    expect(result.discarded).toEqual([]);
    expect(result.accepted.map((a) => [a.target, a.repairs])).toEqual([['src/price.js:discount', 1]]);
    const written = readFileSync(join(app.dir, result.accepted[0]!.testFile), 'utf8');
    expect(written).toContain('  const total = 100;\n');
    expect(written).not.toContain('let total');
  });

  it("names ESLint's rule and line in the repair prompt, and only what is left after its fixes", () => {
    const repair = userText(server.completions()[1]!);
    expect(repair).toContain('lint (eslint):');
    expect(repair).toMatch(
      /price\.discount\.generated\.test\.js:7:\d+ eqeqeq: Expected '===' and instead saw '=='/,
    );
    expect(repair).not.toContain('prefer-const');
  });

  it('says which rule failed in the line it logs, not the heading above it', () => {
    expect(logs).toContainEqual(
      expect.stringMatching(
        /: does not compile or load: \S+\.test\.js:7:\d+ eqeqeq: Expected '===' .*; repairing$/,
      ),
    );
  });
});
