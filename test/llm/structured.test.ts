import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createLlmClient, extractJson, LlmError } from '../../src/llm/index.ts';
import { type OpenAiServer, type OpenAiServerOptions, startOpenAiServer } from '../helpers/openai-server.ts';

const Tests = z.object({
  file: z.string(),
  tests: z.array(z.object({ name: z.string(), code: z.string() })),
});
const ANSWER = { file: 'src/add.test.ts', tests: [{ name: 'adds', code: 'expect(add(1, 2)).toBe(3);' }] };

let server: OpenAiServer;
/** The server a case started, closed after it: cases that start none (extractJson's) close nothing. */
let running: OpenAiServer | undefined;
async function start(options: OpenAiServerOptions = {}) {
  server = await startOpenAiServer(options);
  running = server;
  return createLlmClient({ baseUrl: server.url, model: 'm', apiKey: 'k', maxRetries: 0 });
}
afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe('structured output', () => {
  it('sends the zod schema as response_format json_schema and returns validated json', async () => {
    const client = await start();
    server.enqueue({ reply: ANSWER });
    const result = await client.complete({ system: 'Write tests.', user: 'add()', schema: Tests });

    expect(result.json).toEqual(ANSWER);
    const body = server.completions()[0]!.body;
    expect(body.response_format).toMatchObject({
      type: 'json_schema',
      json_schema: {
        name: 'testloop_output',
        strict: true,
        schema: { type: 'object', required: ['file', 'tests'], additionalProperties: false },
      },
    });
    expect(body.response_format.json_schema.schema.$schema).toBeUndefined();
    expect(body.messages[0].content).toBe('Write tests.');
  });

  it('marks a schema with optional fields non-strict', async () => {
    const client = await start();
    server.enqueue({ reply: { a: 'x' } });
    await client.complete({
      system: 's',
      user: 'u',
      schema: z.object({ a: z.string(), b: z.string().optional() }),
    });
    expect(server.completions()[0]!.body.response_format.json_schema.strict).toBe(false);
  });

  it('sends the schema as text.format on the Responses API', async () => {
    server = await startOpenAiServer();
    const client = createLlmClient({ baseUrl: server.url, model: 'm', api: 'responses' });
    server.enqueue({ reply: ANSWER });
    const result = await client.complete({ system: 's', user: 'u', schema: Tests });
    expect(result.json).toEqual(ANSWER);
    expect(server.completions()[0]!.body.text.format).toMatchObject({
      type: 'json_schema',
      name: 'testloop_output',
      strict: true,
    });
  });

  it('falls back to JSON in a fenced block when the server rejects response_format, and remembers', async () => {
    const client = await start({ structuredOutput: 'rejected' });
    const fenced = `Here are the tests:\n\n\`\`\`json\n${JSON.stringify(ANSWER, null, 2)}\n\`\`\`\nGood luck!`;
    server.enqueue(fenced, fenced);

    const first = await client.complete({ system: 'Write tests.', user: 'add()', schema: Tests });
    const second = await client.complete({ system: 'Write tests.', user: 'add()', schema: Tests });

    expect(first.json).toEqual(ANSWER);
    expect(second.json).toEqual(ANSWER);
    const bodies = server.completions().map((r) => r.body);
    expect(bodies).toHaveLength(3); // rejected once, then plain JSON for both calls
    expect(bodies[0].response_format).toBeDefined();
    expect(bodies[1].response_format).toBeUndefined();
    expect(bodies[2].response_format).toBeUndefined();
    expect(bodies[1].messages[0].content).toContain('```json');
    expect(bodies[1].messages[0].content).toContain('"required":["file","tests"]');
    expect(client.usage().retries).toBe(0);
  });

  it('falls back on the Responses API too', async () => {
    server = await startOpenAiServer({ structuredOutput: 'rejected' });
    const client = createLlmClient({ baseUrl: server.url, model: 'm', api: 'responses' });
    server.enqueue(`\`\`\`json\n${JSON.stringify(ANSWER)}\n\`\`\``);
    expect((await client.complete({ system: 's', user: 'u', schema: Tests })).json).toEqual(ANSWER);
    const bodies = server.completions().map((r) => r.body);
    expect(bodies.map((b) => b.text?.format?.type)).toEqual(['json_schema', undefined]);
    expect(bodies[1].instructions).toContain('```json');
  });

  it('drops strict before dropping the schema when the server calls the schema invalid for strict mode', async () => {
    const client = await start();
    server.enqueue(
      {
        status: 400,
        message: "Invalid schema for response_format 'testloop_output': In context=(), 'strict' ...",
      },
      { reply: ANSWER },
    );
    expect((await client.complete({ system: 's', user: 'u', schema: Tests })).json).toEqual(ANSWER);
    const formats = server.completions().map((r) => r.body.response_format?.json_schema?.strict);
    expect(formats).toEqual([true, false]);
  });

  it('extracts the JSON from a server that ignores response_format and answers with prose', async () => {
    const client = await start({ structuredOutput: 'ignored' });
    server.enqueue(`Sure! The result is ${JSON.stringify(ANSWER)} as requested.`);
    expect((await client.complete({ system: 's', user: 'u', schema: Tests })).json).toEqual(ANSWER);
  });

  it('rejects output that is not JSON with TESTLOOP_LLM_BAD_OUTPUT', async () => {
    const client = await start();
    server.enqueue('I cannot write tests for this code.');
    const error = await client.complete({ system: 's', user: 'u', schema: Tests }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ code: 'TESTLOOP_LLM_BAD_OUTPUT' });
    expect((error as Error).message).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/v1: model "m" returned unusable output/,
    );
    expect((error as Error).message).not.toContain('\n');
  });

  it('rejects JSON with a trailing comma', async () => {
    const client = await start();
    server.enqueue('```json\n{"file": "a.ts", "tests": [],}\n```');
    await expect(client.complete({ system: 's', user: 'u', schema: Tests })).rejects.toMatchObject({
      code: 'TESTLOOP_LLM_BAD_OUTPUT',
      message: expect.stringContaining('trailing comma'),
    });
  });

  it('rejects JSON that does not match the schema, naming the path', async () => {
    const client = await start();
    server.enqueue({ reply: { file: 'a.ts', tests: [{ name: 'x' }] } });
    await expect(client.complete({ system: 's', user: 'u', schema: Tests })).rejects.toMatchObject({
      code: 'TESTLOOP_LLM_BAD_OUTPUT',
      message: expect.stringContaining('schema mismatch at tests.0.code'),
    });
  });

  it('says when the reply was cut at maxTokens', async () => {
    const client = await start();
    server.enqueue({ reply: '{"file": "a.ts", "tests": [{"na', finishReason: 'length' });
    await expect(
      client.complete({ system: 's', user: 'u', schema: Tests, maxTokens: 10 }),
    ).rejects.toMatchObject({
      code: 'TESTLOOP_LLM_BAD_OUTPUT',
      message: expect.stringContaining('cut at 10 tokens'),
    });
  });
});

describe('extractJson', () => {
  it.each([
    ['{"a":1}', { a: 1 }],
    ['  [1, 2]  ', [1, 2]],
    ['```json\n{"a":1}\n```', { a: 1 }],
    ['```JSON\n{"a":1}\n```', { a: 1 }],
    ['```\n{"a":1}\n```', { a: 1 }],
    ['Here you go:\n```ts\nconst x = {};\n```\n```json\n{"a":1}\n```', { a: 1 }],
    ['The answer: {"a": "}{", "b": [1]} hope it helps', { a: '}{', b: [1] }],
    ['<think>maybe {"a":0}</think>{"a":2}', { a: 2 }],
    ['```json\n{"a":1}', { a: 1 }],
  ])('reads %j', (text, value) => {
    expect(extractJson(text)).toEqual({ ok: true, value });
  });

  it.each([
    ['{"a":1,}', /trailing comma/],
    ['no json here', /no JSON/],
    ['', /empty/],
    ['{"a": 1 // note\n}', /invalid JSON/],
  ])('refuses %j', (text, detail) => {
    const result = extractJson(text);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.detail).toMatch(detail);
  });
});
