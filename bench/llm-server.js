// A local OpenAI-compatible server for the generate benchmark: Chat Completions and Responses, streamed at
// a fixed pace in tokens per second, answering each prompt with a test file chosen by `answer`.
//
// Plain JavaScript on purpose: test/helpers/openai-server.ts is TypeScript, which Node 20 cannot import,
// and the benchmark needs only its happy path (no scripted failures), so a small copy beats a build step.
// Tokens are counted as the helper counts them: about 4 characters each.
//
// As a library: `startLlmServer({ tokensPerSecond, answer })`. From the command line, for poking at a
// generated repository by hand: `node bench/llm-server.js <answers.json> [--tokens-per-second=1000]
// [--port=0]`, where answers.json maps `file:symbol` to the body of its test (see answerFromPrompt).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => Math.floor(Date.now() / 1000);

/** ~4-character tokens: the unit of pacing and of completion usage. */
export function tokenize(text) {
  return text.match(/[\s\S]{1,4}/g) ?? [];
}

/** The user message of either API. */
export function userText(body) {
  const user = body?.messages?.find((m) => m.role === 'user')?.content;
  if (typeof user === 'string') return user;
  if (typeof body?.input === 'string') return body.input;
  const item = Array.isArray(body?.input) ? body.input.find((i) => i.role === 'user') : undefined;
  return typeof item?.content === 'string' ? item.content : '';
}

/**
 * The test file for the target a testloop prompt names: the header the prompt says to start with (framework
 * and code-under-test imports, exactly as testloop wants them), then the body `answers` holds for
 * `file:symbol`. Undefined when the prompt names no known target.
 */
export function answerFromPrompt(prompt, answers) {
  const target = /^Target: `([^`]+)` in (\S+?),/m.exec(prompt);
  if (!target) return undefined;
  const body = answers[`${target[2]}:${target[1]}`];
  if (body === undefined) return undefined;
  const header = /Start it with:\n\n(`{3,})\w*\n([\s\S]*?)\n\1/.exec(prompt)?.[2] ?? '';
  return `${header}\n\n${body}`;
}

/**
 * Starts the server on 127.0.0.1. `answer(prompt, body)` returns the test file's code (or undefined: a 400);
 * replies are `{"code": …}` JSON, as testloop's structured-output schema asks. Every completion is recorded
 * with its start, first byte and end (performance.now() of this process) and its token count.
 */
export async function startLlmServer({ tokensPerSecond = 1000, answer, port = 0 } = {}) {
  const requests = [];
  const served = await serveOpenAi({
    model: 'bench-model',
    owner: 'bench',
    port,
    async respond(api, body, res) {
      const started = performance.now();
      const prompt = userText(body);
      const code = answer?.(prompt, body);
      if (code === undefined) return [400, 'the bench server has no answer for this prompt'];
      const text = JSON.stringify({ code });
      const record = { api, started, firstByte: 0, ended: 0, tokens: 0, prompt: prompt.slice(0, 200) };
      requests.push(record);
      await play(api, body, text, res, tokensPerSecond, record);
      record.ended = performance.now();
    },
  });
  return { ...served, requests };
}

/**
 * An OpenAI-protocol server on 127.0.0.1: `GET /v1/models` lists `model`; each Chat Completions or
 * Responses request goes to `respond(api, body, res)`, which answers it (see play) or returns
 * `[status, message]` for an API error. Any other route is a 404.
 */
export async function serveOpenAi({ model, owner, port = 0, respond }) {
  const sockets = new Set();
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (req.method === 'GET' && path === '/v1/models')
        return json(res, 200, {
          object: 'list',
          data: [{ id: model, object: 'model', created: 0, owned_by: owner }],
        });
      const api =
        path === '/v1/chat/completions' ? 'chat' : path === '/v1/responses' ? 'responses' : undefined;
      if (req.method !== 'POST' || api === undefined)
        return error(res, 404, `Unknown route ${req.method} ${path}`);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      const failed = await respond(api, body, res);
      if (failed) error(res, ...failed);
    } catch (failure) {
      if (!res.headersSent) error(res, 500, String(failure));
      else res.destroy();
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/v1`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export async function play(api, body, text, res, tokensPerSecond, record) {
  const tokens = tokenize(text);
  record.tokens = tokens.length;
  const usage = { prompt: Math.ceil(promptChars(body) / 4), completion: tokens.length };
  if (body.stream !== true) {
    record.firstByte = performance.now();
    return json(res, 200, api === 'chat' ? chatBody(body, text, usage) : responseBody(body, text, usage));
  }
  const id = `bench-${Math.random().toString(36).slice(2, 10)}`;
  let sequence = 0;
  const data = (payload) => res.write(`data: ${JSON.stringify(payload)}\n\n`);
  const head = { id, object: 'chat.completion.chunk', created: now(), model: body.model };
  const chunk = (delta, finish) => data({ ...head, choices: [{ index: 0, delta, finish_reason: finish }] });
  const event = (type, payload) => {
    res.write(`event: ${type}\n`);
    data({ type, sequence_number: sequence++, ...payload });
  };
  const part = { item_id: 'msg_1', output_index: 0, content_index: 0 };
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
  record.firstByte = performance.now();
  if (api === 'chat') chunk({ role: 'assistant', content: '' }, null);
  else
    event('response.created', { response: { ...responseBody(body, '', null), id, status: 'in_progress' } });
  await pace(tokens, tokensPerSecond, (delta) =>
    api === 'chat'
      ? chunk({ content: delta }, null)
      : event('response.output_text.delta', { ...part, delta }),
  );
  if (api === 'chat') {
    chunk({}, 'stop');
    if (body.stream_options?.include_usage) data({ ...head, choices: [], usage: chatUsage(usage) });
    res.write('data: [DONE]\n\n');
  } else {
    event('response.output_text.done', { ...part, text });
    event('response.completed', { response: { ...responseBody(body, text, usage), id } });
  }
  res.end();
}

/** Tokens on a real-time schedule, batching those that fall due together (as fast servers do). */
async function pace(tokens, tokensPerSecond, send) {
  const start = performance.now();
  let sent = 0;
  while (sent < tokens.length) {
    const due = Math.min(
      tokens.length,
      Math.floor(((performance.now() - start) / 1000) * tokensPerSecond) + 1,
    );
    if (due > sent) {
      send(tokens.slice(sent, due).join(''));
      sent = due;
    }
    if (sent < tokens.length) await sleep(Math.max(4, 1000 / tokensPerSecond));
  }
}

function promptChars(body) {
  let chars = 0;
  const add = (content) => {
    if (typeof content === 'string') chars += content.length;
    else if (Array.isArray(content)) for (const part of content) add(part?.text);
  };
  for (const message of body.messages ?? []) add(message?.content);
  add(body.instructions);
  if (typeof body.input === 'string') add(body.input);
  else for (const item of body.input ?? []) add(item?.content);
  return chars;
}

const chatUsage = (u) => ({
  prompt_tokens: u.prompt,
  completion_tokens: u.completion,
  total_tokens: u.prompt + u.completion,
});

function chatBody(body, text, usage) {
  return {
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: now(),
    model: body.model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: chatUsage(usage),
  };
}

function responseBody(body, text, usage) {
  return {
    id: 'resp_bench',
    object: 'response',
    created_at: now(),
    status: 'completed',
    model: body.model,
    output: text
      ? [
          {
            type: 'message',
            id: 'msg_1',
            status: 'completed',
            role: 'assistant',
            content: [{ type: 'output_text', text, annotations: [] }],
          },
        ]
      : [],
    usage: usage && {
      input_tokens: usage.prompt,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: usage.completion,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: usage.prompt + usage.completion,
    },
  };
}

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function error(res, status, message) {
  const type = status >= 500 ? 'server_error' : 'invalid_request_error';
  json(res, status, { error: { message, type, param: null, code: null } });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, ...rest] = process.argv.slice(2);
  if (!file) {
    process.stderr.write(
      'usage: node bench/llm-server.js <answers.json> [--tokens-per-second=N] [--port=N]\n',
    );
    process.exit(2);
  }
  const flag = (name, fallback) =>
    Number(rest.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
  const answers = JSON.parse(readFileSync(file, 'utf8'));
  const server = await startLlmServer({
    tokensPerSecond: flag('tokens-per-second', 1000),
    port: flag('port', 0),
    answer: (prompt) => answerFromPrompt(prompt, answers),
  });
  process.stdout.write(`${server.url}\n`);
}
