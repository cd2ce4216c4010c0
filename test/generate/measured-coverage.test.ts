/**
 * `--target` without a coverage report: the target file's existing tests run with coverage first, so a
 * covered function is not targeted (its uncovered same-file callees are instead) and a candidate is
 * accepted only for coverage it adds; "newly covered" counts every line of the file it newly runs. The
 * model is a scripted local OpenAI-protocol server; validation is the real vitest one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTests } from '../../src/generate/pipeline.ts';
import type { GenerateResult } from '../../src/generate/types.ts';
import {
  type OpenAiServer,
  promptTarget,
  repliesByTarget,
  startOpenAiServer,
  userTextOf,
} from '../helpers/openai-server.ts';
import { usePrivateTmpDir } from '../helpers/private-tmp.ts';
import { type App, copyApp } from './apps.ts';

const test = (imports: string, body: string): string =>
  `import { expect, test } from 'vitest';\nimport { ${imports} } from './chunk.ts';\n\ntest('works', () => {\n${body}\n});\n`;

const REPLIES: Record<string, string> = {
  // Reached through the export that runs it.
  chunkImplementation: test(
    'chunk',
    '  expect(chunk([1, 2, 3], 2)).toEqual([[1, 2], [3]]);\n  expect(() => chunk([1], 0)).toThrow(RangeError);',
  ),
  // Only what chunk.test.ts already runs: no coverage it adds.
  clamp: test('clamp', '  expect(clamp(-5, { min: 0, max: 5 })).toBe(0);'),
  // pad's own line and padOne's lines, which the existing tests never run.
  pad: test('pad', "  expect(pad(['a', 'abcd'], { width: 3, fill: '-' })).toEqual(['--a', 'abcd']);"),
  createStore: `import { expect, test } from 'vitest';\nimport { createStore } from './store.ts';\n\ntest('counts', () => {\n  const store = createStore(0);\n  expect(store.increment(1)).toBe(${1 + sumOfSteps()});\n});\n`,
};

/** What createStore adds to its start before handing the store back (see the fixture). */
function sumOfSteps(): number {
  let total = 0;
  for (let i = 0; i < 130; i++) total += i % 7;
  return total;
}

describe('generate --target without a coverage report', () => {
  usePrivateTmpDir('testloop-measured-');
  let server: OpenAiServer;
  let app: App;
  let result: GenerateResult;
  const logs: string[] = [];

  beforeAll(async () => {
    server = await startOpenAiServer({ structuredOutput: 'ignored' });
    server.handler = repliesByTarget(REPLIES);
    app = copyApp('wrapper-vitest');
    result = await generateTests({
      cwd: app.dir,
      env: {},
      targets: ['chunk', 'first', 'clamp', 'pad']
        .map((s) => `src/chunk.ts:${s}`)
        .concat('src/store.ts:createStore'),
      repairs: 0,
      concurrency: 2,
      llm: { baseUrl: server.url, model: 'test-model' },
      log: (line) => logs.push(line),
    });
  }, 240_000);
  afterAll(async () => {
    await server.close();
    app.remove();
  });

  it("runs the files' existing tests with coverage first", () => {
    expect(result.stats.coverageRun).toMatchObject({ testFiles: 1 });
    expect(
      logs.some((line) =>
        line.includes('measuring what the existing tests cover: 1 test file(s) of src/chunk.ts'),
      ),
    ).toBe(true);
  });

  it('targets the uncovered callee of a covered wrapper, and never an already-covered function', () => {
    expect(result.skipped).toEqual([
      {
        target: 'src/chunk.ts:chunk',
        reason:
          'every line is already covered; its uncovered same-file callee(s) chunkImplementation are targeted instead',
      },
      { target: 'src/chunk.ts:first', reason: 'every line is already covered' },
    ]);
    expect(logs).toContain(
      'testloop: src/chunk.ts:chunk: skipped (every line is already covered; its uncovered same-file callee(s) chunkImplementation are targeted instead)',
    );
    const asked = server.completions().map(promptTarget).sort();
    expect(asked).toEqual(['chunkImplementation', 'clamp', 'createStore', 'pad']);
    const prompt = userTextOf(server.completions().find((r) => promptTarget(r) === 'chunkImplementation')!);
    expect(prompt).toContain('`chunkImplementation` is not exported: `chunk` (exported) run(s) it');
    expect(prompt).toContain("import { chunk } from './chunk.ts';");
    expect(result.accepted.map((a) => a.target)).toContain('src/chunk.ts:chunkImplementation');
  });

  it('does not accept a test for coverage the existing tests already have', () => {
    expect(result.discarded).toEqual([
      {
        target: 'src/chunk.ts:clamp',
        stage: 'addedCoverage',
        reason:
          'covers none of the uncovered lines: adds no coverage: none of src/chunk.ts lines 24, 25, 27 ran',
      },
    ]);
  });

  it('counts every line of the file the test newly runs, the callee behind the target included', () => {
    const pad = result.accepted.find((a) => a.target === 'src/chunk.ts:pad');
    // pad is lines 30-32; padOne (35-36) runs only through it.
    expect(pad?.newlyCoveredLines).toEqual([31, 35, 36]);
    const chunk = result.accepted.find((a) => a.target === 'src/chunk.ts:chunkImplementation');
    expect(chunk?.newlyCoveredLines).toEqual([13, 14, 15]);
  });

  it('says so when a file has no test to measure, and falls back to every line counting', () => {
    expect(result.warnings).toEqual([
      'src/store.ts: no test runs it, so no coverage was measured; every line of its targets counts as uncovered',
    ]);
    expect(result.accepted.map((a) => a.target)).toContain('src/store.ts:createStore');
  });
});
