/** The Action's sticky comment: the shared sticky rule (../comment/sticky.ts) on GitHub's issue comments. */
import { githubComments } from '../comment/github.ts';
import { type StickyCommentResult, upsertSticky } from '../comment/sticky.ts';
import type { GitHubClient } from './rest.ts';

export type { StickyCommentResult } from '../comment/sticky.ts';

export interface StickyCommentOptions {
  owner: string;
  repo: string;
  /** The pull request's number (pull requests are issues for the comments API). */
  issueNumber: number;
  body: string;
  /** A hidden HTML comment the body starts with, e.g. `<!-- testloop:ci -->`. */
  marker: string;
}

export function upsertStickyComment(
  client: GitHubClient,
  { owner, repo, issueNumber, body, marker }: StickyCommentOptions,
): Promise<StickyCommentResult> {
  return upsertSticky(githubComments(client, { owner, repo, issueNumber }), body, marker);
}
