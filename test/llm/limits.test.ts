import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createLlmClient } from '../../src/llm/index.ts';
import { Semaphore } from '../../src/llm/semaphore.ts';
import { type OpenAiServer, startOpenAiServer } from '../helpers/openai-server.ts';

let server: OpenAiServer;
let dir: string;
beforeEach(async () => {
  server = await startOpenAiServer();
  dir = await mkdtemp(join(tmpdir(), 'testloop-llm-'));
});
afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const ask = { system: 's', user: 'u' };

describe('concurrency', () => {
  it('keeps at most `concurrency` requests in flight', async () => {
    server.handler = () => ({ reply: 'x'.repeat(40), tokensPerSecond: 200 });
    const llm = createLlmClient({ baseUrl: server.url, model: 'm', concurrency: 2 });
    const results = await Promise.all(Array.from({ length: 6 }, () => llm.complete(ask)));
    expect(results.every((r) => r.text === 'x'.repeat(40))).toBe(true);
    expect(server.completions()).toHaveLength(6);
    expect(server.maxInFlight).toBe(2);
    await llm.close();
  });

  it('hands a released slot to the next waiter in order', async () => {
    const semaphore = new Semaphore(1);
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3].map((n) =>
        semaphore.run(async () => {
          order.push(n);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }),
      ),
    );
    expect(order).toEqual([1, 2, 3]);
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});

describe('deadline', () => {
  it('does not start a request that cannot finish before the deadline', async () => {
    // ~100 tokens/s observed on the first request: 2000 more tokens would take ~20 s, 3 s are left
    server.enqueue({ reply: 'abcd'.repeat(20), tokensPerSecond: 100 });
    const llm = createLlmClient({ baseUrl: server.url, model: 'm', deadline: Date.now() + 3000 });
    await llm.complete({ ...ask, maxTokens: 100 });
    await expect(llm.complete({ ...ask, maxTokens: 2000 })).rejects.toMatchObject({
      code: 'TESTLOOP_LLM_DEADLINE',
      message: expect.stringMatching(/up to 2000 tokens at ~\d+ tokens\/s needs ~\d+\.\d s/),
    });
    expect(server.completions()).toHaveLength(1);
    // a small request still fits
    server.enqueue('ok');
    expect((await llm.complete({ ...ask, maxTokens: 20 })).text).toBe('ok');
  });

  it('refuses every request once the deadline has passed', async () => {
    const llm = createLlmClient({ baseUrl: server.url, model: 'm', deadline: Date.now() - 1 });
    await expect(llm.complete(ask)).rejects.toMatchObject({ code: 'TESTLOOP_LLM_DEADLINE' });
    expect(server.completions()).toHaveLength(0);
  });

  it('cuts a streaming reply at the deadline', async () => {
    server.enqueue({ reply: 'abcd'.repeat(100), tokensPerSecond: 50 });
    const llm = createLlmClient({ baseUrl: server.url, model: 'm', deadline: Date.now() + 300 });
    await expect(llm.complete(ask)).rejects.toMatchObject({
      code: 'TESTLOOP_LLM_DEADLINE',
      message: expect.stringContaining('while the reply was streaming'),
    });
    expect(llm.usage().completionTokens).toBeGreaterThan(0);
  });
});

describe('token budget', () => {
  it('refuses to start once the budget is spent, counting partial usage', async () => {
    server.enqueue('abcd'.repeat(10), { reset: true, reply: 'abcd'.repeat(10), tokens: 5 });
    const llm = createLlmClient({
      baseUrl: server.url,
      model: 'm',
      tokenBudget: 15,
      maxRetries: 3,
      retryBaseMs: 5,
    });
    await llm.complete(ask); // 1 prompt + 10 completion
    // the reset stream spent 1 + 5 more: 17 ≥ 15, so the retry is refused
    await expect(llm.complete(ask)).rejects.toMatchObject({
      code: 'TESTLOOP_LLM_BUDGET',
      message: expect.stringContaining('17 of 15 tokens used'),
    });
    expect(server.completions()).toHaveLength(2);
    expect(llm.usage()).toMatchObject({ promptTokens: 2, completionTokens: 15, retries: 1 });
  });
});

describe('cache', () => {
  const Shape = z.object({ answer: z.number() });

  it('answers a repeated request from disk without a request', async () => {
    server.enqueue({ reply: { answer: 42 } });
    const first = createLlmClient({ baseUrl: server.url, model: 'm', cacheDir: dir });
    const fresh = await first.complete({ ...ask, schema: Shape });
    expect(fresh).toMatchObject({ json: { answer: 42 }, cached: false });

    const second = createLlmClient({ baseUrl: server.url, model: 'm', cacheDir: dir });
    const hit = await second.complete({ ...ask, schema: Shape });
    expect(hit).toMatchObject({ json: { answer: 42 }, cached: true, usage: fresh.usage });
    expect(server.completions()).toHaveLength(1);
    expect(second.usage()).toMatchObject({ requests: 0, cacheHits: 1, promptTokens: 0, completionTokens: 0 });
  });

  it('keys on model, prompt and schema, and treats a corrupt entry as a miss', async () => {
    const llm = createLlmClient({ baseUrl: server.url, model: 'm', cacheDir: dir });
    await llm.complete(ask);
    await llm.complete({ ...ask, user: 'other' });
    await createLlmClient({ baseUrl: server.url, model: 'm2', cacheDir: dir }).complete(ask);
    server.enqueue({ reply: { answer: 1 } });
    await llm.complete({ ...ask, schema: Shape });
    expect(server.completions()).toHaveLength(4);

    const files = await readdir(dir);
    expect(files).toHaveLength(4);
    for (const file of files) await writeFile(join(dir, file), '{not json');
    await llm.complete(ask);
    expect(server.completions()).toHaveLength(5);
  });

  it('does not cache a reply cut at maxTokens', async () => {
    server.enqueue({ reply: 'cut', finishReason: 'length' }, 'whole');
    const llm = createLlmClient({ baseUrl: server.url, model: 'm', cacheDir: dir });
    expect((await llm.complete(ask)).text).toBe('cut');
    expect((await llm.complete(ask)).text).toBe('whole');
    expect((await llm.complete(ask)).text).toBe('whole');
    expect(llm.usage()).toMatchObject({ requests: 2, cacheHits: 1 });
  });
});
