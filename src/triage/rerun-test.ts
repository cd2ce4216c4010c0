// One run of one test through its package's own runner, with a machine-readable report read back for that
// test's outcome: what `triage --rerun` and `triage --fix` both do, many times over.

import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { type RunResult, type RunTestsOptions, runTests } from '../runners/run.ts';
import type { ProjectInfo, RunnerAdapter, TestName } from '../runners/types.ts';

/**
 * The shuffle seed of the n-th shuffled run: spread over the seed space (a multiplicative hash), since
 * jest's generator keeps a file's first test first for seeds in a row (1, 2, 3…); the same n gives the
 * same order, so a failing run can be replayed.
 */
export function shuffleSeed(n: number): number {
  return (Math.imul(n, 2_654_435_761) >>> 1) % 1_000_000_007;
}

/** The test as triage names it: the file it lives in, its suite path and its own name. */
export interface TestRef {
  testId: string;
  file?: string;
  suite?: string[];
  name?: string;
}

/**
 * - alone: a name filter on its file, the test by itself.
 * - shuffled: its whole file, the order shuffled with `seed` (node --test cannot shuffle: file order).
 * - with-files: its file and `others` of its package at once, with several workers.
 */
export type RerunMode =
  | { kind: 'alone' }
  | { kind: 'shuffled'; seed: number }
  | { kind: 'with-files'; others: readonly string[]; workers: number };

/** `absent`: the report does not list the test; `unreadable`: there is no report to read. */
export type Outcome = 'passed' | 'failed' | 'absent' | 'unreadable';

export interface RerunTestOptions extends Pick<RunTestsOptions, 'env' | 'baseEnv' | 'wrap'> {
  /** Where the run's report goes (a folder the runner may write). */
  report: string;
  timeoutMs: number;
}

export interface TestRunOutcome {
  outcome: Outcome;
  /** The runner's failure message and stack for the test, from its report. */
  failure?: string;
  run: RunResult;
}

/** Runs `test` (in `file`, repository-relative) once in `mode`, its runner's output captured. */
export async function rerunTest(
  project: ProjectInfo,
  adapter: RunnerAdapter,
  file: string,
  test: TestRef,
  mode: RerunMode,
  options: RerunTestOptions,
): Promise<TestRunOutcome> {
  // The adapter writes JUnit however its runner can: the test's outcome is read back from it.
  const report = `${options.report}.xml`;
  const files = mode.kind === 'with-files' ? [file, ...mode.others.filter((f) => f !== file)] : [file];
  const run = await runTests(project, adapter, files, {
    output: 'capture',
    timeoutMs: options.timeoutMs,
    junit: report,
    // Alone: the adapter's own name filter.
    ...(mode.kind === 'alone' ? { testName: testNameOf(test) } : {}),
    ...(mode.kind === 'shuffled' ? { shuffleSeed: mode.seed } : {}),
    ...(mode.kind === 'with-files' ? { workers: mode.workers } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.baseEnv ? { baseEnv: options.baseEnv } : {}),
    ...(options.wrap ? { wrap: options.wrap } : {}),
  });
  const read = await outcomeOf(report, test, project);
  // Alone, the file runs this one test: the exit status speaks for it when there is no report.
  if (read.outcome === 'unreadable' && mode.kind === 'alone' && run.argv.length > 0)
    return { outcome: run.exitCode === 0 ? 'passed' : 'failed', run };
  return { ...read, run };
}

/** The test's file as the repository lists it (reports may name it relative to its package). */
export function resolveFile(test: TestRef, files: readonly string[]): string | undefined {
  const named = test.file || test.testId.split(' › ')[0]!;
  const clean = named.replace(/\\/g, '/').replace(/^\.\//, '');
  if (files.includes(clean)) return clean;
  const matches = files.filter((f) => f.endsWith(`/${clean}`));
  return matches.length === 1 ? matches[0] : undefined;
}

/** The test for the runner's name filter; the report's suites are its describe blocks. */
function testNameOf(test: TestRef): TestName {
  return {
    ancestors: (test.suite ?? []).filter(Boolean).map((name) => ({ name, kind: 'suite' as const })),
    name: test.name ?? '',
  };
}

type ReadOutcome = Omit<TestRunOutcome, 'run'>;

/**
 * The test's outcome in the run's JUnit report, read with the same identity rules as `ingest`, so a test
 * triage names is found under the same file, suites and name. A failure anywhere among its attempts wins.
 */
async function outcomeOf(report: string, test: TestRef, project: ProjectInfo): Promise<ReadOutcome> {
  if (!existsSync(report)) return { outcome: 'unreadable' };
  try {
    const { readJUnit } = await import('../junit/junit-reader.ts');
    let read: ReadOutcome = { outcome: 'absent' };
    for await (const a of readJUnit(report)) {
      if (a.name !== test.name || !sameSuite(a.suite, test.suite ?? [])) continue;
      if (!sameFile(a.file, test.file, project)) continue;
      if (a.status === 'passed') read = read.outcome === 'failed' ? read : { outcome: 'passed' };
      else if (a.status === 'failed' || a.status === 'error')
        read = { outcome: 'failed', failure: [a.message, a.stack].filter(Boolean).join('\n') };
    }
    return read;
  } catch {
    return { outcome: 'unreadable' };
  }
}

function sameSuite(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Reports name files relative to the package or the repository, or not at all ('' then matches). */
function sameFile(reported: string, file: string | undefined, project: ProjectInfo): boolean {
  if (!reported || !file) return true;
  const inRepo = relative(project.root, resolve(project.dir, reported)).split(sep).join('/');
  return [reported, inRepo].some((path) => path.endsWith(file) || file.endsWith(path));
}

/** Files under `root` outside node_modules and dot folders, when git cannot list them. */
export function walk(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'))
    .filter((f) => !f.split('/').some((part) => part === 'node_modules' || part.startsWith('.')));
}
