import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.ts';
import { parseDuration } from '../../src/config/duration.ts';
import { type App, copyApp } from './apps.ts';

async function cli(argv: string[], cwd: string, env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const status = await runCli(['generate', ...argv], {
    cwd,
    env,
    isTTY: false,
    version: '0.0.0-test',
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    readStdin: async () => Buffer.alloc(0),
  });
  return { status, stdout, stderr };
}

describe('testloop generate: flags, environment and config', () => {
  let app: App;
  beforeAll(() => {
    app = copyApp('vitest-app');
  });
  afterAll(() => app.remove());

  it('documents its flags, the TESTLOOP_LLM_* variables and the exit codes', async () => {
    const run = await cli(['--help'], app.dir);
    expect(run.status).toBe(0);
    for (const text of [
      '--base-url <url>',
      'env TESTLOOP_LLM_BASE_URL',
      'env TESTLOOP_LLM_MODEL',
      '--target <file:symbol>',
      '--budget <duration>',
      '--[no-]write',
      '--patch <file>',
      '--[no-]strict',
      'TESTLOOP_LLM_API_KEY or OPENAI_API_KEY only',
      '3 the model endpoint failed and --strict is set',
    ])
      expect(run.stdout).toContain(text);
    expect(run.stdout).not.toContain('--api-key');
  });

  it.each([
    [
      ['--format', 'xml'],
      /TESTLOOP_USAGE: --format xml: unknown format "xml". Use one of text, json, markdown/,
    ],
    [['--budget', 'soon'], /TESTLOOP_CONFIG: --budget: expected a duration such as 90s, 2m/],
    [
      ['--engine', 'llm'],
      /TESTLOOP_USAGE: --engine llm needs an endpoint: set --base-url or TESTLOOP_LLM_BASE_URL/,
    ],
    [
      ['src/price.ts'],
      /TESTLOOP_USAGE: unexpected argument "src\/price.ts". Name targets with --target file:symbol/,
    ],
    [['--target', 'src/price.ts'], /TESTLOOP_USAGE: --target src\/price.ts: expected file:symbol/],
    [['--target', 'src/price.ts:nope'], /no function "nope" in src\/price.ts \(it has price, discount\)/],
    [['--base-url', 'not a url'], /TESTLOOP_CONFIG: --base-url: /],
    [['--api-key', 'sk-1'], /TESTLOOP_USAGE: Unknown option '--api-key'/],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const run = await cli(argv, app.dir);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(app.status()).toEqual([]);
  });

  it('reads the endpoint from TESTLOOP_LLM_BASE_URL and requires a model for it', async () => {
    const env = { TESTLOOP_LLM_BASE_URL: 'http://127.0.0.1:9/v1' };
    const run = await cli(['--target', 'src/price.ts:discount'], app.dir, env);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('the llm engine needs a model: set --model or TESTLOOP_LLM_MODEL');
  });

  it('defaults to the stub engine without an endpoint, and reads its config section', async () => {
    writeFileSync(join(app.dir, 'testloop.config.json'), JSON.stringify({ generate: { format: ['json'] } }));
    try {
      const run = await cli(['--target', 'src/price.ts:discount'], app.dir);
      expect(run.status).toBe(0);
      const result = JSON.parse(run.stdout);
      expect(result.stubs).toEqual([
        { target: 'src/price.ts:discount', testFile: 'src/price.discount.generated.test.ts', todos: 3 },
      ]);
      expect(run.stderr).toContain('skeleton with 3 todo(s) for src/price.discount.generated.test.ts');
      expect(run.stderr).toContain(
        '1 test skeleton(s) not written: pass --write or --patch <file> to keep them',
      );
    } finally {
      app.git('clean', '-fdq');
    }
  });

  it('parses durations', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('45')).toBe(45_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('')).toBeUndefined();
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseDuration('2x')).toBeUndefined();
  });
});
