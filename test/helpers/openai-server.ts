/**
 * A local server that speaks the OpenAI HTTP protocol (Chat Completions, Responses, Models) closely
 * enough for the official SDK, scripted per request so tests can play every failure a real endpoint
 * shows: pacing, HTTP errors with Retry-After, hung and reset streams, malformed SSE, and servers
 * that reject or ignore `response_format`.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  // biome-ignore lint/suspicious/noExplicitAny: request bodies are asserted field by field in tests
  body: any;
  /** performance.now() when the request arrived. */
  at: number;
}

export type Script =
  /** A reply; an object is sent as its JSON text. */
  | string
  | {
      reply: unknown;
      /** Pace the stream at this many ~4-char tokens per second (default: as fast as possible). */
      tokensPerSecond?: number;
      /** Wait this long before the first token (prompt processing). */
      firstTokenMs?: number;
      finishReason?: 'stop' | 'length';
      /** Leave usage out even when the client asks for it (servers without include_usage). */
      omitUsage?: boolean;
    }
  | {
      status: number;
      message?: string;
      type?: string;
      code?: string | null;
      /** Sent as the Retry-After header (seconds or an HTTP date). */
      retryAfter?: string;
      retryAfterMs?: number;
    }
  /** Sends the first `tokens` tokens of `reply`, then keeps the connection open and silent. */
  | { hang: true; reply?: string; tokens?: number }
  /** Sends the first `tokens` tokens of `reply`, then resets the TCP connection. */
  | { reset: true; reply?: string; tokens?: number }
  /** Sends an SSE event whose data is not JSON. */
  | { malformed: true }
  /** Asks the client to call these functions (tools), in one reply; not streamed. */
  | { toolCalls: { name: string; arguments: Record<string, unknown> }[] };

export interface OpenAiServerOptions {
  /** How the server treats a JSON schema request: honour it (default), ignore it, or answer 400. */
  structuredOutput?: 'supported' | 'ignored' | 'rejected';
  /** When set, any other bearer token gets a 401. */
  apiKey?: string;
  models?: string[];
}

export interface OpenAiServer {
  /** Base URL including /v1, for the SDK's baseURL. */
  url: string;
  requests: RecordedRequest[];
  /** Generation requests only (chat completions and responses). */
  completions(): RecordedRequest[];
  maxInFlight: number;
  /** Queues scripts, answered in order; when the queue is empty `handler` answers. */
  enqueue(...scripts: Script[]): void;
  handler: (request: RecordedRequest) => Script | Promise<Script>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Splits text into ~4-character tokens: the unit of pacing and of completion usage. */
/** The user's message of a recorded request (Chat Completions `messages`, or the Responses API's `input`). */
export function userTextOf(request: RecordedRequest): string {
  return String(
    request.body?.messages?.find((m: { role: string }) => m.role === 'user')?.content ??
      request.body?.input ??
      '',
  );
}

/** The function a generate prompt asks a test for (its first line names it). */
export function promptTarget(request: RecordedRequest): string {
  return /^Target: `([^`]+)`/.exec(userTextOf(request))?.[1] ?? '?';
}

/** A handler that answers each generate prompt with the reply scripted for its target; any other fails. */
export function repliesByTarget(
  replies: Readonly<Record<string, string>>,
): (request: RecordedRequest) => string {
  return (request) => {
    const reply = replies[promptTarget(request)];
    if (reply === undefined) throw new Error(`no reply for ${promptTarget(request)}`);
    return reply;
  };
}

export function tokenize(text: string): string[] {
  return text.match(/[\s\S]{1,4}/g) ?? [];
}

export async function startOpenAiServer(options: OpenAiServerOptions = {}): Promise<OpenAiServer> {
  const queue: Script[] = [];
  const sockets = new Set<Socket>();
  let inFlight = 0;
  const state: OpenAiServer = {
    url: '',
    requests: [],
    completions: () => state.requests.filter((r) => r.method === 'POST'),
    maxInFlight: 0,
    enqueue: (...scripts) => queue.push(...scripts),
    handler: () => 'ok',
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0]!,
      headers: req.headers,
      body: text ? safeJson(text) : undefined,
      at: performance.now(),
    };
    state.requests.push(record);
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    try {
      await route(record, res);
    } catch (error) {
      if (!res.headersSent) sendError(res, 500, String(error));
      else res.destroy();
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function route(request: RecordedRequest, res: ServerResponse): Promise<void> {
    if (request.method === 'GET' && request.path === '/v1/models') {
      const data = (options.models ?? ['test-model']).map((id) => ({
        id,
        object: 'model',
        created: 0,
        owned_by: 'testloop',
      }));
      return json(res, 200, { object: 'list', data });
    }
    const api =
      request.path === '/v1/chat/completions'
        ? 'chat'
        : request.path === '/v1/responses'
          ? 'responses'
          : null;
    if (request.method !== 'POST' || api === null) {
      return sendError(res, 404, `Unknown route ${request.method} ${request.path}`, 'not_found');
    }
    if (options.apiKey !== undefined && request.headers.authorization !== `Bearer ${options.apiKey}`) {
      const got = String(request.headers.authorization ?? '').replace(/^Bearer /, '');
      return sendError(
        res,
        401,
        `Incorrect API key provided: ${got}.`,
        'invalid_request_error',
        'invalid_api_key',
      );
    }
    if (typeof request.body !== 'object' || request.body === null || !request.body.model) {
      return sendError(res, 400, 'A model is required.', 'invalid_request_error');
    }
    if (options.structuredOutput === 'rejected' && wantsSchema(request.body)) {
      return sendError(
        res,
        400,
        'response_format not supported',
        'invalid_request_error',
        null,
        'response_format',
      );
    }
    const script = queue.length > 0 ? queue.shift()! : await state.handler(request);
    await play(api, request, script, res);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return state;
}

async function play(
  api: 'chat' | 'responses',
  request: RecordedRequest,
  script: Script,
  res: ServerResponse,
): Promise<void> {
  const s: Exclude<Script, string> = typeof script === 'string' ? { reply: script } : script;
  if ('status' in s) {
    const headers: Record<string, string> = {};
    if (s.retryAfter !== undefined) headers['retry-after'] = s.retryAfter;
    if (s.retryAfterMs !== undefined) headers['retry-after-ms'] = String(s.retryAfterMs);
    return sendError(
      res,
      s.status,
      s.message ?? `Scripted ${s.status}`,
      s.type,
      s.code ?? null,
      null,
      headers,
    );
  }
  const body = request.body;
  if ('toolCalls' in s) {
    if (body.stream === true) return sendError(res, 400, 'scripted tool calls are not streamed');
    return json(res, 200, toolCallBody(api, body, s.toolCalls));
  }
  const sse = body.stream === true ? new Sse(api, request, res) : null;
  if ('malformed' in s) {
    sse?.open();
    res.write('data: {"id": "x", "choices": [ this is not json\n\n');
    res.end();
    return;
  }
  if ('hang' in s || 'reset' in s) {
    const reset = () => res.socket?.resetAndDestroy();
    if (sse === null) {
      if ('reset' in s) reset();
      return; // hang: no headers, ever
    }
    sse.open();
    for (const token of tokenize(s.reply ?? 'partial output that never ends').slice(0, s.tokens ?? 3)) {
      sse.delta(token);
    }
    await sleep(20);
    if ('reset' in s) reset();
    return; // a hung stream stays open and silent; close() destroys its socket
  }
  const text = typeof s.reply === 'string' ? s.reply : JSON.stringify(s.reply);
  const tokens = tokenize(text);
  const finish = s.finishReason ?? 'stop';
  const usage = { prompt: promptTokens(api, body), completion: tokens.length };
  if (s.firstTokenMs) {
    if (sse) sse.open();
    await sleep(s.firstTokenMs);
  }
  if (sse === null) {
    const reply = api === 'chat' ? chatBody(body, text, finish, usage) : responseBody(body, text, usage);
    return json(res, 200, reply);
  }
  if (!s.firstTokenMs) sse.open();
  await pace(tokens, s.tokensPerSecond, (batch) => sse.delta(batch));
  sse.finish(text, finish, s.omitUsage ? null : usage);
}

/** Sends tokens on a real-time schedule, batching the ones that fall due together (fast servers do too). */
async function pace(tokens: string[], tokensPerSecond: number | undefined, send: (text: string) => void) {
  if (!tokensPerSecond) {
    for (const token of tokens) send(token);
    return;
  }
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

interface Usage {
  prompt: number;
  completion: number;
}

/** One SSE stream in either API's dialect. */
class Sse {
  private sequence = 0;
  private readonly id = `id-${Math.random().toString(36).slice(2, 10)}`;
  constructor(
    private readonly api: 'chat' | 'responses',
    private readonly request: RecordedRequest,
    private readonly res: ServerResponse,
  ) {}

  open(): void {
    this.res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    this.res.flushHeaders();
    if (this.api === 'chat') this.chunk({ role: 'assistant', content: '' }, null);
    else this.event('response.created', { response: this.response('in_progress', '', null) });
  }

  delta(text: string): void {
    if (this.api === 'chat') this.chunk({ content: text }, null);
    else
      this.event('response.output_text.delta', {
        item_id: 'msg_1',
        output_index: 0,
        content_index: 0,
        delta: text,
      });
  }

  finish(text: string, finish: 'stop' | 'length', usage: Usage | null): void {
    const body = this.request.body;
    if (this.api === 'chat') {
      this.chunk({}, finish);
      if (usage && body.stream_options?.include_usage) {
        this.data({ ...this.head(), choices: [], usage: chatUsage(usage) });
      }
      this.res.write('data: [DONE]\n\n');
    } else {
      this.event('response.output_text.done', { item_id: 'msg_1', output_index: 0, content_index: 0, text });
      const status = finish === 'length' ? 'incomplete' : 'completed';
      const type = finish === 'length' ? 'response.incomplete' : 'response.completed';
      this.event(type, { response: this.response(status, text, usage) });
    }
    this.res.end();
  }

  private head() {
    const model = this.request.body.model;
    return { id: this.id, object: 'chat.completion.chunk', created: now(), model };
  }

  private chunk(delta: object, finishReason: string | null): void {
    this.data({ ...this.head(), choices: [{ index: 0, delta, finish_reason: finishReason }] });
  }

  private response(status: string, text: string, usage: Usage | null) {
    return { ...responseBody(this.request.body, text, usage), id: this.id, status };
  }

  private event(type: string, payload: object): void {
    this.res.write(`event: ${type}\n`);
    this.data({ type, sequence_number: this.sequence++, ...payload });
  }

  private data(payload: object): void {
    this.res.write(`data: ${JSON.stringify(payload)}\n\n`);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: request bodies are untyped JSON
function promptTokens(api: 'chat' | 'responses', body: any): number {
  let chars = 0;
  const add = (content: unknown) => {
    if (typeof content === 'string') chars += content.length;
    else if (Array.isArray(content)) for (const part of content) add(part?.text);
  };
  if (api === 'chat') for (const message of body.messages ?? []) add(message?.content);
  else {
    add(body.instructions);
    if (typeof body.input === 'string') add(body.input);
    else for (const item of body.input ?? []) add(item?.content);
  }
  return Math.ceil(chars / 4);
}

// biome-ignore lint/suspicious/noExplicitAny: request bodies are untyped JSON
function wantsSchema(body: any): boolean {
  return body.response_format?.type === 'json_schema' || body.text?.format?.type === 'json_schema';
}

const chatUsage = (u: Usage) => ({
  prompt_tokens: u.prompt,
  completion_tokens: u.completion,
  total_tokens: u.prompt + u.completion,
});

// biome-ignore lint/suspicious/noExplicitAny: request bodies are untyped JSON
function chatBody(body: any, text: string, finish: string, usage: Usage) {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: now(),
    model: body.model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: finish }],
    usage: chatUsage(usage),
  };
}

/** Call ids stay unique across replies, as a real endpoint's do. */
let lastCallId = 0;

/** A reply that calls functions: `tool_calls` (Chat Completions) or `function_call` items (Responses). */
function toolCallBody(
  api: 'chat' | 'responses',
  // biome-ignore lint/suspicious/noExplicitAny: request bodies are untyped JSON
  body: any,
  calls: readonly { name: string; arguments: Record<string, unknown> }[],
) {
  const usage = { prompt: promptTokens(api, body), completion: 10 * calls.length };
  if (api === 'chat') {
    const toolCalls = calls.map((call) => ({
      id: `call_${++lastCallId}`,
      type: 'function',
      function: { name: call.name, arguments: JSON.stringify(call.arguments) },
    }));
    return {
      ...chatBody(body, '', 'tool_calls', usage),
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: null, tool_calls: toolCalls },
          finish_reason: 'tool_calls',
        },
      ],
    };
  }
  return {
    ...responseBody(body, '', usage),
    output: calls.map((call) => ({
      type: 'function_call',
      id: `fc_${++lastCallId}`,
      call_id: `call_${lastCallId}`,
      name: call.name,
      arguments: JSON.stringify(call.arguments),
      status: 'completed',
    })),
  };
}

// biome-ignore lint/suspicious/noExplicitAny: request bodies are untyped JSON
function responseBody(body: any, text: string, usage: Usage | null) {
  return {
    id: 'resp_1',
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

function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  type = status === 429 ? 'rate_limit_exceeded' : status >= 500 ? 'server_error' : 'invalid_request_error',
  code: string | null = null,
  param: string | null = null,
  headers: Record<string, string> = {},
): void {
  json(res, status, { error: { message, type, param, code } }, headers);
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const now = () => Math.floor(Date.now() / 1000);
