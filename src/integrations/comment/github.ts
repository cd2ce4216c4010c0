/** Pull-request comments on GitHub: the issue comments API (a pull request is an issue there). */
import { type GitHubClient, pathOf } from '../github/rest.ts';
import type { CommentProvider } from './sticky.ts';

export interface PullRequestRef {
  owner: string;
  repo: string;
  /** The pull request's number. */
  issueNumber: number;
}

interface IssueComment {
  id: number;
  body?: string;
  html_url: string;
  created_at?: string;
}

const PERMISSION = 'give the workflow `pull-requests: write` permission (or `issues: write`)';

export function githubComments(
  client: GitHubClient,
  { owner, repo, issueNumber }: PullRequestRef,
  permission = PERMISSION,
): CommentProvider {
  const posted = ({ data }: { data: IssueComment }) => ({ id: data.id, url: data.html_url });
  return {
    async list() {
      const comments = await client.paginate<IssueComment>(
        pathOf('repos', owner, repo, 'issues', issueNumber, 'comments'),
        { permission },
      );
      return comments.map((comment) => ({
        id: comment.id,
        body: comment.body ?? '',
        ...(comment.created_at ? { createdAt: comment.created_at } : {}),
      }));
    },
    create: async (body) =>
      posted(
        await client.request<IssueComment>(
          'POST',
          pathOf('repos', owner, repo, 'issues', issueNumber, 'comments'),
          {
            body: { body },
            permission,
          },
        ),
      ),
    update: async (id, body) =>
      posted(
        await client.request<IssueComment>('PATCH', pathOf('repos', owner, repo, 'issues', 'comments', id), {
          body: { body },
          permission,
        }),
      ),
  };
}
