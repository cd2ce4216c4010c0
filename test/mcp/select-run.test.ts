import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOL_LIST } from '../../src/mcp/tool-list.ts';
import { testloopInProcess } from '../helpers/cli.ts';
import { type App, copyFixtureApp } from '../helpers/fixture-app.ts';
import { type McpSession, startMcp, textOf, withoutTimings } from '../helpers/mcp-client.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/select');

describe('testloop mcp: tools/list, select_tests and run_tests on a vitest project', () => {
  let app: App;
  let mcp: McpSession;

  beforeAll(async () => {
    app = copyFixtureApp(FIXTURES, 'vitest-run');
    // mul is broken, and only its own test can tell.
    writeFileSync(
      join(app.dir, 'src/mul.ts'),
      'export const mul = (a: number, b: number): number => a + b;\n',
    );
    mcp = await startMcp(app.dir);
  });
  afterAll(async () => {
    await mcp?.close();
    app?.remove();
  });

  it('lists the six tools with input schemas from the CLI options, in camelCase', async () => {
    const { tools } = await mcp.client.listTools();
    expect(tools.map((t) => t.name)).toEqual([
      'select_tests',
      'run_tests',
      'coverage_gaps',
      'generate_tests',
      'flaky_tests',
      'explain_failure',
    ]);
    const props = (name: string) =>
      Object.keys(tools.find((t) => t.name === name)!.inputSchema.properties ?? {});
    expect(props('select_tests')).toEqual(
      expect.arrayContaining([
        'base',
        'changed',
        'diffFile',
        'typeImports',
        'alias',
        'history',
        'shard',
        'cache',
      ]),
    );
    expect(props('select_tests')).not.toContain('format');
    expect(props('select_tests')).not.toContain('run');
    expect(props('run_tests')).toEqual(
      expect.arrayContaining(['changed', 'base', 'files', 'all', 'timeout']),
    );
    expect(props('coverage_gaps')).toEqual(
      expect.arrayContaining(['base', 'coverage', 'failUnder', 'maxDiffMb']),
    );
    expect(props('generate_tests')).toEqual(expect.arrayContaining(['target', 'engine', 'write', 'baseUrl']));
    expect(props('generate_tests')).not.toContain('patch');
    expect(props('explain_failure')).toEqual(expect.arrayContaining(['test', 'runs', 'branch', 'history']));
    const select = tools.find((t) => t.name === 'select_tests')!.inputSchema.properties as Record<
      string,
      { type: string; description: string }
    >;
    expect(select.changed).toMatchObject({ type: 'array' });
    expect(select.base?.description).toContain('base ref');
  });

  it('lists what the tool declarations in the source describe (the build computes the list ahead)', async () => {
    const { tools } = await mcp.client.listTools();
    expect(tools).toEqual(TOOL_LIST);
  });

  it('select_tests answers with the JSON of testloop select --format json', async () => {
    const cli = await testloopInProcess(['select', '--format', 'json', '--changed', 'src/sum.ts'], {
      cwd: app.dir,
    });
    expect(cli.status).toBe(0);
    const result = await mcp.call('select_tests', { changed: ['src/sum.ts'] });
    expect(result.isError).toBeFalsy();
    // Which of the two parsed the files and which found them cached is the cache's business, not the answer's.
    const answer = (value: unknown) => {
      const { stats, ...rest } = withoutTimings(value) as { stats: Record<string, unknown> };
      const { parsed: _parsed, cached: _cached, ...counts } = stats;
      return { ...rest, stats: counts };
    };
    expect(answer(result.structuredContent)).toEqual(answer(JSON.parse(cli.stdout)));
    expect(result.structuredContent).toMatchObject({ all: false, tests: [{ file: 'test/sum.test.ts' }] });
    expect(textOf(result)).toContain('test/sum.test.ts');
  });

  it('select_tests notices files added between calls', async () => {
    const before = await mcp.call('select_tests', { changed: ['src/mul.ts'] });
    expect((before.structuredContent as { tests: { file: string }[] }).tests.map((t) => t.file)).toEqual([
      'test/mul.test.ts',
    ]);
    writeFileSync(
      join(app.dir, 'test/mul-more.test.ts'),
      "import { expect, it } from 'vitest';\nimport { mul } from '../src/mul.ts';\n\nit('multiplies more', () => {\n  expect(mul(3, 3)).toBe(9);\n});\n",
    );
    try {
      const after = await mcp.call('select_tests', { changed: ['src/mul.ts'] });
      expect(
        (after.structuredContent as { tests: { file: string }[] }).tests.map((t) => t.file).sort(),
      ).toEqual(['test/mul-more.test.ts', 'test/mul.test.ts']);
    } finally {
      app.git('clean', '-fq', 'test');
    }
  });

  it('a bad argument is a tool error with the CLI code and message, and the server keeps serving', async () => {
    const bad = await mcp.call('select_tests', { shard: '5/2' });
    expect(bad.isError).toBe(true);
    const cli = await testloopInProcess(['select', '--shard', '5/2'], { cwd: app.dir });
    expect(cli.status).toBe(2);
    expect(`${textOf(bad)}\n`).toBe(cli.stderr);

    const unknown = await mcp.call('select_tests', { format: 'json' });
    expect(unknown).toMatchObject({ isError: true });
    expect(textOf(unknown)).toMatch(
      /^testloop: error TESTLOOP_USAGE: unknown argument "format"; this tool takes base, /,
    );
    const wrongType = await mcp.call('select_tests', { typeImports: 'yes' });
    expect(textOf(wrongType)).toBe(
      'testloop: error TESTLOOP_USAGE: argument typeImports: expected true or false, got "yes"',
    );

    const good = await mcp.call('select_tests', { changed: ['src/sum.ts'] });
    expect(good.isError).toBeFalsy();
  });

  it('run_tests runs the selection and answers with each outcome and the failure, trimmed', async () => {
    const result = await mcp.call('run_tests', { changed: ['src/mul.ts'] });
    expect(result.isError).toBeFalsy();
    const answer = result.structuredContent as {
      ran: boolean;
      exitCode: number;
      tests: { passed: number; failed: number };
      failures: { testId: string; message: string }[];
      outcomes: { testId: string; status: string }[];
      runs: { runner: string; testFiles: number }[];
    };
    expect(answer.ran).toBe(true);
    expect(answer.exitCode).toBe(1);
    expect(answer.runs).toEqual([expect.objectContaining({ runner: 'vitest', testFiles: 1 })]);
    expect(answer.outcomes.map((o) => [o.testId, o.status])).toEqual([
      ['test/mul.test.ts › multiplies', 'failed'],
    ]);
    expect(answer.failures[0]!.message).toMatch(/expected 5 to be 6/);
    expect(answer.failures[0]!.message).not.toMatch(/node_modules/);
    expect(textOf(result)).toMatch(/^Failed: 0 passed, 1 failed/);
  });

  it('run_tests runs named files', async () => {
    const result = await mcp.call('run_tests', { files: ['test/sum.test.ts'] });
    expect(result.structuredContent).toMatchObject({
      ran: true,
      exitCode: 0,
      tests: { passed: 1, failed: 0, skipped: 0 },
      outcomes: [{ testId: 'test/sum.test.ts › adds', status: 'passed' }],
    });
  });

  it("run_tests keeps testloop's own credentials from the tests, and the rest of the environment", async () => {
    writeFileSync(
      join(app.dir, 'test/env.test.ts'),
      "import { expect, it } from 'vitest';\n\nit('sees no testloop credential', () => {\n" +
        '  expect(process.env.TESTLOOP_LLM_API_KEY).toBeUndefined();\n' +
        '  expect(process.env.TESTLOOP_GITHUB_TOKEN).toBeUndefined();\n' +
        "  expect(process.env.APP_MODE).toBe('kept');\n});\n",
    );
    const withSecrets = await startMcp(app.dir, {
      env: {
        TESTLOOP_LLM_API_KEY: 'sk-never-seen',
        TESTLOOP_GITHUB_TOKEN: 'ghp_never_seen',
        APP_MODE: 'kept',
      },
    });
    try {
      const result = await withSecrets.call('run_tests', { files: ['test/env.test.ts'] });
      expect(result.structuredContent).toMatchObject({
        ran: true,
        exitCode: 0,
        tests: { passed: 1, failed: 0 },
      });
    } finally {
      await withSecrets.close();
      rmSync(join(app.dir, 'test/env.test.ts'));
    }
  });

  it('run_tests runs the whole suite only when asked for', async () => {
    const widened = await mcp.call('run_tests', { changed: ['package.json'] });
    expect(widened.isError).toBeFalsy();
    expect(widened.structuredContent).toMatchObject({ ran: false, selection: { all: true } });
    expect(textOf(widened)).toContain('all: true');

    const all = await mcp.call('run_tests', { all: true });
    expect(all.structuredContent).toMatchObject({ ran: true, tests: { passed: 1, failed: 1 } });
  });

  it('run_tests with nothing to run says so instead of passing', async () => {
    const inert = await mcp.call('run_tests', { changed: ['README.md'] });
    expect(inert.isError).toBeFalsy();
    expect(inert.structuredContent).toMatchObject({ ran: false, selection: { tests: [] } });
    expect(textOf(inert)).toMatch(/^Nothing run: 0 of \d+ test files selected/);

    const none = await mcp.call('run_tests', { files: [] });
    expect(none.isError).toBe(true);
    expect(textOf(none)).toBe('testloop: error TESTLOOP_USAGE: argument files: name at least one test file');
  });

  it('run_tests stops at its time limit', async () => {
    const result = await mcp.call('run_tests', { files: ['test/sum.test.ts'], timeout: '1ms' });
    expect(result.structuredContent).toMatchObject({ ran: true, timedOut: true });
    expect(textOf(result)).toContain('time limit');
  });

  it('run_tests refuses what is not a test file, and a bad time limit', async () => {
    const notATest = await mcp.call('run_tests', { files: ['src/sum.ts'] });
    expect(textOf(notATest)).toMatch(
      /^testloop: error TESTLOOP_USAGE: argument files: src\/sum\.ts is not a test file/,
    );
    const badTimeout = await mcp.call('run_tests', { files: ['test/sum.test.ts'], timeout: 'soon' });
    expect(badTimeout.isError).toBe(true);
    expect(textOf(badTimeout)).toContain('argument timeout');
    expect(existsSync(join(app.dir, 'junit.xml'))).toBe(false);
  });

  it('logs on stderr only', () => {
    expect(mcp.stderr()).toContain('testloop mcp: serving');
  });
});
