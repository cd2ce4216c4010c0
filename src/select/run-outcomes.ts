import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripAnsi } from '../junit/text.ts';
import type { AttemptStatus } from '../junit/types.ts';
import { type PackageTests, runPackages } from '../runners/package-runs.ts';
import { withoutTestloopSecrets } from '../sandbox/env.ts';
import type { Project } from './projects.ts';

/** One package's share of a run: some of its test files, or all of them. */
export interface RunGroup {
  project: Project;
  tests: string[] | 'all';
}

export interface TestOutcome {
  testId: string;
  file: string;
  status: AttemptStatus;
  durationMs: number;
  /** Failures only: the message and the stack frames outside node_modules, trimmed. */
  message?: string;
}

export interface PackageRun {
  project: string;
  runner: string;
  testFiles: number | 'all';
  exitCode: number;
  timedOut: boolean;
  durationMs: number;
  /** The end of the runner's output, when it failed and its report names no failing test (a crash, a syntax error). */
  output?: string;
  /** Not started: the time limit was spent by the packages before it. */
  skipped?: true;
}

export interface RunOutcomes {
  /** The worst exit status of the runners: a failing package is never hidden behind a passing one. */
  exitCode: number;
  timedOut: boolean;
  durationMs: number;
  runs: PackageRun[];
  tests: { passed: number; failed: number; skipped: number };
  failures: TestOutcome[];
  outcomes: TestOutcome[];
}

const MESSAGE_LINES = 12;
const MESSAGE_CHARS = 1_500;
const OUTPUT_CHARS = 3_000;

/**
 * Runs each group with its package's runner (never in watch mode: the adapters run once and exit) under
 * one time limit for all of them, and reads every test's outcome from the JUnit report each run leaves.
 */
export async function runWithOutcomes(
  groups: readonly RunGroup[],
  options: { timeoutMs: number; log(text: string): void },
): Promise<RunOutcomes> {
  const started = performance.now();
  const deadline = started + options.timeoutMs;
  const dir = await mkdtemp(join(tmpdir(), 'testloop-run-'));
  const outcome: RunOutcomes = {
    exitCode: 0,
    timedOut: false,
    durationMs: 0,
    runs: [],
    tests: { passed: 0, failed: 0, skipped: 0 },
    failures: [],
    outcomes: [],
  };
  const runs = runPackages(packagesOf(groups), {
    junitDir: dir,
    deadline,
    runOptions: () => ({
      output: 'capture',
      // The tests are the project's code, which an agent may just have written: testloop's own
      // credentials stay with testloop, as they do for `testloop ci`.
      baseEnv: withoutTestloopSecrets(process.env),
    }),
    starting: (index) => {
      const { project, testFiles } = packageRunOf(groups[index]!);
      options.log(
        `testloop mcp: running ${testFiles} test file(s) with ${groups[index]!.project.runner!.name} in ${project || '.'}\n`,
      );
    },
  });
  try {
    for await (const { index, result, attempts } of runs) {
      const run = packageRunOf(groups[index]!);
      outcome.runs.push(run);
      if (result === undefined) {
        run.skipped = true;
        outcome.timedOut = true;
        continue;
      }
      Object.assign(run, {
        exitCode: result.exitCode,
        timedOut: result.timedOut,
        durationMs: result.durationMs,
      });
      outcome.exitCode = Math.max(outcome.exitCode, result.exitCode);
      outcome.timedOut ||= result.timedOut;
      const failedBefore = outcome.failures.length;
      for await (const attempt of attempts()) record(outcome, attempt);
      if (result.exitCode !== 0 && outcome.failures.length === failedBefore)
        run.output = tail(stripAnsi(result.output ?? ''), OUTPUT_CHARS);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  outcome.durationMs = Math.round(performance.now() - started);
  return outcome;
}

/** The packages of `groups`, as the shared loop of package runs takes them. */
export function packagesOf(groups: readonly RunGroup[]): PackageTests[] {
  return groups.map(({ project, tests }) => ({ project: project.info, adapter: project.runner!, tests }));
}

/** A group's run before it starts. */
function packageRunOf({ project, tests }: RunGroup): PackageRun {
  return {
    project: project.dir,
    runner: project.runner!.name,
    testFiles: tests === 'all' ? 'all' : tests.length,
    exitCode: 0,
    timedOut: false,
    durationMs: 0,
  };
}

function record(
  outcome: RunOutcomes,
  attempt: {
    testId: string;
    file: string;
    status: AttemptStatus;
    durationMs: number;
    message?: string;
    stack?: string;
  },
): void {
  const test: TestOutcome = {
    testId: attempt.testId,
    file: attempt.file,
    status: attempt.status,
    durationMs: attempt.durationMs,
  };
  outcome.outcomes.push(test);
  if (attempt.status === 'passed') outcome.tests.passed++;
  else if (attempt.status === 'skipped') outcome.tests.skipped++;
  else {
    outcome.tests.failed++;
    outcome.failures.push({ ...test, message: trimFailure(attempt.message, attempt.stack) });
  }
}

/** What an agent needs of a failure: the message, then the frames of the project's own code. */
export function trimFailure(message: string | undefined, stack: string | undefined): string {
  const text = stripAnsi([message ?? '', stack ?? ''].filter(Boolean).join('\n'));
  const seen = new Set<string>();
  const lines = text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '' && !/node_modules[\\/]|node:internal/.test(line))
    .filter((line) => !seen.has(line) && seen.add(line));
  const kept = lines.slice(0, MESSAGE_LINES).join('\n');
  const more = lines.length > MESSAGE_LINES ? `\n… ${lines.length - MESSAGE_LINES} more line(s)` : '';
  return kept.length > MESSAGE_CHARS ? `${kept.slice(0, MESSAGE_CHARS)}…` : `${kept}${more}`;
}

function tail(text: string, chars: number): string {
  return text.length <= chars ? text : `…${text.slice(-chars)}`;
}
