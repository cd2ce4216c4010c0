/**
 * The part every local REST server of the tests shares: JSON bodies, a record of every request, and
 * scripted replies (any status, headers, a delay) for the next requests to a route. What a request means
 * (auth, routes, state) is the caller's `handle`.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** The path as sent (still percent-encoded), without the query. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  // biome-ignore lint/suspicious/noExplicitAny: request bodies are asserted field by field in tests
  body: any;
  /** performance.now() when the request arrived. */
  at: number;
}

export interface ScriptedReply {
  status: number;
  /** Answer only after this long (a slow or hung server). */
  delayMs?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface RestServer {
  /** http://127.0.0.1:<port> */
  url: string;
  requests: RecordedRequest[];
  /** Requests that change state (anything but GET). */
  writes(): RecordedRequest[];
  /** The next requests matching `method` and `path` (exact, or a RegExp on the encoded path) get these replies. */
  script(method: string, path: string | RegExp, ...replies: ScriptedReply[]): void;
  close(): Promise<void>;
}

export async function startRestServer(
  handle: (request: RecordedRequest) => ScriptedReply,
): Promise<RestServer> {
  const requests: RecordedRequest[] = [];
  const scripts: { method: string; path: string | RegExp; reply: ScriptedReply }[] = [];
  let url = '';

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const at = performance.now();
      const parsed = new URL(request.url ?? '/', url);
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = text;
      }
      const method = request.method ?? 'GET';
      const recorded: RecordedRequest = {
        method,
        path: parsed.pathname,
        query: Object.fromEntries(parsed.searchParams),
        headers: request.headers,
        body,
        at,
      };
      requests.push(recorded);
      const send = (reply: ScriptedReply) => {
        if (response.destroyed) return;
        response.writeHead(reply.status, {
          'content-type': 'application/json; charset=utf-8',
          ...reply.headers,
        });
        response.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
      };
      const index = scripts.findIndex(
        (s) =>
          s.method === method &&
          (typeof s.path === 'string' ? s.path === parsed.pathname : s.path.test(parsed.pathname)),
      );
      const reply = index >= 0 ? scripts.splice(index, 1)[0]!.reply : handle(recorded);
      if (reply.delayMs) return void setTimeout(() => send(reply), reply.delayMs);
      send(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    writes: () => requests.filter((r) => r.method !== 'GET'),
    script(method, path, ...replies) {
      for (const reply of replies) scripts.push({ method, path, reply });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
