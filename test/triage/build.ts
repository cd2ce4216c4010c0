import type { StoredAttempt } from '../../src/history/types.ts';
import type { AttemptStatus } from '../../src/junit/types.ts';

export interface RunSpec {
  runId: string;
  commit: string;
  attempt?: number;
  job?: string;
  branch?: string;
  startedAt?: string;
  environment?: Record<string, string>;
}

/** Run i (0-based) of a simple history: run r{i+1}, commit c{i+1}, started i minutes after midnight. */
export function run(i: number, overrides: Partial<RunSpec> = {}): RunSpec {
  return {
    runId: `r${i + 1}`,
    commit: `c${i + 1}`,
    startedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
    ...overrides,
  };
}

export function attempt(
  testId: string,
  spec: RunSpec,
  status: AttemptStatus,
  extra: Partial<StoredAttempt> = {},
): StoredAttempt {
  const [file = '', ...rest] = testId.split(' › ');
  const name = rest.pop() ?? testId;
  return {
    testId,
    file,
    suite: rest,
    name,
    status,
    durationMs: 100,
    retry: 0,
    runId: spec.runId,
    commit: spec.commit,
    attempt: spec.attempt ?? 1,
    ...(spec.job === undefined ? {} : { job: spec.job }),
    ...(spec.branch === undefined ? {} : { branch: spec.branch }),
    ...(spec.startedAt === undefined ? {} : { startedAt: spec.startedAt }),
    ...(spec.environment === undefined ? {} : { environment: spec.environment }),
    ...extra,
  };
}

/**
 * One test over runs written as letters: P passed, F failed, R failed then passed on retry, X failed twice
 * (retry failed too), S skipped. Run i is `runs[i]` or run(i).
 */
export function pattern(
  testId: string,
  letters: string,
  options: { runs?: RunSpec[]; message?: string; failMs?: number } = {},
): StoredAttempt[] {
  const out: StoredAttempt[] = [];
  [...letters].forEach((letter, i) => {
    const spec = options.runs?.[i] ?? run(i);
    const fail = (retry: number) =>
      attempt(testId, spec, 'failed', {
        retry,
        message: options.message ?? 'AssertionError: expected 1 to be 2',
        ...(options.failMs === undefined ? {} : { durationMs: options.failMs }),
      });
    if (letter === 'P') out.push(attempt(testId, spec, 'passed'));
    else if (letter === 'S') out.push(attempt(testId, spec, 'skipped'));
    else if (letter === 'F') out.push(fail(0));
    else if (letter === 'R') out.push(fail(0), attempt(testId, spec, 'passed', { retry: 1 }));
    else if (letter === 'X') out.push(fail(0), fail(1));
    else throw new Error(`unknown letter ${letter}`);
  });
  return out;
}
