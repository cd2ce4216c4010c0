/** One comment per pull request that later runs edit in place, instead of a new comment on every push. */
import { type GitHubClient, pathOf } from './rest.ts';

export interface StickyCommentOptions {
  owner: string;
  repo: string;
  /** The pull request's number (pull requests are issues for the comments API). */
  issueNumber: number;
  body: string;
  /** A hidden HTML comment the body starts with, e.g. `<!-- testloop:ci -->`. */
  marker: string;
}

export interface StickyCommentResult {
  id: number;
  url: string;
  action: 'created' | 'updated';
}

interface IssueComment {
  id: number;
  body?: string;
  html_url: string;
  created_at?: string;
}

const PERMISSION = 'give the workflow `pull-requests: write` permission (or `issues: write`)';

/**
 * Updates the newest comment whose body starts with the marker, else creates one. Older comments carrying
 * the marker (from a race between two runs) are left alone: deleting what others may have replied to is
 * not this step's call. A comment that only quotes the marker does not start with it and is never edited.
 */
export async function upsertStickyComment(
  client: GitHubClient,
  { owner, repo, issueNumber, body, marker }: StickyCommentOptions,
): Promise<StickyCommentResult> {
  const comments = await client.paginate<IssueComment>(
    pathOf('repos', owner, repo, 'issues', issueNumber, 'comments'),
    {
      permission: PERMISSION,
    },
  );
  const ours = comments
    .filter((comment) => comment.body?.trimStart().startsWith(marker))
    .sort(newestFirst)[0];
  if (ours) {
    const { data } = await client.request<IssueComment>(
      'PATCH',
      pathOf('repos', owner, repo, 'issues', 'comments', ours.id),
      { body: { body }, permission: PERMISSION },
    );
    return { id: data.id, url: data.html_url, action: 'updated' };
  }
  const { data } = await client.request<IssueComment>(
    'POST',
    pathOf('repos', owner, repo, 'issues', issueNumber, 'comments'),
    { body: { body }, permission: PERMISSION },
  );
  return { id: data.id, url: data.html_url, action: 'created' };
}

function newestFirst(a: IssueComment, b: IssueComment): number {
  return (b.created_at ?? '').localeCompare(a.created_at ?? '') || b.id - a.id;
}
