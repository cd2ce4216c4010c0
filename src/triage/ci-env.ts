import type { RunInfo } from '../junit/types.ts';

/**
 * GITHUB_JOB is the same for every leg of a matrix, and the store keys attempts by job: the OS and the
 * Node.js major keep the legs apart (`test (Linux, node 20)`). Other matrix axes need --job.
 */
function githubJob(job: string | undefined, os: string | undefined, node: string): string | undefined {
  if (job === undefined || os === undefined) return job;
  return `${job} (${os}, node ${node.split('.')[0]})`;
}

/**
 * The run a report belongs to, from the CI's own variables: GitHub Actions (GITHUB_*), GitLab CI (CI_*),
 * Buildkite (BUILDKITE_*). Explicit values win. GitLab has no retry counter: a retried GitLab job keeps
 * its pipeline id, so pass --attempt (e.g. from a CI variable of your own) to keep both.
 */
export function runInfoFromEnv(
  env: NodeJS.ProcessEnv,
  now: Date = new Date(),
  node: string = process.versions.node,
): Partial<RunInfo> {
  const pick = (...names: string[]) =>
    names.map((n) => env[n]?.trim()).find((v) => v !== undefined && v !== '');
  const number = (value: string | undefined, offset = 0) => {
    const n = Number(value);
    return value !== undefined && Number.isInteger(n) && n >= 0 ? n + offset : undefined;
  };
  const info: Partial<RunInfo> = { startedAt: now.toISOString() };
  const environment: Record<string, string> = {};
  if (env.GITHUB_ACTIONS === 'true' || env.GITHUB_RUN_ID) {
    Object.assign(info, {
      commit: pick('GITHUB_SHA'),
      branch: pick('GITHUB_HEAD_REF', 'GITHUB_REF_NAME'),
      runId: pick('GITHUB_RUN_ID'),
      attempt: number(pick('GITHUB_RUN_ATTEMPT')),
      job: githubJob(pick('GITHUB_JOB'), pick('RUNNER_OS'), node),
    });
    const os = pick('RUNNER_OS');
    if (os) environment.os = os;
    environment.node = node;
    const image = pick('ImageOS');
    if (image) environment.image = image;
  } else if (env.GITLAB_CI === 'true' || env.CI_PIPELINE_ID) {
    Object.assign(info, {
      commit: pick('CI_COMMIT_SHA'),
      branch: pick('CI_MERGE_REQUEST_SOURCE_BRANCH_NAME', 'CI_COMMIT_REF_NAME'),
      runId: pick('CI_PIPELINE_ID'),
      attempt: 1,
      job: pick('CI_JOB_NAME'),
      startedAt: pick('CI_JOB_STARTED_AT') ?? info.startedAt,
    });
    const image = pick('CI_JOB_IMAGE');
    if (image) environment.image = image;
  } else if (env.BUILDKITE === 'true' || env.BUILDKITE_BUILD_ID) {
    Object.assign(info, {
      commit: pick('BUILDKITE_COMMIT'),
      branch: pick('BUILDKITE_BRANCH'),
      runId: pick('BUILDKITE_BUILD_ID'),
      attempt: number(pick('BUILDKITE_RETRY_COUNT'), 1) ?? 1,
      job: pick('BUILDKITE_STEP_KEY', 'BUILDKITE_LABEL'),
    });
    const queue = pick('BUILDKITE_AGENT_META_DATA_QUEUE');
    if (queue) environment.queue = queue;
  }
  if (Object.keys(environment).length > 0) info.environment = environment;
  for (const key of Object.keys(info) as (keyof RunInfo)[]) if (info[key] === undefined) delete info[key];
  return info;
}
