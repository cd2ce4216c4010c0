/**
 * One comment per pull request (GitHub) or merge request (GitLab) that later runs edit in place, instead of
 * a new comment on every push. The providers only list, create and update; the rule of which comment is
 * ours lives here once.
 */

/** A comment as the provider lists it. */
export interface StoredComment {
  id: number;
  body: string;
  /** ISO time; ties and missing times fall back to the larger id. */
  createdAt?: string;
}

export interface PostedComment {
  id: number;
  url: string;
}

export interface StickyCommentResult extends PostedComment {
  action: 'created' | 'updated';
}

/** The comments of one pull or merge request on one forge. */
export interface CommentProvider {
  list(): Promise<StoredComment[]>;
  create(body: string): Promise<PostedComment>;
  update(id: number, body: string): Promise<PostedComment>;
}

/**
 * Updates the newest comment whose body starts with the marker, else creates one. Older comments carrying
 * the marker (from a race between two runs) are left alone: deleting what others may have replied to is
 * not this step's call. A comment that only quotes the marker does not start with it and is never edited.
 */
export async function upsertSticky(
  provider: CommentProvider,
  body: string,
  marker: string,
): Promise<StickyCommentResult> {
  const comments = await provider.list();
  const ours = comments.filter((comment) => comment.body.trimStart().startsWith(marker)).sort(newestFirst)[0];
  if (ours) return { ...(await provider.update(ours.id, body)), action: 'updated' };
  return { ...(await provider.create(body)), action: 'created' };
}

function newestFirst(a: StoredComment, b: StoredComment): number {
  return (b.createdAt ?? '').localeCompare(a.createdAt ?? '') || b.id - a.id;
}
