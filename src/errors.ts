/**
 * Every failure a user can cause or fix carries a stable `code` (their CI scripts match on it) and a
 * one-line message that names the input and says what to do.
 */
export type ErrorCode =
  | 'TESTLOOP_USAGE'
  | 'TESTLOOP_CONFIG'
  | 'TESTLOOP_NOT_A_GIT_REPO'
  | 'TESTLOOP_UNKNOWN_REF'
  | 'TESTLOOP_NO_MERGE_BASE'
  | 'TESTLOOP_NO_BASE'
  | 'TESTLOOP_EMPTY_DIFF'
  | 'TESTLOOP_BAD_DIFF'
  | 'TESTLOOP_DIFF_TOO_LARGE'
  | 'TESTLOOP_GIT_FAILED'
  | 'TESTLOOP_NO_COVERAGE'
  | 'TESTLOOP_COVERAGE_EMPTY'
  | 'TESTLOOP_COVERAGE_FORMAT'
  | 'TESTLOOP_COVERAGE_PARSE'
  | 'TESTLOOP_INVALID_UTF8'
  | 'TESTLOOP_OUTPUT'
  | 'TESTLOOP_RUNNER_FAILED'
  /** generate: the package's test runner exits before running any test file (npx, its binary, its config). */
  | 'TESTLOOP_RUNNER_START'
  | 'TESTLOOP_LLM_UNREACHABLE'
  | 'TESTLOOP_LLM_AUTH'
  | 'TESTLOOP_LLM_RATE_LIMITED'
  | 'TESTLOOP_LLM_TIMEOUT'
  | 'TESTLOOP_LLM_BAD_OUTPUT'
  | 'TESTLOOP_LLM_BUDGET'
  | 'TESTLOOP_LLM_DEADLINE'
  | 'TESTLOOP_LLM_REJECTED'
  /** The history store cannot be opened, migrated or written (path, permissions, connection, input). */
  | 'TESTLOOP_STORE'
  /** A history file named explicitly (--history) does not exist; reading commands never create one. */
  | 'TESTLOOP_NO_HISTORY'
  /** The history database was migrated by a newer testloop than this one. */
  | 'TESTLOOP_STORE_SCHEMA'
  /** A test id (triage --fix) names no test file the repository has, or no test its runner reports. */
  | 'TESTLOOP_UNKNOWN_TEST'
  | 'TESTLOOP_JUNIT_PARSE'
  | 'TESTLOOP_JUNIT_FORMAT'
  /** GitHub rejected the token (401) or refused the request (403): the workflow lacks a permission. */
  | 'TESTLOOP_GITHUB_AUTH'
  | 'TESTLOOP_GITHUB_NOT_FOUND'
  /** GitHub refused the request's content (422 and other 4xx), with GitHub's own reasons. */
  | 'TESTLOOP_GITHUB_INVALID'
  /** The rate limit is spent and resets later than testloop is willing to wait. */
  | 'TESTLOOP_GITHUB_RATE_LIMITED'
  /** GitHub answered 5xx after retries, did not answer in time, or could not be reached. */
  | 'TESTLOOP_GITHUB_UNAVAILABLE'
  /** The GitHub Actions event payload ($GITHUB_EVENT_PATH) cannot be read. */
  | 'TESTLOOP_GITHUB_EVENT'
  /** GitLab rejected the token (401) or refused the request (403), as TESTLOOP_GITHUB_* for GitHub. */
  | 'TESTLOOP_GITLAB_AUTH'
  | 'TESTLOOP_GITLAB_NOT_FOUND'
  | 'TESTLOOP_GITLAB_INVALID'
  | 'TESTLOOP_GITLAB_RATE_LIMITED'
  | 'TESTLOOP_GITLAB_UNAVAILABLE';

export const EXIT = {
  ok: 0,
  findings: 1,
  usage: 2,
} as const;

export class TestloopError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TestloopError';
    this.code = code;
    this.exitCode = options?.exitCode ?? EXIT.usage;
  }
}

/** A report that cannot be read: names the file and, where known, the line. */
export class CoverageParseError extends TestloopError {
  constructor(file: string, line: number | undefined, detail: string) {
    const where = line === undefined ? file : `${file}:${line}`;
    super(
      'TESTLOOP_COVERAGE_PARSE',
      `${where}: ${detail}. Regenerate the coverage report, or leave this file out of --coverage`,
    );
  }
}

export function isTestloopError(error: unknown): error is TestloopError {
  return error instanceof TestloopError;
}
