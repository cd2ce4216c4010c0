import { isFailure, type RunRef, type TriageAttempt } from './model.ts';

export interface RawTest {
  testId: string;
  file: string;
  suite: string[];
  name: string;
  /** Attempts by run key. */
  byRun: Map<string, TriageAttempt[]>;
}

export interface Grouped {
  /** Every run, in time order. */
  runs: RunRef[];
  tests: Map<string, RawTest>;
  attempts: number;
}

export function runKeyOf(a: { runId: string; attempt: number; job?: string | undefined }): string {
  return `${a.runId}#${a.attempt}#${a.job ?? ''}`;
}

/**
 * Groups attempts by test and run. Skipped attempts say nothing about flakiness and are dropped; a passing
 * attempt keeps no message, stack or output (they are never evidence), so memory follows the failures.
 */
export function groupAttempts(attempts: Iterable<TriageAttempt>): Grouped {
  const runs = new Map<string, Omit<RunRef, 'order'>>();
  const tests = new Map<string, RawTest>();
  let count = 0;
  for (const attempt of attempts) {
    count++;
    const key = runKeyOf(attempt);
    const known = runs.get(key);
    if (!known) {
      runs.set(key, {
        key,
        runId: attempt.runId,
        attempt: attempt.attempt,
        job: attempt.job ?? '',
        commit: attempt.commit,
        ...(attempt.branch === undefined ? {} : { branch: attempt.branch }),
        ...(attempt.startedAt === undefined ? {} : { startedAt: attempt.startedAt }),
      });
    } else if (known.startedAt === undefined && attempt.startedAt !== undefined) {
      known.startedAt = attempt.startedAt;
    }
    if (attempt.status === 'skipped') continue;
    let test = tests.get(attempt.testId);
    if (!test) {
      test = {
        testId: attempt.testId,
        file: attempt.file,
        suite: attempt.suite,
        name: attempt.name,
        byRun: new Map(),
      };
      tests.set(attempt.testId, test);
    }
    if (test.file === '' && attempt.file !== '') test.file = attempt.file;
    const slim = isFailure(attempt.status) ? attempt : stripText(attempt);
    const list = test.byRun.get(key);
    if (list) list.push(slim);
    else test.byRun.set(key, [slim]);
  }
  const ordered = [...runs.values()].sort(compareRuns).map((run, order) => ({ ...run, order }));
  return { runs: ordered, tests, attempts: count };
}

function stripText(attempt: TriageAttempt): TriageAttempt {
  if (attempt.message === undefined && attempt.stack === undefined && attempt.output === undefined)
    return attempt;
  const { message: _m, stack: _s, output: _o, ...rest } = attempt;
  return rest;
}

/** Time order of runs: startedAt, then runId, attempt and job. */
export function compareRuns(a: Omit<RunRef, 'order'>, b: Omit<RunRef, 'order'>): number {
  const at = a.startedAt ?? '';
  const bt = b.startedAt ?? '';
  if (at !== bt) return at < bt ? -1 : 1;
  return compareText(a.runId, b.runId) || a.attempt - b.attempt || compareText(a.job, b.job);
}

/** Numeric run ids (GitHub, GitLab, Buildkite numbers) compare as numbers, others as text. */
function compareText(a: string, b: string): number {
  if (a === b) return 0;
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return a.length - b.length || (a < b ? -1 : 1);
  return a < b ? -1 : 1;
}
