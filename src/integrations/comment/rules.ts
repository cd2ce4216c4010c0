/** When the sticky comment is not posted on purpose: the same rules for the Action and `testloop ci --comment`. */
import type { CiResult } from '../../ci/types.ts';

/**
 * A notice saying why no comment is posted, or undefined when one should be. A shard of a matrix would
 * overwrite the others' comment with its own part; a fork's `pull_request` workflow on GitHub Actions has a
 * read-only token.
 */
export function noCommentReason(
  result: CiResult,
  pullRequest: { headIsFork?: boolean; eventName?: string | undefined } = {},
): string | undefined {
  const shard = result.selection?.shard;
  if (shard !== undefined && shard.total > 1)
    return `No pull-request comment from shard ${shard.index}/${shard.total}: each shard reports in its job summary; comment from a job after the matrix`;
  if (pullRequest.headIsFork && pullRequest.eventName === 'pull_request')
    return 'No pull-request comment: a fork’s pull_request workflow has a read-only token; see the job summary';
  return undefined;
}
