/**
 * `testloop ci --comment`: the Action's sticky comment from any CI. Finds the pull or merge request in the
 * CI's variables, renders the same body (marker, size limit, escaping) and creates or updates the one
 * comment. It never throws for a comment that cannot be posted: the outcome says why, and the caller decides
 * whether that fails the build (only when asked to, with --strict).
 */
import type { CiResult } from '../../ci/types.ts';
import { isTestloopError } from '../../errors.ts';
import {
  CI_COMMENT_MARKER,
  type CommentContext,
  commentContextOf,
  renderCiComment,
} from '../github/comment.ts';
import { readGitHubContext } from '../github/context.ts';
import { GitHubClient, RestClient } from '../github/rest.ts';
import { githubComments } from './github.ts';
import { GITLAB_SERVICE, gitlabNotes } from './gitlab.ts';
import { noCommentReason } from './rules.ts';
import { type CommentProvider, upsertSticky } from './sticky.ts';
import { type CommentTarget, findCommentTarget } from './target.ts';

export interface PostCommentOptions {
  /** The repository's working directory: the patch of generated tests is read from here. */
  cwd: string;
  /** The CI job's environment: pull-request variables, tokens, API roots. */
  env: NodeJS.ProcessEnv;
  /** The patch of accepted tests, when not the result's own. */
  patchPath?: string;
  fetch?: typeof fetch;
  /** Per request (default 30 s); retries as the REST client does. */
  timeoutMs?: number;
}

export interface CommentOutcome {
  /** skipped: not posted on purpose (a shard, a fork's read-only run); failed: wanted but not posted. */
  status: 'created' | 'updated' | 'skipped' | 'failed';
  /** One line: where the comment is, or why there is none and how to fix it. */
  message: string;
  url?: string;
  forge?: CommentTarget['forge'];
}

export async function postCiComment(result: CiResult, options: PostCommentOptions): Promise<CommentOutcome> {
  const lookup = findCommentTarget(options.env);
  if ('missing' in lookup) return { status: 'failed', message: `no pull-request comment: ${lookup.missing}` };
  const { target } = lookup;
  const actions = target.ci === 'GitHub Actions' ? actionsPullRequest(options.env) : undefined;
  const skip = noCommentReason(result, actions);
  if (skip !== undefined) return { status: 'skipped', message: skip, forge: target.forge };
  const where = describeTarget(target);
  if (target.token === undefined) {
    const variable =
      target.forge === 'github' ? 'TESTLOOP_GITHUB_TOKEN (or GITHUB_TOKEN)' : 'TESTLOOP_GITLAB_TOKEN';
    return {
      status: 'failed',
      message: `no comment on ${where}: no token; set ${variable} to a token that can comment${forkNote(target)}`,
      forge: target.forge,
    };
  }
  try {
    const body = renderCiComment(result, contextOf(result, target, options));
    const posted = await upsertSticky(providerOf(target, target.token, options), body, CI_COMMENT_MARKER);
    return {
      status: posted.action,
      message: `${target.forge === 'github' ? 'pull-request' : 'merge-request'} comment ${posted.action}: ${posted.url}`,
      url: posted.url,
      forge: target.forge,
    };
  } catch (error) {
    const why = isTestloopError(error)
      ? `${error.code}: ${error.message}`
      : `internal error: ${(error as Error)?.message ?? String(error)}`;
    return {
      status: 'failed',
      message: `could not comment on ${where}: ${why}${forkNote(target)}`,
      forge: target.forge,
    };
  }
}

function providerOf(target: CommentTarget, token: string, options: PostCommentOptions): CommentProvider {
  const common = {
    token,
    baseUrl: target.apiUrl,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  };
  if (target.forge === 'github')
    return githubComments(
      new GitHubClient(common),
      { owner: target.owner, repo: target.repo, issueNumber: target.number },
      'use a token that can write pull-request comments (classic: repo scope; fine-grained: Pull requests read and write)',
    );
  return gitlabNotes(new RestClient({ ...common, service: GITLAB_SERVICE }), {
    projectId: target.projectId,
    iid: target.iid,
    ...(target.webUrl ? { webUrl: target.webUrl } : {}),
  });
}

/** Line links to the head commit on the right forge; on GitHub Actions the event payload knows better. */
function contextOf(result: CiResult, target: CommentTarget, options: PostCommentOptions): CommentContext {
  const extra: Partial<CommentContext> & { patchPath?: string } = {
    ...(options.patchPath ? { patchPath: options.patchPath } : {}),
  };
  if (target.ci !== 'GitHub Actions') {
    extra.forge = target.forge;
    extra.serverUrl = target.serverUrl;
    extra.repository = target.repository;
    extra.headSha = target.headSha ?? result.head ?? '';
    if (target.runUrl) {
      extra.runUrl = target.runUrl;
      extra.runLabel = target.forge === 'gitlab' ? 'Pipeline' : `${target.ci} build`;
    }
  }
  return commentContextOf(result, options.cwd, options.env, extra);
}

/** The Action's fork rule needs the event payload; an unreadable one only loses that rule. */
function actionsPullRequest(env: NodeJS.ProcessEnv) {
  try {
    const context = readGitHubContext(env);
    return { headIsFork: context.pullRequest?.headIsFork ?? false, eventName: context.eventName };
  } catch {
    return undefined;
  }
}

function describeTarget(target: CommentTarget): string {
  return target.forge === 'github'
    ? `pull request ${target.owner}/${target.repo}#${target.number}`
    : `merge request !${target.iid} of project ${target.projectId}`;
}

function forkNote(target: CommentTarget): string {
  return target.fork
    ? ` (the change comes from a fork: ${target.ci} gives fork builds no secrets or a read-only token unless the project allows it)`
    : '';
}
