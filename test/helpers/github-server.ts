/**
 * A local GitHub REST server with the endpoints testloop uses and in-memory state: issue comments (with real
 * `per_page`/`page` pagination and Link headers), pull requests, branches with a protected flag, and the git
 * data API (blobs, trees, commits, refs). It checks the token, records every request, and can be scripted to
 * answer the next requests to a route with any status and headers (401, 404, 422, 5xx, rate limits).
 */
import { createHash } from 'node:crypto';
import { type RecordedRequest, type ScriptedReply, startRestServer } from './rest-server.ts';

export type { RecordedRequest, ScriptedReply } from './rest-server.ts';

export interface Comment {
  id: number;
  body: string;
  user: { login: string; type: string };
  created_at: string;
  updated_at: string;
  html_url: string;
}

export interface Pull {
  number: number;
  html_url: string;
  title: string;
  body: string;
  state: 'open' | 'closed';
  head: { ref: string; label: string };
  base: { ref: string };
}

export interface GitHubServer {
  url: string;
  owner: string;
  repo: string;
  token: string;
  requests: RecordedRequest[];
  /** Requests that change state (anything but GET). */
  writes(): RecordedRequest[];
  /** The next requests matching `method` and `path` (exact, or a RegExp on the encoded path) get these replies. */
  script(method: string, path: string | RegExp, ...replies: ScriptedReply[]): void;
  comments: Map<number, Comment[]>;
  pulls: Pull[];
  /** Branch names → head commit; `protect` marks one protected. */
  refs: Map<string, string>;
  protectedBranches: Set<string>;
  addComment(issue: number, body: string, login?: string): Comment;
  /** A commit whose tree holds exactly `files` (under `sha` when given, e.g. an event payload's); returns its sha. */
  addCommit(files: Record<string, string>, parents?: string[], sha?: string): string;
  /** Every file of a commit's tree, with its content. */
  filesAt(commit: string): Record<string, string>;
  close(): Promise<void>;
}

interface Commit {
  tree: string;
  parents: string[];
  message: string;
}

const sha = (kind: string, content: string | Buffer) =>
  createHash('sha1').update(`${kind} ${content.length}\0`).update(content).digest('hex');

export async function startGitHubServer(
  options: { owner?: string; repo?: string; token?: string } = {},
): Promise<GitHubServer> {
  const owner = options.owner ?? 'octo-org';
  const repo = options.repo ?? 'widgets';
  const token = options.token ?? 'ghs_test_token_1234567890';
  const comments = new Map<number, Comment[]>();
  const pulls: Pull[] = [];
  const refs = new Map<string, string>();
  const protectedBranches = new Set<string>();
  const blobs = new Map<string, Buffer>();
  const trees = new Map<string, Map<string, string>>();
  const commits = new Map<string, Commit>();
  let nextId = 1000;
  let clock = Date.parse('2024-05-01T10:00:00Z');
  let url = '';
  const web = `https://github.com/${owner}/${repo}`;

  const stamp = () => {
    clock += 60_000;
    return new Date(clock).toISOString().replace(/\.\d{3}Z$/, 'Z');
  };
  const putTree = (entries: Map<string, string>) => {
    const key = sha('tree', JSON.stringify([...entries].sort()));
    trees.set(key, entries);
    return key;
  };
  const putCommit = (commit: Commit, given?: string) => {
    const key = given ?? sha('commit', `${JSON.stringify(commit)}${clock++}`);
    commits.set(key, commit);
    return key;
  };

  const addComment = (issue: number, body: string, login = 'github-actions[bot]') => {
    const id = nextId++;
    const at = stamp();
    const comment: Comment = {
      id,
      body,
      user: { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' },
      created_at: at,
      updated_at: at,
      html_url: `${web}/pull/${issue}#issuecomment-${id}`,
    };
    comments.set(issue, [...(comments.get(issue) ?? []), comment]);
    return comment;
  };

  const addCommit = (files: Record<string, string>, parents: string[] = [], given?: string) => {
    const entries = new Map<string, string>();
    for (const [path, content] of Object.entries(files)) {
      const data = Buffer.from(content, 'utf8');
      const key = sha('blob', data);
      blobs.set(key, data);
      entries.set(path, key);
    }
    return putCommit({ tree: putTree(entries), parents, message: 'seed' }, given);
  };

  const filesAt = (commit: string) => {
    const tree = trees.get(commits.get(commit)?.tree ?? '');
    if (!tree) throw new Error(`no commit ${commit}`);
    return Object.fromEntries([...tree].map(([path, blob]) => [path, blobs.get(blob)!.toString('utf8')]));
  };

  const isAncestor = (ancestor: string, of: string): boolean => {
    if (ancestor === of) return true;
    return (commits.get(of)?.parents ?? []).some((parent) => isAncestor(ancestor, parent));
  };

  type Reply = ScriptedReply;
  const notFound: Reply = { status: 404, body: { message: 'Not Found' } };
  const invalid = (message: string, errors: unknown[] = []): Reply => ({
    status: 422,
    body: { message, errors },
  });

  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies from the client under test
  function route(method: string, segments: string[], query: Record<string, string>, body: any): Reply {
    const [root, o, r, area, ...rest] = segments;
    if (root !== 'repos' || o !== owner || r !== repo) return notFound;
    const tail = rest.join('/');

    if (area === 'issues' && rest.length === 2 && rest[1] === 'comments') {
      const issue = Number(rest[0]);
      if (method === 'GET') return page(comments.get(issue) ?? [], segments, query);
      if (method === 'POST') {
        if (typeof body?.body !== 'string')
          return invalid('Validation Failed', [
            { resource: 'IssueComment', field: 'body', code: 'missing_field' },
          ]);
        return { status: 201, body: addComment(issue, body.body) };
      }
    }
    if (area === 'issues' && rest[0] === 'comments' && rest.length === 2 && method === 'PATCH') {
      const id = Number(rest[1]);
      for (const list of comments.values()) {
        const comment = list.find((c) => c.id === id);
        if (comment) {
          comment.body = body.body;
          comment.updated_at = stamp();
          return { status: 200, body: comment };
        }
      }
      return notFound;
    }
    if (area === 'pulls' && rest.length === 0) {
      if (method === 'GET') {
        const list = pulls.filter(
          (p) =>
            (!query.state || query.state === 'all' || p.state === query.state) &&
            (!query.head || p.head.label === query.head) &&
            (!query.base || p.base.ref === query.base),
        );
        return page(list, segments, query);
      }
      if (method === 'POST') {
        if (!refs.has(body.head))
          return invalid('Validation Failed', [{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
        if (!refs.has(body.base))
          return invalid('Validation Failed', [{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
        if (pulls.some((p) => p.state === 'open' && p.head.ref === body.head && p.base.ref === body.base)) {
          return invalid('Validation Failed', [
            { message: `A pull request already exists for ${owner}:${body.head}.` },
          ]);
        }
        const number = pulls.length + 100;
        const pull: Pull = {
          number,
          html_url: `${web}/pull/${number}`,
          title: body.title,
          body: body.body ?? '',
          state: 'open',
          head: { ref: body.head, label: `${owner}:${body.head}` },
          base: { ref: body.base },
        };
        pulls.push(pull);
        return { status: 201, body: pull };
      }
    }
    if (area === 'pulls' && rest.length === 1 && method === 'GET') {
      return pulls.find((p) => p.number === Number(rest[0]))
        ? { status: 200, body: pulls.find((p) => p.number === Number(rest[0])) }
        : notFound;
    }
    if (area === 'branches' && method === 'GET') {
      const name = tail;
      const head = refs.get(name);
      if (!head) return { status: 404, body: { message: 'Branch not found' } };
      return { status: 200, body: { name, commit: { sha: head }, protected: protectedBranches.has(name) } };
    }
    if (area === 'git') {
      const [kind, ...more] = rest;
      const ref = more.join('/');
      if (kind === 'ref' && method === 'GET') {
        const branch = ref.replace(/^heads\//, '');
        const head = refs.get(branch);
        if (!ref.startsWith('heads/') || !head) return notFound;
        return { status: 200, body: { ref: `refs/${ref}`, object: { sha: head, type: 'commit' } } };
      }
      if (kind === 'refs' && more.length === 0 && method === 'POST') {
        const branch = String(body.ref).replace(/^refs\/heads\//, '');
        if (refs.has(branch)) return invalid('Reference already exists');
        if (!commits.has(body.sha)) return invalid('Object does not exist');
        refs.set(branch, body.sha);
        return { status: 201, body: { ref: body.ref, object: { sha: body.sha, type: 'commit' } } };
      }
      if (kind === 'refs' && method === 'PATCH') {
        const branch = ref.replace(/^heads\//, '');
        const current = refs.get(branch);
        if (!current) return invalid('Reference does not exist');
        if (!commits.has(body.sha)) return invalid('Object does not exist');
        if (!body.force && !isAncestor(current, body.sha)) return invalid('Update is not a fast forward');
        refs.set(branch, body.sha);
        return { status: 200, body: { ref: `refs/${ref}`, object: { sha: body.sha, type: 'commit' } } };
      }
      if (kind === 'blobs' && method === 'POST') {
        const data = Buffer.from(body.content, body.encoding === 'base64' ? 'base64' : 'utf8');
        const key = sha('blob', data);
        blobs.set(key, data);
        return { status: 201, body: { sha: key, url: `${url}/repos/${owner}/${repo}/git/blobs/${key}` } };
      }
      if (kind === 'trees' && method === 'POST') {
        const base = body.base_tree ? trees.get(body.base_tree) : new Map<string, string>();
        if (!base) return invalid('Invalid tree info');
        const entries = new Map(base);
        for (const entry of body.tree ?? []) {
          if (!blobs.has(entry.sha))
            return invalid('Invalid tree info', [`blob ${entry.sha} does not exist`]);
          entries.set(entry.path, entry.sha);
        }
        return { status: 201, body: { sha: putTree(entries) } };
      }
      if (kind === 'commits' && more.length === 0 && method === 'POST') {
        if (!trees.has(body.tree)) return invalid('Tree does not exist');
        if ((body.parents ?? []).some((p: string) => !commits.has(p)))
          return invalid('Parent does not exist');
        const key = putCommit({ tree: body.tree, parents: body.parents ?? [], message: body.message });
        return { status: 201, body: { sha: key, tree: { sha: body.tree }, message: body.message } };
      }
      if (kind === 'commits' && more.length === 1 && method === 'GET') {
        const commit = commits.get(more[0]!);
        if (!commit) return notFound;
        return {
          status: 200,
          body: {
            sha: more[0],
            tree: { sha: commit.tree },
            parents: commit.parents.map((p) => ({ sha: p })),
          },
        };
      }
    }
    return notFound;
  }

  function page(items: unknown[], segments: string[], query: Record<string, string>): Reply {
    const perPage = Math.min(100, Number(query.per_page ?? 30) || 30);
    const number = Math.max(1, Number(query.page ?? 1) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (n: number, rel: string) => {
      const params = new URLSearchParams({ ...query, per_page: String(perPage), page: String(n) });
      return `<${url}/${segments.map(encodeURIComponent).join('/')}?${params}>; rel="${rel}"`;
    };
    const links = [];
    if (number > 1) links.push(link(number - 1, 'prev'), link(1, 'first'));
    if (number < last) links.push(link(number + 1, 'next'), link(last, 'last'));
    return {
      status: 200,
      headers: links.length > 0 ? { link: links.join(', ') } : {},
      body: items.slice((number - 1) * perPage, number * perPage),
    };
  }

  const server = await startRestServer((request) => {
    const auth = request.headers.authorization;
    if (auth !== `Bearer ${token}` && auth !== `token ${token}`) {
      return { status: 401, body: { message: 'Bad credentials' } };
    }
    const segments = request.path.split('/').filter(Boolean).map(decodeURIComponent);
    return route(request.method, segments, request.query, request.body);
  });
  url = server.url;

  return {
    url,
    owner,
    repo,
    token,
    requests: server.requests,
    writes: server.writes,
    script: server.script,
    comments,
    pulls,
    refs,
    protectedBranches,
    addComment,
    addCommit,
    filesAt,
    close: server.close,
  };
}
