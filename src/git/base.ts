import { TestloopError } from '../errors.ts';
import { firstLine, git, gitText, prefetchGit } from './git.ts';

export interface Revisions {
  root: string;
  /** The ref the user named or the one detected, for messages. */
  baseRef: string;
  /** Merge-base commit of base and HEAD: the diff starts here, as a pull request's does. */
  base: string;
  head: string;
}

const ROOT_ARGS = ['rev-parse', '--show-toplevel'];

export async function repositoryRoot(cwd: string): Promise<string> {
  const result = await git(cwd, ROOT_ARGS);
  if (result.code !== 0) {
    throw new TestloopError(
      'TESTLOOP_NOT_A_GIT_REPO',
      `${cwd} is not inside a git repository. Run testloop from a checkout, or pass --diff-file with a unified diff`,
    );
  }
  return result.stdout.toString('utf8').trim();
}

/**
 * The one git call that resolves a named base in the usual case (see resolveRevisions): the root, HEAD,
 * the base, and from `<base>...HEAD` their merge bases, each printed as `^<commit>`.
 */
function quickRevisionArgs(baseRef: string): string[] {
  return ['rev-parse', '--show-toplevel', 'HEAD^{commit}', `${baseRef}^{commit}`, `${baseRef}...HEAD`];
}

/** Starts finding the repository's root before repositoryRoot asks (see prefetchGit). */
export function prefetchRepositoryRoot(cwd: string): void {
  prefetchGit(cwd, ROOT_ARGS);
}

/** Starts resolving a named base before resolveRevisions asks (see prefetchGit). */
export function prefetchRevisions(cwd: string, baseRef: string): void {
  prefetchGit(cwd, quickRevisionArgs(baseRef));
}

/**
 * Resolves the base the way a pull request sees it: the merge base of the base ref and HEAD.
 * Without --base: the CI's pull-request base (GitHub, GitLab, Buildkite), else the remote's default branch.
 */
export async function resolveRevisions(
  cwd: string,
  baseRef: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<Revisions> {
  if (baseRef !== undefined && !baseRef.startsWith('-')) {
    // The usual case in one git call instead of four in a row; anything unusual (no merge base, several,
    // a ref git cannot read) takes the long way, for its exact error or git's own pick of a merge base.
    const quick = await git(cwd, quickRevisionArgs(baseRef));
    const [root, head, baseCommit, ...rest] = quick.stdout.toString('utf8').trim().split('\n');
    const mergeBases = rest.filter((line) => line.startsWith('^'));
    if (quick.code === 0 && root && head && baseCommit && mergeBases.length === 1) {
      return { root, baseRef, base: mergeBases[0]!.slice(1), head };
    }
  }
  const root = await repositoryRoot(cwd);
  const head = await verifyCommit(root, 'HEAD');
  if (!head) {
    throw new TestloopError(
      'TESTLOOP_UNKNOWN_REF',
      `HEAD has no commit in ${root}. Commit your work first, or pass --diff-file`,
    );
  }
  const ref = baseRef ?? (await detectBaseRef(root, env));
  const baseCommit = await verifyCommit(root, ref);
  if (!baseCommit) {
    const shallow = await isShallow(root);
    throw new TestloopError(
      shallow ? 'TESTLOOP_NO_MERGE_BASE' : 'TESTLOOP_UNKNOWN_REF',
      shallow
        ? `base ${ref} is not in this shallow clone. Fetch it (actions/checkout with fetch-depth: 0, or git fetch origin ${ref.replace(/^origin\//, '')})`
        : `unknown base ref ${ref}. Pass --base with a branch, tag or commit that exists here (git fetch it first)`,
    );
  }
  const mergeBase = await git(root, ['merge-base', baseCommit, head]);
  if (mergeBase.code !== 0) {
    const shallow = await isShallow(root);
    throw new TestloopError(
      'TESTLOOP_NO_MERGE_BASE',
      shallow
        ? `no merge base between ${ref} and HEAD: this is a shallow clone. Fetch full history (actions/checkout with fetch-depth: 0) or deepen it (git fetch --deepen=100)`
        : `no merge base between ${ref} and HEAD: they share no history${firstLine(mergeBase.stderr) ? ` (${firstLine(mergeBase.stderr)})` : ''}. Pass --base with a commit on this branch's history`,
    );
  }
  return { root, baseRef: ref, base: mergeBase.stdout.toString('utf8').trim(), head };
}

async function detectBaseRef(root: string, env: NodeJS.ProcessEnv): Promise<string> {
  const fromCi =
    env.GITHUB_BASE_REF ||
    env.CI_MERGE_REQUEST_TARGET_BRANCH_NAME ||
    env.BUILDKITE_PULL_REQUEST_BASE_BRANCH ||
    undefined;
  if (fromCi || env.CI_MERGE_REQUEST_DIFF_BASE_SHA) {
    // The CI named the base: use it or fail on it, never fall back to a guess that may diff nothing.
    const named = [env.CI_MERGE_REQUEST_DIFF_BASE_SHA, fromCi && `origin/${fromCi}`, fromCi].filter(
      (c): c is string => !!c,
    );
    for (const candidate of named) if (await verifyCommit(root, candidate)) return candidate;
    return named.find((c) => c.startsWith('origin/')) ?? named[0]!;
  }
  const candidates: string[] = [];
  const originHead = await git(root, ['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD']);
  if (originHead.code === 0) candidates.push(originHead.stdout.toString('utf8').trim());
  candidates.push('origin/main', 'origin/master', 'main', 'master');
  for (const candidate of candidates) {
    if (await verifyCommit(root, candidate)) return candidate;
  }
  throw new TestloopError(
    'TESTLOOP_NO_BASE',
    `cannot tell which branch this change is based on (no origin/HEAD, main or master). Pass --base <ref>, e.g. --base origin/main`,
  );
}

async function verifyCommit(root: string, ref: string): Promise<string | undefined> {
  if (ref.startsWith('-')) return undefined;
  const result = await git(root, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  return result.code === 0 ? result.stdout.toString('utf8').trim() : undefined;
}

async function isShallow(root: string): Promise<boolean> {
  return (await gitText(root, ['rev-parse', '--is-shallow-repository'])) === 'true';
}
