import type { ProjectInfo, RunnerAdapter } from '../runners/types.ts';
import type { Sandbox } from '../sandbox/index.ts';
import { CandidateRun, reject } from './candidate-run.ts';
import { precheck } from './candidate-source.ts';
import { checkTestPath } from './sandbox.ts';
import type { CandidateValidator, TestContext, Validation } from './types.ts';
import { removeUnusedImports } from './unused-imports.ts';
import { openShared, type ValidatorShared } from './validator-shared.ts';

export interface ValidatorOptions {
  /** Repository root, absolute. */
  root: string;
  project: ProjectInfo;
  adapter: RunnerAdapter;
  /**
   * Passing runs required in total (default 3): each in a fresh process (a runner process of its own, or a
   * fresh worker of a pooled process, `RunnerAdapter.persistentRuns`; see ./rerun-batch.ts for 2…), or with
   * `rerunIn: 'worker'` every test executed that many times in the first run's worker process.
   */
  reruns?: number;
  /**
   * Where the reruns happen with pooled processes (default 'worker'): 'worker' repeats each test inside the
   * first run's fresh worker (its hooks each time, the file's module state shared), one process per
   * candidate; 'process' gives every rerun a fresh worker process. Runners without pooled processes (jest,
   * node:test) and runs without them always rerun in fresh processes.
   */
  rerunIn?: 'worker' | 'process';
  /** Per runner process or pooled run; the whole process group is killed after it (default 60 000). */
  timeoutMs?: number;
  /** The environment to scrub and run with (default process.env). */
  env?: Record<string, string | undefined>;
  /**
   * For runners with `persistentRuns` (vitest: src/runners/vitest/driver/): run through long-lived
   * validation processes (up to one per core) instead of one runner process per run (default true). Without
   * them, or when they cannot start (vitest older than 4, a config its Node API cannot load), every run is
   * its own process. `script`: another child program.
   */
  driver?: boolean | { script: string };
  /**
   * Where candidates run (src/sandbox/): an open sandbox shared by the validators of one run, false for none
   * (the checkout itself); default: a sandbox of this validator's own, closed with it.
   */
  sandbox?: Sandbox | false;
  /** Keep the host's network in the sandbox (default: a network namespace with only its own loopback). */
  allowNetwork?: boolean;
  /**
   * Type-check candidates with the project's TypeScript and tsconfig and lint them with its configured
   * linter after safe fixes (default true; each applies only where the project has it).
   */
  staticChecks?: boolean;
}

/**
 * Runs a candidate in the project's own runner and says how far down the funnel it got: it parses and its
 * relative imports exist (generated → compiled once the runner loads it), it passes, it passes every
 * rerun, and it runs target lines no test ran before. The first run also records coverage.
 */
export function createValidator(options: ValidatorOptions): CandidateValidator {
  const shared = openShared(options);
  return {
    validate: (context, code) => validateCandidate(shared, context, code),
    prepare(parallel) {
      shared.driver?.prepare(parallel);
    },
    async close() {
      await shared.driver?.close();
      shared.confined.close();
    },
  };
}

async function validateCandidate(
  shared: ValidatorShared,
  context: TestContext,
  code: string,
): Promise<Validation> {
  shared.startCheck.ensureNotFailed();
  const testFile = checkTestPath(shared.root, context.testFile);
  const early = precheck(shared.root, testFile, code, context.importPath);
  if (early !== undefined) return reject('generated', early, 0);
  // Safe fixes first (unused imports, the linter's own), then the project's type-check: what a
  // reviewer's CI would reject never reaches the runner.
  let fixed = removeUnusedImports(testFile, code);
  for (const linter of shared.linters) fixed = await linter.fix(testFile, fixed);
  const candidate = await CandidateRun.open(shared, context, testFile, fixed);
  let validation: Validation;
  let written: string | undefined;
  try {
    validation = await candidate.judge();
  } finally {
    written = candidate.close();
  }
  const breach = candidate.violation ?? written;
  if (breach === undefined) return { ...validation, code: fixed };
  return { ...reject('generated', breach, candidate.runnerMs), sandbox: breach, code: fixed };
}
