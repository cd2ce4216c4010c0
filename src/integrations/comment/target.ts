/**
 * Which pull or merge request a CI job builds, read from the CI's own variables: CircleCI, Buildkite and
 * GitHub Actions for GitHub pull requests, GitLab CI for merge requests. Where none is named, the answer
 * says which variables were looked at, so that the warning tells the user what to set.
 */
import { DEFAULT_API_URL } from '../github/rest.ts';

interface TargetBase {
  /** The CI the variables came from, for messages. */
  ci: 'CircleCI' | 'Buildkite' | 'GitHub Actions' | 'GitLab CI';
  apiUrl: string;
  token?: string;
  /** Where line links point: the web root and the repository path in it, the commit. */
  serverUrl: string;
  repository: string;
  headSha?: string;
  runUrl?: string;
  /** The change comes from a fork: its builds usually get no secrets, or a read-only token. */
  fork: boolean;
}

export interface GitHubTarget extends TargetBase {
  forge: 'github';
  owner: string;
  repo: string;
  number: number;
}

export interface GitLabTarget extends TargetBase {
  forge: 'gitlab';
  projectId: string;
  iid: number;
  webUrl?: string;
}

export type CommentTarget = GitHubTarget | GitLabTarget;

export type TargetLookup = { target: CommentTarget } | { missing: string };

export function findCommentTarget(env: NodeJS.ProcessEnv): TargetLookup {
  const v = (name: string) => env[name]?.trim() || undefined;
  if (v('CI_MERGE_REQUEST_IID') || v('GITLAB_CI')) return gitlabTarget(v);
  if (v('CIRCLE_PULL_REQUEST') || v('CIRCLECI')) return circleTarget(v);
  if (v('BUILDKITE_PULL_REQUEST') || v('BUILDKITE')) return buildkiteTarget(v);
  if (v('GITHUB_REF')?.startsWith('refs/pull/') || v('GITHUB_ACTIONS')) return actionsTarget(v);
  return {
    missing:
      'no pull or merge request in the CI variables: testloop reads CIRCLE_PULL_REQUEST (CircleCI), BUILDKITE_PULL_REQUEST and BUILDKITE_REPO (Buildkite), GITHUB_REF=refs/pull/<n>/merge and GITHUB_REPOSITORY (GitHub Actions), or CI_MERGE_REQUEST_IID and CI_PROJECT_ID (GitLab CI)',
  };
}

type Read = (name: string) => string | undefined;

function gitlabTarget(v: Read): TargetLookup {
  const iid = Number(v('CI_MERGE_REQUEST_IID'));
  const projectId = v('CI_MERGE_REQUEST_PROJECT_ID') ?? v('CI_PROJECT_ID');
  const serverUrl = (v('CI_SERVER_URL') ?? 'https://gitlab.com').replace(/\/+$/, '');
  if (!Number.isInteger(iid) || iid <= 0)
    return {
      missing:
        'this GitLab pipeline is not a merge request pipeline (CI_MERGE_REQUEST_IID is unset): run the job with `rules: - if: $CI_PIPELINE_SOURCE == "merge_request_event"`',
    };
  if (!projectId) return { missing: 'GitLab CI names no project (CI_PROJECT_ID is unset)' };
  const projectUrl = v('CI_MERGE_REQUEST_PROJECT_URL') ?? v('CI_PROJECT_URL');
  const sourcePath = v('CI_MERGE_REQUEST_SOURCE_PROJECT_PATH');
  const targetPath = v('CI_MERGE_REQUEST_PROJECT_PATH') ?? v('CI_PROJECT_PATH');
  return {
    target: {
      forge: 'gitlab',
      ci: 'GitLab CI',
      apiUrl: v('CI_API_V4_URL') ?? `${serverUrl}/api/v4`,
      ...optional('token', v('TESTLOOP_GITLAB_TOKEN')),
      serverUrl,
      // The head commit lives in the source project (a fork's, for a fork's merge request).
      repository: sourcePath ?? targetPath ?? '',
      ...optional('headSha', v('CI_MERGE_REQUEST_SOURCE_BRANCH_SHA') ?? v('CI_COMMIT_SHA')),
      ...optional('runUrl', v('CI_PIPELINE_URL') ?? v('CI_JOB_URL')),
      fork: sourcePath !== undefined && targetPath !== undefined && sourcePath !== targetPath,
      projectId,
      iid,
      ...optional('webUrl', projectUrl ? `${projectUrl}/-/merge_requests/${iid}` : undefined),
    },
  };
}

function circleTarget(v: Read): TargetLookup {
  const url = v('CIRCLE_PULL_REQUEST');
  if (!url)
    return {
      missing:
        'this CircleCI build has no pull request (CIRCLE_PULL_REQUEST is unset): open one for the branch, or turn on "Only build pull requests"',
    };
  const parsed = /^(https?:\/\/[^/]+)\/([^/]+)\/([^/]+)\/pull\/(\d+)\/?$/.exec(url);
  if (!parsed) return { missing: `CIRCLE_PULL_REQUEST is not a GitHub pull request URL: ${url}` };
  const [, serverUrl, owner, repo, number] = parsed as unknown as [string, string, string, string, string];
  return {
    target: github(v, 'CircleCI', serverUrl, owner, repo, Number(number), {
      headSha: v('CIRCLE_SHA1'),
      runUrl: v('CIRCLE_BUILD_URL'),
      fork: v('CIRCLE_PR_REPONAME') !== undefined,
    }),
  };
}

/** Hosts of other forges, whatever the pipeline says. */
const NOT_GITHUB_HOST = /(?:^|\.)(?:gitlab|bitbucket)\./i;

function buildkiteTarget(v: Read): TargetLookup {
  const number = Number(v('BUILDKITE_PULL_REQUEST'));
  if (!Number.isInteger(number) || number <= 0)
    return {
      missing:
        'this Buildkite build has no pull request (BUILDKITE_PULL_REQUEST is "false" or unset): build pull requests in the pipeline\'s GitHub settings',
    };
  const repoUrl = v('BUILDKITE_REPO') ?? '';
  const where = repositoryOf(repoUrl);
  if (!where) return { missing: `BUILDKITE_REPO does not name a GitHub repository: "${repoUrl}"` };
  // Buildkite also builds GitLab and Bitbucket repositories: a GitHub token never goes to their hosts.
  const provider = v('BUILDKITE_PIPELINE_PROVIDER');
  if ((provider !== undefined && !provider.startsWith('github')) || NOT_GITHUB_HOST.test(where.host))
    return {
      missing: `this Buildkite pipeline builds ${repoUrl}${provider ? ` (BUILDKITE_PIPELINE_PROVIDER=${provider})` : ''}, not a GitHub repository: testloop comments from Buildkite on GitHub pull requests only`,
    };
  const forkUrl = v('BUILDKITE_PULL_REQUEST_REPO');
  const fork = repositoryOf(forkUrl ?? '');
  return {
    target: github(v, 'Buildkite', `https://${where.host}`, where.owner, where.repo, number, {
      headSha: v('BUILDKITE_COMMIT'),
      runUrl: v('BUILDKITE_BUILD_URL'),
      fork:
        fork !== undefined &&
        `${fork.owner}/${fork.repo}`.toLowerCase() !== `${where.owner}/${where.repo}`.toLowerCase(),
    }),
  };
}

function actionsTarget(v: Read): TargetLookup {
  const number = Number(/^refs\/pull\/(\d+)\//.exec(v('GITHUB_REF') ?? '')?.[1]);
  const [owner, repo] = (v('GITHUB_REPOSITORY') ?? '').split('/');
  if (!number)
    return {
      missing: `this GitHub Actions run is not for a pull request (GITHUB_REF is ${v('GITHUB_REF') ?? 'unset'}): run it on pull_request events`,
    };
  if (!owner || !repo) return { missing: 'GitHub Actions names no repository (GITHUB_REPOSITORY is unset)' };
  const serverUrl = (v('GITHUB_SERVER_URL') ?? 'https://github.com').replace(/\/+$/, '');
  // Links, the head commit and the fork rule come from the event payload (see commentContextOf, postCiComment).
  return { target: github(v, 'GitHub Actions', serverUrl, owner, repo, number, { fork: false }) };
}

function github(
  v: Read,
  ci: GitHubTarget['ci'],
  serverUrl: string,
  owner: string,
  repo: string,
  number: number,
  extra: { headSha?: string | undefined; runUrl?: string | undefined; fork: boolean },
): GitHubTarget {
  const host = URL.canParse(serverUrl) ? new URL(serverUrl).host : '';
  return {
    forge: 'github',
    ci,
    // GitHub Enterprise Server serves its API under /api/v3 of its own host.
    apiUrl: v('GITHUB_API_URL') ?? (host === 'github.com' ? DEFAULT_API_URL : `${serverUrl}/api/v3`),
    ...optional('token', v('TESTLOOP_GITHUB_TOKEN') ?? v('GITHUB_TOKEN')),
    serverUrl,
    repository: `${owner}/${repo}`,
    ...optional('headSha', extra.headSha),
    ...optional('runUrl', extra.runUrl),
    fork: extra.fork,
    owner,
    repo,
    number,
  };
}

/** owner, repo and host of `git@github.com:o/r.git`, `https://github.com/o/r(.git)`, `ssh://git@host/o/r`. */
export function repositoryOf(url: string): { host: string; owner: string; repo: string } | undefined {
  const match = /^(?:[\w.+-]+:\/\/)?(?:[^@/]+@)?([^/:]+)(?::\d+)?[:/]([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(
    url.trim(),
  );
  if (!match) return undefined;
  const [, host, owner, repo] = match as unknown as [string, string, string, string];
  return { host, owner, repo };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
