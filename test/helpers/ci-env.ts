/** The variables CI services set for a pull or merge request build, pointed at the tests' local servers. */

export const HEAD_SHA = '0123456789abcdef0123456789abcdef01234567';

/** CircleCI building pull request 42 of octo-org/widgets on GitHub. */
export function circleciEnv(
  github: { url: string; token: string },
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    CI: 'true',
    CIRCLECI: 'true',
    CIRCLE_PULL_REQUEST: 'https://github.com/octo-org/widgets/pull/42',
    CIRCLE_SHA1: HEAD_SHA,
    CIRCLE_BUILD_URL: 'https://app.circleci.com/pipelines/github/octo-org/widgets/9/workflows/w/jobs/12',
    GITHUB_API_URL: github.url,
    TESTLOOP_GITHUB_TOKEN: github.token,
    ...overrides,
  };
}

/** A GitLab merge request pipeline for merge request !7 of group/widgets. */
export function gitlabMergeRequestEnv(
  gitlab: { apiUrl: string; projectId: string; token: string },
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    CI: 'true',
    GITLAB_CI: 'true',
    CI_MERGE_REQUEST_IID: '7',
    CI_PROJECT_ID: gitlab.projectId,
    CI_API_V4_URL: gitlab.apiUrl,
    CI_SERVER_URL: 'https://gitlab.example.com',
    CI_PROJECT_PATH: 'group/widgets',
    CI_PROJECT_URL: 'https://gitlab.example.com/group/widgets',
    CI_COMMIT_SHA: HEAD_SHA,
    CI_PIPELINE_URL: 'https://gitlab.example.com/group/widgets/-/pipelines/88',
    TESTLOOP_GITLAB_TOKEN: gitlab.token,
    ...overrides,
  };
}
