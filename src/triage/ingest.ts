import { statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { TestloopError } from '../errors.ts';
import { gitText } from '../git/git.ts';
import { newHistoryFile, removeNewHistory } from '../history/new-file.ts';
import type { HistoryStore, IngestResult } from '../history/types.ts';
import type { RunInfo, TestAttempt } from '../junit/types.ts';
import { runInfoFromEnv } from './ci-env.ts';
import { hasIdleReader, readAttemptsInWorker } from './read-attempts.ts';

export interface IngestReportsOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Report files, or folders to search for *.xml, *.log and *.txt reports. */
  reports: readonly string[];
  /** The run's fields, as `testloop ingest` names them; unset ones come from the CI variables, then git HEAD and the clock. */
  commit?: string;
  branch?: string;
  runId?: string;
  attempt?: number;
  job?: string;
  /** ISO time the run started. */
  startedAt?: string;
  /** Environment facts `key=value` (os, node, image). */
  environment?: string[];
  /** The older spelling of the run's fields, environment as an object; its fields win. */
  run?: Partial<RunInfo>;
  /** The store to write (default: openHistoryStore({ cwd, env, path: history }), closed afterwards). */
  store?: HistoryStore;
  history?: string;
  now?: Date;
  /**
   * Parse the reports on a worker thread while this one writes. Default: when they total at least
   * WORKER_BYTES, or WARM_WORKER_BYTES once this process has a reader thread (a process ingesting run
   * after run); below that, starting a thread (~30 ms) costs about what it saves.
   */
  readInWorker?: boolean;
}

export const WORKER_BYTES = 16 * 1024 * 1024;
export const WARM_WORKER_BYTES = 1024 * 1024;

export interface IngestReportsResult {
  run: RunInfo;
  /** The report files read, relative to cwd. */
  reports: string[];
  attempts: number;
  inserted: number;
  duplicates: number;
  /** What the readers could not tell (missing retries, file names), one line each. */
  warnings: string[];
}

const REPORT_FILE = /\.(?:xml|log|txt)$/i;

/** `testloop ingest` as a library call: reads every report as a stream and stores it as one run. */
export async function ingestReports(options: IngestReportsOptions): Promise<IngestReportsResult> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const now = options.now ?? new Date();
  const files = await expandReports(cwd, options.reports);
  const run = await resolveRunInfo(cwd, env, now, { ...runFieldsOf(options), ...options.run });
  const useWorker =
    options.readInWorker ??
    totalBytes(files, WORKER_BYTES) >= (hasIdleReader() ? WARM_WORKER_BYTES : WORKER_BYTES);
  const source = (useWorker ? readAttemptsInWorker(files) : undefined) ?? (await readInline(files));
  const { openHistoryStore, sqliteHistoryPath } = await import('../history/open.ts');
  const where = { cwd, env, ...(options.history === undefined ? {} : { path: options.history }) };
  // A report that turns out unreadable must not leave an empty history behind.
  const created = options.store ? undefined : newHistoryFile(sqliteHistoryPath(where));
  const store = options.store ?? (await openHistoryStore(where));
  let stored: IngestResult | undefined;
  try {
    stored = await store.ingest(run, source);
  } finally {
    try {
      if (!options.store) await store.close();
    } finally {
      if (stored === undefined && created) removeNewHistory(created);
    }
  }
  return {
    run,
    reports: files.map((f) => relative(cwd, f) || f),
    attempts: source.attempts,
    inserted: stored.inserted,
    duplicates: stored.duplicates,
    warnings: source.warnings,
  };
}

/** The attempts of the reports, read on this thread. */
async function readInline(
  files: readonly string[],
): Promise<AsyncIterable<TestAttempt> & { readonly warnings: string[]; readonly attempts: number }> {
  const { readReport } = await import('../junit/registry.ts');
  const result = { warnings: [] as string[], attempts: 0 };
  async function* all(): AsyncGenerator<TestAttempt> {
    for (const file of files) {
      const stream = readReport(file);
      for await (const attempt of stream) {
        result.attempts++;
        yield attempt;
      }
      result.warnings.push(...stream.warnings);
    }
  }
  return {
    [Symbol.asyncIterator]: () => all(),
    get warnings() {
      return result.warnings;
    },
    get attempts() {
      return result.attempts;
    },
  };
}

/** The reports' size, counted up to `enough`. */
function totalBytes(files: readonly string[], enough: number): number {
  let total = 0;
  for (const file of files) {
    total += statSync(file).size;
    if (total >= enough) break;
  }
  return total;
}

async function expandReports(cwd: string, reports: readonly string[]): Promise<string[]> {
  if (reports.length === 0)
    throw new TestloopError('TESTLOOP_USAGE', 'no reports named. Run testloop ingest <junit.xml|folder…>');
  const files: string[] = [];
  for (const report of reports) {
    const path = resolve(cwd, report);
    const info = await stat(path).catch(() => undefined);
    if (!info)
      throw new TestloopError(
        'TESTLOOP_USAGE',
        `${report}: no such report. Check the path (the test step may have failed before writing it)`,
      );
    if (!info.isDirectory()) {
      files.push(path);
      continue;
    }
    const found = (await readdir(path, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile() && REPORT_FILE.test(e.name))
      .map((e) => join(e.parentPath, e.name))
      .filter((f) => !f.includes('/node_modules/'))
      .sort();
    if (found.length === 0)
      throw new TestloopError('TESTLOOP_USAGE', `${report}: no *.xml, *.log or *.txt reports in this folder`);
    files.push(...found);
  }
  return files;
}

/** The run attempts belong to: explicit values, then the CI's variables, then git's HEAD and a local id. */
export async function resolveRunInfo(
  cwd: string,
  env: NodeJS.ProcessEnv,
  now: Date,
  explicit: Partial<RunInfo>,
): Promise<RunInfo> {
  const merged: Partial<RunInfo> = { attempt: 1, ...runInfoFromEnv(env, now) };
  const fromEnv = merged.environment;
  for (const [key, value] of Object.entries(explicit)) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  if (fromEnv && explicit.environment) merged.environment = { ...fromEnv, ...explicit.environment };
  merged.commit ??= await gitText(cwd, ['rev-parse', 'HEAD']).catch(() => undefined);
  if (!merged.commit)
    throw new TestloopError(
      'TESTLOOP_USAGE',
      'no commit for this run: pass --commit, or run in CI (GITHUB_SHA, CI_COMMIT_SHA, BUILDKITE_COMMIT) or a git repository',
    );
  merged.runId ??= `local-${now.toISOString()}`;
  merged.startedAt ??= now.toISOString();
  return merged as RunInfo;
}

/** The run fields named at the top level, environment facts split at their first `=`. */
function runFieldsOf(options: IngestReportsOptions): Partial<RunInfo> {
  const { commit, branch, runId, attempt, job, startedAt, environment } = options;
  const named: Partial<RunInfo> = { commit, branch, runId, attempt, job, startedAt };
  if (environment !== undefined)
    named.environment = Object.fromEntries(
      environment.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
    );
  return Object.fromEntries(Object.entries(named).filter(([, value]) => value !== undefined));
}
