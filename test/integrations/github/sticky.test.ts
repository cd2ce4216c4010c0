import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHubClient } from '../../../src/integrations/github/rest.ts';
import { upsertStickyComment } from '../../../src/integrations/github/sticky.ts';
import { type GitHubServer, startGitHubServer } from '../../helpers/github-server.ts';

const MARKER = '<!-- testloop:ci -->';
let server: GitHubServer;
let client: GitHubClient;

beforeEach(async () => {
  server = await startGitHubServer();
  client = new GitHubClient({ token: server.token, baseUrl: server.url });
});
afterEach(async () => {
  await server.close();
});

const options = (body: string) => ({
  owner: 'octo-org',
  repo: 'widgets',
  issueNumber: 42,
  body,
  marker: MARKER,
});

describe('upsertStickyComment', () => {
  it('creates the comment, then updates it in place on the next run', async () => {
    const first = await upsertStickyComment(client, options(`${MARKER}\nfirst run`));
    expect(first.action).toBe('created');
    const second = await upsertStickyComment(client, options(`${MARKER}\nsecond run`));
    expect(second).toEqual({ id: first.id, url: first.url, action: 'updated' });
    expect(server.comments.get(42)!.map((c) => c.body)).toEqual([`${MARKER}\nsecond run`]);
    expect(server.writes().map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /repos/octo-org/widgets/issues/42/comments',
      `PATCH /repos/octo-org/widgets/issues/comments/${first.id}`,
    ]);
  });

  it('finds its comment on the last of three pages and edits only that one', async () => {
    for (let i = 0; i < 250; i++) server.addComment(42, `review comment ${i}`, 'alice');
    const ours = server.addComment(42, `${MARKER}\nold report`);
    const result = await upsertStickyComment(client, options(`${MARKER}\nnew report`));
    expect(result).toMatchObject({ id: ours.id, action: 'updated' });
    const listings = server.requests.filter((r) => r.method === 'GET');
    expect(listings.map((r) => r.query.page ?? '1')).toEqual(['1', '2', '3']);
    const comments = server.comments.get(42)!;
    expect(comments).toHaveLength(251);
    expect(comments.filter((c) => c.body.includes(MARKER)).map((c) => c.body)).toEqual([
      `${MARKER}\nnew report`,
    ]);
    expect(comments.filter((c) => c.body.startsWith('review comment'))).toHaveLength(250);
  });

  it('with several marked comments, updates the newest and leaves the others', async () => {
    const older = server.addComment(42, `${MARKER}\nolder`);
    const newer = server.addComment(42, `${MARKER}\nnewer`);
    const result = await upsertStickyComment(client, options(`${MARKER}\nlatest`));
    expect(result.id).toBe(newer.id);
    expect(server.comments.get(42)!.map((c) => [c.id, c.body])).toEqual([
      [older.id, `${MARKER}\nolder`],
      [newer.id, `${MARKER}\nlatest`],
    ]);
  });

  it('never edits a comment that only quotes the marker', async () => {
    server.addComment(42, `> ${MARKER}\n> the bot said this`, 'bob');
    const result = await upsertStickyComment(client, options(`${MARKER}\nreport`));
    expect(result.action).toBe('created');
    expect(server.comments.get(42)!.map((c) => c.body)).toEqual([
      `> ${MARKER}\n> the bot said this`,
      `${MARKER}\nreport`,
    ]);
  });
});
