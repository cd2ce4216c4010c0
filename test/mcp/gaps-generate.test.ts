import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testloopInProcess } from '../helpers/cli.ts';
import { type App, copyFixtureApp } from '../helpers/fixture-app.ts';
import { type McpSession, startMcp, textOf, withoutTimings } from '../helpers/mcp-client.ts';
import { startOpenAiServer } from '../helpers/openai-server.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/select');

/** sum.ts gains `twice` (lines 2-4); the coverage report says no test ran its body. */
const CHANGED_SUM = `export const sum = (a: number, b: number): number => a + b;
export function twice(a: number): number {
  return a * 2;
}
`;
const LCOV =
  'TN:\nSF:src/sum.ts\nFN:2,twice\nFNDA:0,twice\nDA:1,1\nDA:2,1\nDA:3,0\nLF:3\nLH:2\nend_of_record\n';

describe('testloop mcp: coverage_gaps and generate_tests', () => {
  let app: App;
  let mcp: McpSession;
  const cli = async (args: string[]) => await testloopInProcess(args, { cwd: app.dir });

  beforeAll(async () => {
    app = copyFixtureApp(FIXTURES, 'vitest-run');
    writeFileSync(join(app.dir, 'src/sum.ts'), CHANGED_SUM);
    writeFileSync(join(app.dir, 'change.diff'), app.git('diff'));
    mkdirSync(join(app.dir, 'coverage'));
    writeFileSync(join(app.dir, 'coverage/lcov.info'), LCOV);
    mcp = await startMcp(app.dir);
  });
  afterAll(async () => {
    await mcp?.close();
    app?.remove();
  });

  it('coverage_gaps answers with the JSON of testloop gaps --format json, citing files and lines', async () => {
    const args = { diffFile: 'change.diff', coverage: ['coverage/lcov.info'] };
    const result = await mcp.call('coverage_gaps', args);
    expect(result.isError).toBeFalsy();
    const printed = await cli([
      'gaps',
      '--format',
      'json',
      '--diff-file',
      'change.diff',
      '--coverage',
      'coverage/lcov.info',
    ]);
    expect(printed.status).toBe(0);
    expect(withoutTimings(result.structuredContent)).toEqual(withoutTimings(JSON.parse(printed.stdout)));
    expect(result.structuredContent).toMatchObject({
      gaps: expect.arrayContaining([expect.objectContaining({ file: 'src/sum.ts', start: 3 })]),
    });
    expect(textOf(result)).toMatch(/src\/sum\.ts:3 line/);
  });

  it('coverage_gaps says when the change is below failUnder', async () => {
    const result = await mcp.call('coverage_gaps', { diffFile: 'change.diff', failUnder: 80 });
    expect(result.structuredContent).toMatchObject({ belowThreshold: true });
  });

  it('coverage_gaps: bad arguments get the CLI code and message', async () => {
    for (const [args, flags] of [
      [{ diffFile: 'change.diff', failUnder: 200 }, ['--diff-file', 'change.diff', '--fail-under', '200']],
      [
        { diffFile: 'change.diff', coverage: ['coverage/missing.info'] },
        ['--diff-file', 'change.diff', '--coverage', 'coverage/missing.info'],
      ],
      [{ diffFile: 'missing.diff' }, ['--diff-file', 'missing.diff']],
    ] as const) {
      const result = await mcp.call('coverage_gaps', args);
      const printed = await cli(['gaps', ...flags]);
      expect(printed.status).toBe(2);
      expect(result.isError).toBe(true);
      expect(`${textOf(result)}\n`).toBe(printed.stderr);
    }
    expect(textOf(await mcp.call('coverage_gaps', { diffFile: '-' }))).toContain('not available over MCP');
  });

  it('generate_tests returns the files and a patch, and writes nothing unless asked', async () => {
    const result = await mcp.call('generate_tests', { target: ['src/sum.ts:twice'], engine: 'stub' });
    expect(result.isError).toBeFalsy();
    const answer = result.structuredContent as {
      stubs: { testFile: string }[];
      files: { path: string; content: string }[];
      patchText: string;
      written?: string[];
    };
    expect(answer.stubs).toHaveLength(1);
    const file = answer.files[0]!;
    expect(file.path).toBe(answer.stubs[0]!.testFile);
    expect(file.content).toContain('twice');
    expect(answer.patchText).toContain(`+++ b/${file.path}`);
    expect(existsSync(join(app.dir, file.path))).toBe(false);
    expect(textOf(result)).toContain('not written');

    const written = await mcp.call('generate_tests', {
      target: ['src/sum.ts:twice'],
      engine: 'stub',
      write: true,
    });
    expect(written.isError).toBeFalsy();
    expect(readFileSync(join(app.dir, file.path), 'utf8')).toBe(file.content);
  });

  it('generate_tests: bad arguments get the CLI code and message', async () => {
    const result = await mcp.call('generate_tests', { target: ['src/sum.ts:twice'], engine: 'llm' });
    const printed = await cli(['generate', '--target', 'src/sum.ts:twice', '--engine', 'llm']);
    expect(printed.status).toBe(2);
    expect(`${textOf(result)}\n`).toBe(printed.stderr);
    const unknown = await mcp.call('generate_tests', { patch: 'x.diff' });
    expect(textOf(unknown)).toMatch(/^testloop: error TESTLOOP_USAGE: unknown argument "patch"/);
  });
});

describe('testloop mcp: generate_tests and the model API key', () => {
  it('a baseUrl the call names gets no API key from the server; the server keeps its key for its own endpoint', async () => {
    const app = copyFixtureApp(FIXTURES, 'vitest-run');
    writeFileSync(join(app.dir, 'src/sum.ts'), CHANGED_SUM);
    const own = await startOpenAiServer();
    const named = await startOpenAiServer();
    const mcp = await startMcp(app.dir, {
      env: {
        TESTLOOP_LLM_API_KEY: 'sk-server-secret',
        TESTLOOP_LLM_BASE_URL: own.url,
        TESTLOOP_LLM_MODEL: 'test-model',
      },
    });
    try {
      const call = (extra: Record<string, unknown>) =>
        mcp.call('generate_tests', { target: ['src/sum.ts:twice'], repairs: 0, ...extra });
      await call({ baseUrl: named.url, model: 'other-model' });
      expect(named.completions().length).toBeGreaterThan(0);
      expect(named.completions().map((r) => r.headers.authorization)).not.toContain(
        'Bearer sk-server-secret',
      );
      await call({});
      expect(own.completions().length).toBeGreaterThan(0);
      expect(own.completions().map((r) => r.headers.authorization)).toContain('Bearer sk-server-secret');
    } finally {
      await mcp.close();
      await Promise.all([own.close(), named.close()]);
      app.remove();
    }
  });
});
