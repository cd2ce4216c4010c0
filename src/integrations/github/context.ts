/** What a GitHub Actions job tells a step through its environment and the event payload file. */
import { readFileSync } from 'node:fs';
import { TestloopError } from '../../errors.ts';
import { DEFAULT_API_URL } from './rest.ts';

export interface PullRequestContext {
  number: number;
  /** The pull request's own head commit (GITHUB_SHA is the merge commit on pull_request events). */
  headSha: string;
  headRef: string;
  /** owner/name of the head repository; undefined when the fork was deleted. */
  headRepository?: string;
  baseRef: string;
  baseSha: string;
  /** The head lives in another repository than the one the workflow runs in: its token cannot push there. */
  headIsFork: boolean;
}

export interface GitHubContext {
  /** owner/name from GITHUB_REPOSITORY. */
  repository?: string;
  owner?: string;
  repo?: string;
  eventName?: string;
  serverUrl: string;
  apiUrl: string;
  sha?: string;
  workspace?: string;
  outputPath?: string;
  summaryPath?: string;
  /** The github-token input, else GITHUB_TOKEN. */
  token?: string;
  pullRequest?: PullRequestContext;
  /** Link to this workflow run, when the run id is known. */
  runUrl?: string;
}

const PULL_REQUEST_EVENTS = new Set([
  'pull_request',
  'pull_request_target',
  'pull_request_review',
  'pull_request_review_comment',
]);

export function readGitHubContext(env: NodeJS.ProcessEnv): GitHubContext {
  const repository = nonEmpty(env.GITHUB_REPOSITORY);
  const [owner, repo] = repository?.split('/') ?? [];
  const serverUrl = (nonEmpty(env.GITHUB_SERVER_URL) ?? 'https://github.com').replace(/\/+$/, '');
  const context: GitHubContext = {
    serverUrl,
    apiUrl: nonEmpty(env.GITHUB_API_URL) ?? DEFAULT_API_URL,
  };
  const set = <K extends keyof GitHubContext>(key: K, value: GitHubContext[K] | undefined) => {
    if (value !== undefined) context[key] = value;
  };
  set('repository', repository);
  set('owner', nonEmpty(owner));
  set('repo', nonEmpty(repo));
  set('eventName', nonEmpty(env.GITHUB_EVENT_NAME));
  set('sha', nonEmpty(env.GITHUB_SHA));
  set('workspace', nonEmpty(env.GITHUB_WORKSPACE));
  set('outputPath', nonEmpty(env.GITHUB_OUTPUT));
  set('summaryPath', nonEmpty(env.GITHUB_STEP_SUMMARY));
  set('token', nonEmpty(getInput(env, 'github-token')) ?? nonEmpty(env.GITHUB_TOKEN));
  if (repository && env.GITHUB_RUN_ID)
    set('runUrl', `${serverUrl}/${repository}/actions/runs/${env.GITHUB_RUN_ID}`);
  const eventPath = nonEmpty(env.GITHUB_EVENT_PATH);
  if (eventPath && context.eventName && PULL_REQUEST_EVENTS.has(context.eventName)) {
    set('pullRequest', pullRequestOf(readEvent(eventPath), repository));
  }
  return context;
}

/**
 * An Action input as the runner passes it: `INPUT_` + the name upper-cased with spaces as underscores
 * (hyphens stay: `fail-under` is INPUT_FAIL-UNDER), trimmed; '' when unset.
 */
export function getInput(env: NodeJS.ProcessEnv, name: string): string {
  return (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

/** YAML 1.2 core booleans, as @actions/core reads them; `fallback` when unset. */
export function getBooleanInput(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const value = getInput(env, name);
  if (value === '') return fallback;
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw new TestloopError('TESTLOOP_USAGE', `input ${name}: expected true or false, got "${value}"`);
}

function readEvent(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new TestloopError(
      'TESTLOOP_GITHUB_EVENT',
      `cannot read the event payload ${path} (GITHUB_EVENT_PATH): ${(error as Error).message}; run testloop as a step of a GitHub Actions job`,
      { cause: error },
    );
  }
}

interface RepoPayload {
  full_name?: string;
  fork?: boolean;
}
interface PullRequestPayload {
  number?: number;
  head?: { sha?: string; ref?: string; repo?: RepoPayload | null };
  base?: { sha?: string; ref?: string; repo?: RepoPayload | null };
}

function pullRequestOf(event: unknown, repository: string | undefined): PullRequestContext | undefined {
  const pr = (event as { pull_request?: PullRequestPayload } | null)?.pull_request;
  if (typeof pr?.number !== 'number' || !pr.head?.sha || !pr.head.ref) return undefined;
  const headRepository = pr.head.repo?.full_name;
  const baseRepository = pr.base?.repo?.full_name ?? repository;
  const context: PullRequestContext = {
    number: pr.number,
    headSha: pr.head.sha,
    headRef: pr.head.ref,
    baseRef: pr.base?.ref ?? '',
    baseSha: pr.base?.sha ?? '',
    // A deleted fork has no head repo; a same-repository branch has the base's full name.
    headIsFork:
      headRepository === undefined || headRepository.toLowerCase() !== baseRepository?.toLowerCase(),
  };
  if (headRepository !== undefined) context.headRepository = headRepository;
  return context;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
