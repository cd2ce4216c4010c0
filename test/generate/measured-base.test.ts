/**
 * `generate --base` with no coverage report anywhere: the changed files' existing tests run with coverage
 * first (as for --target), so a changed function they already cover is no target, while a new function
 * and a changed file no test runs are. The model is a scripted local OpenAI-protocol server; validation
 * is the real vitest one.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTests } from '../../src/generate/pipeline.ts';
import type { GenerateResult } from '../../src/generate/types.ts';
import {
  type OpenAiServer,
  promptTarget,
  repliesByTarget,
  startOpenAiServer,
} from '../helpers/openai-server.ts';
import { usePrivateTmpDir } from '../helpers/private-tmp.ts';
import { type App, copyApp } from './apps.ts';

const REPLIES: Record<string, string> = {
  last: "import { expect, test } from 'vitest';\nimport { last } from './chunk.ts';\n\ntest('last', () => {\n  expect(last([1, 2])).toBe(2);\n  expect(last([])).toBeUndefined();\n});\n",
  double:
    "import { expect, test } from 'vitest';\nimport { double } from './store.ts';\n\ntest('double', () => {\n  expect(double(2)).toBe(4);\n});\n",
};

describe('generate --base without a coverage report', () => {
  usePrivateTmpDir('testloop-measured-base-');
  let server: OpenAiServer;
  let app: App;
  let result: GenerateResult;
  const logs: string[] = [];

  beforeAll(async () => {
    server = await startOpenAiServer({ structuredOutput: 'ignored' });
    server.handler = repliesByTarget(REPLIES);
    app = copyApp('wrapper-vitest');
    app.git('checkout', '-qb', 'feature');
    const chunk = join(app.dir, 'src/chunk.ts');
    // `first` changes, and chunk.test.ts runs it; `last` is new and nothing runs it.
    writeFileSync(chunk, readFileSync(chunk, 'utf8').replace('return data[0];', 'return data.at(0);'));
    appendFileSync(
      chunk,
      '\nexport function last<T>(data: readonly T[]): T | undefined {\n  return data[data.length - 1];\n}\n',
    );
    // A file no test imports.
    appendFileSync(
      join(app.dir, 'src/store.ts'),
      '\nexport function double(value: number): number {\n  return value * 2;\n}\n',
    );
    app.git('commit', '-qam', 'change');
    expect(existsSync(join(app.dir, 'coverage'))).toBe(false);
    result = await generateTests({
      cwd: app.dir,
      env: {},
      base: 'main',
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

  it("runs the changed files' existing tests with coverage first", () => {
    expect(result.stats.coverageRun?.testFiles).toBeGreaterThanOrEqual(1);
    expect(logs.some((line) => line.includes('measuring what the existing tests cover'))).toBe(true);
  });

  it('asks for the uncovered changes only, never for a changed function the tests already run', () => {
    const asked = server.completions().map(promptTarget).sort();
    expect(asked).toContain('last');
    expect(asked).not.toContain('first');
    expect(result.accepted.map((a) => a.target)).toContain('src/chunk.ts:last');
  });

  it('counts a changed file no test runs as uncovered, and says why', () => {
    expect(server.completions().map(promptTarget)).toContain('double');
    expect(result.warnings).toContain(
      'src/store.ts: no test runs it, so no coverage was measured; every line of its targets counts as uncovered',
    );
  });
});
