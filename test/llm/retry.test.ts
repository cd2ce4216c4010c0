import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLlmClient, type LlmClientOptions } from '../../src/llm/index.ts';
import { backoffMs, retryAfterMs } from '../../src/llm/retry.ts';
import { type OpenAiServer, startOpenAiServer } from '../helpers/openai-server.ts';

let server: OpenAiServer;
beforeEach(async () => {
  server = await startOpenAiServer();
});
afterEach(async () => {
  await server.close();
});

const client = (options: Partial<LlmClientOptions> = {}) =>
  createLlmClient({
    baseUrl: server.url,
    model: 'm',
    apiKey: 'sk-secret-123456',
    retryBaseMs: 10,
    ...options,
  });
const ask = { system: 's', user: 'u' };

describe('retries', () => {
  it('honours Retry-After on a 429', async () => {
    server.enqueue({ status: 429, message: 'Rate limit reached', retryAfter: '1' }, 'done');
    const llm = client();
    expect((await llm.complete(ask)).text).toBe('done');
    const [first, second] = server.completions();
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000);
    expect(llm.usage()).toMatchObject({ requests: 2, retries: 1 });
  });

  it('honours retry-after-ms over Retry-After', async () => {
    server.enqueue({ status: 429, retryAfter: '30', retryAfterMs: 150 }, 'done');
    const started = performance.now();
    expect((await client().complete(ask)).text).toBe('done');
    const [first, second] = server.completions();
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(150);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('gives up at once when Retry-After is longer than maxRetryAfterMs', async () => {
    server.enqueue({ status: 429, retryAfter: '120' });
    await expect(client({ maxRetryAfterMs: 1000 }).complete(ask)).rejects.toMatchObject({
      code: 'TESTLOOP_LLM_RATE_LIMITED',
      message: expect.stringContaining('the server asks to wait 120 s'),
    });
    expect(server.completions()).toHaveLength(1);
  });

  it('retries a 500 and a 503, then succeeds', async () => {
    server.enqueue({ status: 500 }, { status: 503 }, 'done');
    const llm = client();
    expect((await llm.complete(ask)).text).toBe('done');
    expect(llm.usage()).toMatchObject({ requests: 3, retries: 2 });
  });

  it('reports TESTLOOP_LLM_UNREACHABLE once the retries are spent', async () => {
    server.enqueue({ status: 502 }, { status: 502 }, { status: 502 });
    await expect(client({ maxRetries: 2 }).complete(ask)).rejects.toMatchObject({
      code: 'TESTLOOP_LLM_UNREACHABLE',
      message: expect.stringMatching(/HTTP 502.*after 2 retries/),
    });
    expect(server.completions()).toHaveLength(3);
  });

  it('treats a 401 as final, and never prints the key', async () => {
    await server.close();
    server = await startOpenAiServer({ apiKey: 'sk-the-right-key' });
    const llm = client();
    const error = (await llm.complete(ask).catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ code: 'TESTLOOP_LLM_AUTH', status: 401 });
    expect(server.completions()).toHaveLength(1);
    expect(llm.usage().retries).toBe(0);
    // the server echoes the wrong key back; the message names the endpoint and the fix, not the key
    expect(error.message).toContain(server.url);
    expect(error.message).toContain('TESTLOOP_LLM_API_KEY');
    expect(error.message).toContain('***');
    for (const text of [error.message, String(error), inspect(error, { depth: 5 }), JSON.stringify(error)]) {
      expect(text).not.toContain('sk-secret-123456');
    }
    expect(server.completions()[0]!.headers.authorization).toBe('Bearer sk-secret-123456');
  });

  it('says when no key was set', async () => {
    await server.close();
    server = await startOpenAiServer({ apiKey: 'sk-the-right-key' });
    const llm = createLlmClient({ baseUrl: server.url, model: 'm' });
    await expect(llm.complete(ask)).rejects.toMatchObject({
      code: 'TESTLOOP_LLM_AUTH',
      message: expect.stringContaining('no API key was set'),
    });
  });

  it('treats other 4xx as final', async () => {
    server.enqueue({ status: 404, message: 'The model `nope` does not exist' });
    await expect(client().complete(ask)).rejects.toMatchObject({
      code: 'TESTLOOP_LLM_REJECTED',
      message: expect.stringContaining('does not exist'),
    });
    expect(server.completions()).toHaveLength(1);
  });

  it('retries a connection reset mid-stream and counts the partial usage', async () => {
    server.enqueue({ reset: true, reply: 'aaaabbbbccccdddd', tokens: 2 }, 'done');
    const llm = client();
    expect((await llm.complete(ask)).text).toBe('done');
    expect(llm.usage()).toMatchObject({
      requests: 2,
      retries: 1,
      promptTokens: 1 + 1,
      completionTokens: 2 + 1,
    });
  });

  it('cuts a hung stream at the idle timeout', async () => {
    server.enqueue({ hang: true, tokens: 3 }, { hang: true, tokens: 3 });
    const llm = client({ idleTimeoutMs: 200, requestTimeoutMs: 5000, maxRetries: 1 });
    const started = performance.now();
    await expect(llm.complete(ask)).rejects.toMatchObject({
      code: 'TESTLOOP_LLM_TIMEOUT',
      message: expect.stringMatching(/stalled \(no chunk for 200 ms\) after 1 retry/),
    });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(llm.usage()).toMatchObject({ requests: 2, retries: 1, completionTokens: 6 });
  });

  it('cuts a server that never answers at the request timeout', async () => {
    server.handler = () => new Promise(() => {});
    const started = performance.now();
    await expect(client({ requestTimeoutMs: 300, maxRetries: 0 }).complete(ask)).rejects.toMatchObject({
      code: 'TESTLOOP_LLM_TIMEOUT',
      message: expect.stringContaining('before the first token'),
    });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('reports malformed SSE as TESTLOOP_LLM_BAD_OUTPUT without retrying', async () => {
    server.enqueue({ malformed: true });
    await expect(client().complete(ask)).rejects.toMatchObject({ code: 'TESTLOOP_LLM_BAD_OUTPUT' });
    expect(server.completions()).toHaveLength(1);
  });

  it('reports a closed port as TESTLOOP_LLM_UNREACHABLE', async () => {
    const port = await freePort();
    const llm = createLlmClient({
      baseUrl: `http://127.0.0.1:${port}/v1`,
      model: 'm',
      maxRetries: 1,
      retryBaseMs: 5,
    });
    await expect(llm.complete(ask)).rejects.toMatchObject({
      code: 'TESTLOOP_LLM_UNREACHABLE',
      message: expect.stringContaining(
        `http://127.0.0.1:${port}/v1: cannot reach the LLM endpoint (ECONNREFUSED)`,
      ),
    });
    expect(llm.usage()).toMatchObject({ requests: 2, retries: 1, promptTokens: 0 });
  });

  it('stops retrying when the wait would pass the deadline', async () => {
    server.enqueue({ status: 503, retryAfter: '2' });
    await expect(client({ deadline: Date.now() + 1000 }).complete(ask)).rejects.toMatchObject({
      code: 'TESTLOOP_LLM_UNREACHABLE',
      message: expect.stringContaining('no time left before the deadline to retry'),
    });
    expect(server.completions()).toHaveLength(1);
  });
});

describe('retry timing', () => {
  it('reads Retry-After as seconds, an HTTP date, or retry-after-ms', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after': '3' }), now)).toBe(3000);
    expect(retryAfterMs(new Headers({ 'retry-after': '0.5' }), now)).toBe(500);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:10 GMT' }), now)).toBe(10_000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Tue, 31 Dec 2024 00:00:00 GMT' }), now)).toBe(0);
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '3' }), now)).toBe(250);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(retryAfterMs(new Headers(), now)).toBeUndefined();
  });

  it('backs off exponentially with jitter, capped', () => {
    expect(backoffMs(0, 500, 8000, () => 0)).toBe(250);
    expect(backoffMs(0, 500, 8000, () => 1)).toBe(500);
    expect(backoffMs(3, 500, 8000, () => 1)).toBe(4000);
    expect(backoffMs(10, 500, 8000, () => 1)).toBe(8000);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
