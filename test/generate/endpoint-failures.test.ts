/**
 * Failures are per target: a request that fails after its retries fails its own target; only a refused
 * connection or the requests of several targets in a row failing stop new requests (the breaker). A local
 * OpenAI-protocol server plays the endpoint; accepted candidates run in the real vitest.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { BREAKER_THRESHOLD } from '../../src/generate/breaker.ts';
import { generateTests } from '../../src/generate/pipeline.ts';
import { type OpenAiServer, promptTarget, type Script, startOpenAiServer } from '../helpers/openai-server.ts';
import { usePrivateTmpDir } from '../helpers/private-tmp.ts';
import { type App, copyApp } from './apps.ts';

const test = (symbol: string, call: string, value: string): Script => ({
  reply: {
    code: `import { expect, it } from 'vitest';\nimport { ${symbol} } from './shop.ts';\n\nit('${symbol}', () => {\n  expect(${call}).toBe(${value});\n});\n`,
  },
});
const targets = (...symbols: string[]) => symbols.map((s) => `src/shop.ts:${s}`);

usePrivateTmpDir('testloop-endpoint-');
const apps: App[] = [];
const servers: OpenAiServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  for (const app of apps) app.remove();
});

async function serve(handler: (symbol: string) => Script): Promise<OpenAiServer> {
  const server = await startOpenAiServer();
  servers.push(server);
  server.handler = (request) => handler(promptTarget(request));
  return server;
}

function app(): App {
  const made = copyApp('shop-vitest');
  apps.push(made);
  return made;
}

describe('generate when the endpoint fails', () => {
  it('a 503 after retries fails its own target; the other targets finish', async () => {
    const server = await serve((symbol) =>
      symbol === 'sign'
        ? { status: 503, message: 'overloaded' }
        : symbol === 'isEmpty'
          ? test('isEmpty', 'isEmpty([])', 'true')
          : test('round2', 'round2(1.234)', '1.23'),
    );
    const result = await generateTests({
      cwd: app().dir,
      env: {},
      targets: targets('sign', 'isEmpty', 'round2'),
      concurrency: 1,
      repairs: 0,
      llm: { baseUrl: server.url, model: 'test-model' },
    });
    expect(result.accepted.map((a) => a.target)).toEqual(targets('isEmpty', 'round2'));
    expect(result.discarded).toEqual([
      {
        target: 'src/shop.ts:sign',
        stage: 'generated',
        reason: expect.stringMatching(/HTTP 503: overloaded.* after 3 retries/),
      },
    ]);
    expect(result.skipped).toBeUndefined();
    expect(result.llmError).toBeUndefined();
    // The failed target was retried (1 + 3 requests); the others asked once each.
    expect(server.completions().map(promptTarget)).toEqual([
      'sign',
      'sign',
      'sign',
      'sign',
      'isEmpty',
      'round2',
    ]);
  }, 120_000);

  it(`stops new requests after ${BREAKER_THRESHOLD} targets in a row failed: the endpoint answers with errors`, async () => {
    const server = await serve(() => ({ status: 500, message: 'internal error' }));
    const result = await generateTests({
      cwd: app().dir,
      env: {},
      targets: targets('sign', 'isEmpty', 'round2', 'tax', 'clamp'),
      concurrency: 1,
      llm: { baseUrl: server.url, model: 'test-model' },
    });
    expect(result.discarded.map((d) => d.target)).toEqual(targets('sign', 'isEmpty', 'round2'));
    const reason = 'not started: the model endpoint is answering with errors (see llmError)';
    expect(result.skipped).toEqual(targets('tax', 'clamp').map((target) => ({ target, reason })));
    expect(result.llmError).toEqual({
      code: 'TESTLOOP_LLM_UNREACHABLE',
      message: expect.stringContaining('HTTP 500: internal error'),
      endpoint: 'answering-with-errors',
    });
    expect(new Set(server.completions().map(promptTarget))).toEqual(new Set(['sign', 'isEmpty', 'round2']));
  }, 120_000);

  it('a success between failures keeps the breaker closed', async () => {
    const server = await serve((symbol) =>
      symbol === 'isEmpty' ? test('isEmpty', 'isEmpty([])', 'true') : { status: 502, message: 'bad gateway' },
    );
    const result = await generateTests({
      cwd: app().dir,
      env: {},
      targets: targets('sign', 'tax', 'isEmpty', 'round2', 'clamp'),
      concurrency: 1,
      repairs: 0,
      llm: { baseUrl: server.url, model: 'test-model' },
    });
    expect(result.accepted.map((a) => a.target)).toEqual(targets('isEmpty'));
    expect(result.discarded.map((d) => d.target)).toEqual(targets('sign', 'tax', 'round2', 'clamp'));
    expect(result.skipped).toBeUndefined();
    expect(result.llmError).toBeUndefined();
  }, 120_000);

  it('stops at once when the connection is refused: the endpoint is unreachable', async () => {
    const server = await startOpenAiServer();
    const url = server.url;
    await server.close(); // nothing listens on that port any more
    const result = await generateTests({
      cwd: app().dir,
      env: {},
      targets: targets('sign', 'isEmpty', 'round2'),
      concurrency: 1,
      llm: { baseUrl: url, model: 'test-model' },
    });
    expect(result.discarded).toEqual([
      { target: 'src/shop.ts:sign', stage: 'generated', reason: expect.stringContaining('ECONNREFUSED') },
    ]);
    const reason = 'not started: the model endpoint is unreachable (see llmError)';
    expect(result.skipped).toEqual(targets('isEmpty', 'round2').map((target) => ({ target, reason })));
    expect(result.llmError).toMatchObject({ code: 'TESTLOOP_LLM_UNREACHABLE', endpoint: 'unreachable' });
  }, 180_000);
});
