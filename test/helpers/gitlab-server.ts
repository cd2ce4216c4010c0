/**
 * A local GitLab REST v4 server for merge-request notes: list (with real `per_page`/`page` pagination, Link
 * and x-next-page headers, GitLab's system notes), create and update. It checks the PRIVATE-TOKEN header,
 * records every request, and can be scripted to answer the next requests to a route with any status.
 */
import { type RecordedRequest, type ScriptedReply, startRestServer } from './rest-server.ts';

export interface Note {
  id: number;
  body: string;
  system: boolean;
  author: { username: string };
  created_at: string;
  updated_at: string;
}

export interface GitLabServer {
  /** The API root, as CI_API_V4_URL gives it. */
  apiUrl: string;
  projectId: string;
  token: string;
  requests: RecordedRequest[];
  writes(): RecordedRequest[];
  script(method: string, path: string | RegExp, ...replies: ScriptedReply[]): void;
  /** Notes by merge request iid. */
  notes: Map<number, Note[]>;
  addNote(iid: number, body: string, options?: { system?: boolean; username?: string }): Note;
  close(): Promise<void>;
}

export async function startGitLabServer(
  options: { projectId?: string; token?: string } = {},
): Promise<GitLabServer> {
  const projectId = options.projectId ?? '4711';
  const token = options.token ?? 'glpat-test-token-1234567890';
  const notes = new Map<number, Note[]>();
  let nextId = 5000;
  let clock = Date.parse('2024-05-01T10:00:00Z');
  let root = '';

  const stamp = () => {
    clock += 60_000;
    return new Date(clock).toISOString();
  };
  const addNote = (iid: number, body: string, { system = false, username = 'project_4711_bot' } = {}) => {
    const at = stamp();
    const note: Note = { id: nextId++, body, system, author: { username }, created_at: at, updated_at: at };
    notes.set(iid, [...(notes.get(iid) ?? []), note]);
    return note;
  };

  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies from the client under test
  function route(method: string, path: string, query: Record<string, string>, body: any): ScriptedReply {
    const match = /^\/api\/v4\/projects\/([^/]+)\/merge_requests\/(\d+)\/notes(?:\/(\d+))?$/.exec(path);
    if (!match || decodeURIComponent(match[1]!) !== projectId)
      return { status: 404, body: { message: '404 Project Not Found' } };
    const iid = Number(match[2]);
    const list = notes.get(iid) ?? [];
    if (match[3] === undefined && method === 'GET') return page(list, path, query);
    if (match[3] === undefined && method === 'POST') {
      if (typeof body?.body !== 'string' || body.body === '')
        return { status: 400, body: { error: 'body is missing' } };
      return { status: 201, body: addNote(iid, body.body) };
    }
    if (match[3] !== undefined && method === 'PUT') {
      const note = list.find((n) => n.id === Number(match[3]));
      if (!note) return { status: 404, body: { message: '404 Not found' } };
      if (note.system) return { status: 403, body: { message: '403 Forbidden' } };
      note.body = body.body;
      note.updated_at = stamp();
      return { status: 200, body: note };
    }
    return { status: 405, body: { message: '405 Method Not Allowed' } };
  }

  function page(items: Note[], path: string, query: Record<string, string>): ScriptedReply {
    const perPage = Math.min(100, Number(query.per_page ?? 20) || 20);
    const number = Math.max(1, Number(query.page ?? 1) || 1);
    const sorted = query.sort === 'desc' ? [...items].reverse() : items;
    const last = Math.max(1, Math.ceil(sorted.length / perPage));
    const link = (n: number, rel: string) =>
      `<${root}${path}?${new URLSearchParams({ ...query, per_page: String(perPage), page: String(n) })}>; rel="${rel}"`;
    const links = [link(1, 'first'), link(last, 'last')];
    if (number < last) links.unshift(link(number + 1, 'next'));
    return {
      status: 200,
      headers: {
        link: links.join(', '),
        'x-next-page': number < last ? String(number + 1) : '',
        'x-page': String(number),
        'x-total': String(sorted.length),
      },
      body: sorted.slice((number - 1) * perPage, number * perPage),
    };
  }

  const server = await startRestServer((request) => {
    if (request.headers['private-token'] !== token)
      return { status: 401, body: { message: '401 Unauthorized' } };
    return route(request.method, request.path, request.query, request.body);
  });
  root = server.url;

  return {
    apiUrl: `${root}/api/v4`,
    projectId,
    token,
    requests: server.requests,
    writes: server.writes,
    script: server.script,
    notes,
    addNote,
    close: server.close,
  };
}
