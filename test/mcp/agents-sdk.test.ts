import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OpenAIProvider } from '@openai/agents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeChangeSafe } from '../../examples/agents-sdk/make-change-safe.ts';
import { BIN } from '../helpers/cli.ts';
import { type App, copyFixtureApp } from '../helpers/fixture-app.ts';
import { type OpenAiServer, startOpenAiServer } from '../helpers/openai-server.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/select');

describe('the OpenAI Agents SDK reaches testloop mcp (MCPServerStdio)', () => {
  let app: App;
  let model: OpenAiServer;

  beforeAll(async () => {
    app = copyFixtureApp(FIXTURES, 'vitest-run');
    writeFileSync(
      join(app.dir, 'src/sum.ts'),
      'export const sum = (a: number, b: number): number => a + b;\nexport function twice(a: number): number {\n  return a * 2;\n}\n',
    );
    writeFileSync(join(app.dir, 'change.diff'), app.git('diff'));
    mkdirSync(join(app.dir, 'coverage'));
    writeFileSync(
      join(app.dir, 'coverage/lcov.info'),
      'TN:\nSF:src/sum.ts\nDA:1,1\nDA:2,1\nDA:3,0\nend_of_record\n',
    );
    model = await startOpenAiServer();
  });
  afterAll(async () => {
    await model?.close();
    app?.remove();
  });

  it('an agent asked to make a change safe selects, runs, reads the gaps and asks for tests', async () => {
    model.enqueue(
      { toolCalls: [{ name: 'select_tests', arguments: { changed: ['src/sum.ts'] } }] },
      { toolCalls: [{ name: 'run_tests', arguments: { changed: ['src/sum.ts'] } }] },
      {
        toolCalls: [
          { name: 'coverage_gaps', arguments: { diffFile: 'change.diff', coverage: ['coverage/lcov.info'] } },
        ],
      },
      {
        toolCalls: [{ name: 'generate_tests', arguments: { target: ['src/sum.ts:twice'], engine: 'stub' } }],
      },
      'The change is safe once twice() has a test: a skeleton is ready.',
    );
    const output = await makeChangeSafe({
      cwd: app.dir,
      command: [process.execPath, BIN, 'mcp'],
      model: 'test-model',
      modelProvider: new OpenAIProvider({ baseURL: model.url, apiKey: 'test-key', useResponses: false }),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
    });
    expect(output).toBe('The change is safe once twice() has a test: a skeleton is ready.');

    const requests = model.completions();
    expect(requests).toHaveLength(5);
    const offered = requests[0]!.body.tools.map((t: { function: { name: string } }) => t.function.name);
    expect(offered).toEqual(
      expect.arrayContaining([
        'select_tests',
        'run_tests',
        'coverage_gaps',
        'generate_tests',
        'flaky_tests',
        'explain_failure',
      ]),
    );
    // What each tool answered, as the model saw it in the next request.
    const toolAnswer = (i: number): string => {
      const messages = requests[i]!.body.messages as { role: string; content: unknown }[];
      return JSON.stringify(messages.filter((m) => m.role === 'tool').at(-1)?.content);
    };
    expect(toolAnswer(1)).toContain('test/sum.test.ts');
    expect(toolAnswer(2)).toMatch(/Passed: 1 passed, 0 failed/);
    expect(toolAnswer(3)).toMatch(/src\/sum\.ts:3 line/);
    expect(toolAnswer(4)).toContain('skeleton');
  });
});
