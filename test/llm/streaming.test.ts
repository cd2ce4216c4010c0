import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLlmClient } from '../../src/llm/index.ts';
import { type OpenAiServer, startOpenAiServer, tokenize } from '../helpers/openai-server.ts';

let server: OpenAiServer;
beforeEach(async () => {
  server = await startOpenAiServer();
});
afterEach(async () => {
  await server.close();
});

const REPLY = 'export function add(a: number, b: number) { return a + b; }';

describe('streaming', () => {
  it('streams a chat completion and accounts usage from the final usage chunk', async () => {
    server.enqueue({ reply: REPLY, tokensPerSecond: 400 });
    const client = createLlmClient({ baseUrl: server.url, model: 'm1', apiKey: 'sk-test' });
    const result = await client.complete({ system: 'You write code.', user: 'Write add().' });

    expect(result.text).toBe(REPLY);
    expect(result.cached).toBe(false);
    const prompt = Math.ceil(('You write code.'.length + 'Write add().'.length) / 4);
    expect(result.usage).toEqual({ promptTokens: prompt, completionTokens: tokenize(REPLY).length });
    expect(result.ttftMs).toBeGreaterThanOrEqual(0);
    // The rate is the reply's tokens over the time from its first chunk to its end, which lies within the
    // request's own time after the first token. The server paces the tokens at 400/s, so the reply takes
    // at least that long; how close the measured rate comes to 400 depends on the machine's load (a busy
    // event loop delivers paced chunks together), so no band around it is asserted.
    const tokens = tokenize(REPLY).length;
    expect(result.ms).toBeGreaterThanOrEqual(((tokens - 1) * 1000) / 400);
    expect(result.tokensPerSecond).toBeGreaterThan(0);
    const streamedMs = (tokens * 1000) / result.tokensPerSecond!;
    expect(streamedMs).toBeLessThanOrEqual(result.ms - result.ttftMs! + 1e-6);

    const [request] = server.completions();
    expect(request!.path).toBe('/v1/chat/completions');
    expect(request!.body).toMatchObject({
      model: 'm1',
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 4096,
      messages: [
        { role: 'system', content: 'You write code.' },
        { role: 'user', content: 'Write add().' },
      ],
    });
    expect(request!.body.response_format).toBeUndefined();
    expect(client.usage()).toMatchObject({
      requests: 1,
      promptTokens: prompt,
      completionTokens: tokenize(REPLY).length,
      retries: 0,
      cacheHits: 0,
    });
    expect(client.usage().seconds).toBeGreaterThan(0);
  });

  it('streams through the Responses API', async () => {
    server.enqueue({ reply: REPLY, tokensPerSecond: 2000 });
    const client = createLlmClient({ baseUrl: server.url, model: 'm1', apiKey: 'sk-test', api: 'responses' });
    const result = await client.complete({ system: 'sys', user: 'usr', maxTokens: 300 });

    expect(result.text).toBe(REPLY);
    expect(result.usage).toEqual({ promptTokens: 2, completionTokens: tokenize(REPLY).length });
    const [request] = server.completions();
    expect(request!.path).toBe('/v1/responses');
    expect(request!.body).toMatchObject({
      model: 'm1',
      instructions: 'sys',
      input: 'usr',
      stream: true,
      store: false,
      max_output_tokens: 300,
    });
  });

  it('sums usage over requests and estimates it when the server sends none', async () => {
    server.enqueue('abcdefgh', { reply: 'abcdefghijkl', omitUsage: true });
    const client = createLlmClient({ baseUrl: server.url, model: 'm', apiKey: 'k' });
    await client.complete({ system: 'ssss', user: 'uuuu' });
    const second = await client.complete({ system: 'ssss', user: 'uuuu' });
    expect(second.usage).toEqual({ promptTokens: 2, completionTokens: 3 });
    expect(client.usage()).toMatchObject({ requests: 2, promptTokens: 4, completionTokens: 5 });
  });

  it('sends the key as a Bearer token, taken from options or the env passed in', async () => {
    const fromOption = createLlmClient({ baseUrl: server.url, model: 'm', apiKey: 'sk-option' });
    await fromOption.complete({ system: 's', user: 'u' });
    const fromEnv = createLlmClient({
      baseUrl: server.url,
      model: 'm',
      env: { OPENAI_API_KEY: 'sk-openai', TESTLOOP_LLM_API_KEY: 'sk-testloop' },
    });
    await fromEnv.complete({ system: 's', user: 'u' });
    const fallback = createLlmClient({
      baseUrl: server.url,
      model: 'm',
      env: { OPENAI_API_KEY: 'sk-openai' },
    });
    await fallback.complete({ system: 's', user: 'u' });
    expect(server.completions().map((r) => r.headers.authorization)).toEqual([
      'Bearer sk-option',
      'Bearer sk-testloop',
      'Bearer sk-openai',
    ]);
  });

  it("drops a reasoning model's leading <think> block from the text", async () => {
    server.enqueue('<think>the user wants a test</think>\nit works');
    const client = createLlmClient({ baseUrl: server.url, model: 'm' });
    expect((await client.complete({ system: 's', user: 'u' })).text).toBe('\nit works');
  });

  it('switches to max_completion_tokens when the server asks for it, once per client', async () => {
    server.enqueue(
      {
        status: 400,
        message:
          "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      },
      'one',
      'two',
    );
    const client = createLlmClient({ baseUrl: server.url, model: 'o-model', maxRetries: 0 });
    expect((await client.complete({ system: 's', user: 'u', maxTokens: 50 })).text).toBe('one');
    expect((await client.complete({ system: 's', user: 'u', maxTokens: 50 })).text).toBe('two');
    const bodies = server.completions().map((r) => r.body);
    expect(bodies[0].max_tokens).toBe(50);
    expect(bodies[1].max_completion_tokens).toBe(50);
    expect(bodies[2].max_tokens).toBeUndefined();
    expect(bodies[2].max_completion_tokens).toBe(50);
  });
});
