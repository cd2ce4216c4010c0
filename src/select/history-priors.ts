import { existsSync } from 'node:fs';
import { posix, resolve } from 'node:path';
import { DEFAULT_HISTORY_PATH } from '../history/open.ts';
import type { FileStats } from '../history/types.ts';
import type { SelectedTest } from './types.ts';

/** How many recent runs the priors look at. */
const HISTORY_RUNS = 20;

export interface HistoryOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** SQLite file relative to cwd (default .testloop/history.db); TESTLOOP_DATABASE_URL selects PostgreSQL. */
  path?: string;
}

/**
 * Per-file failure and duration aggregates from the test history, or undefined when there is none: the
 * store is opened (and its driver loaded) only when the SQLite file exists or a database URL is set.
 */
export async function readHistory(options: HistoryOptions): Promise<Map<string, FileStats> | undefined> {
  const url = options.env.TESTLOOP_DATABASE_URL?.trim();
  // No default history is no news; a named one that is missing is (readOnly says so, as a warning).
  if (!url && options.path === undefined && !existsSync(resolve(options.cwd, DEFAULT_HISTORY_PATH)))
    return undefined;
  const { openHistoryStore } = await import('../history/open.ts');
  const store = await openHistoryStore({
    cwd: options.cwd,
    env: options.env,
    ...(options.path === undefined ? {} : { path: options.path }),
    readOnly: true,
  });
  try {
    const stats = await store.fileStats({ runs: HISTORY_RUNS });
    return new Map(stats.map((s) => [s.file, s]));
  } finally {
    await store.close();
  }
}

/** A report names a file from the repository root or from its package folder. */
export function statsOf(history: ReadonlyMap<string, FileStats>, test: SelectedTest): FileStats | undefined {
  return (
    history.get(test.file) ??
    (test.project ? history.get(posix.relative(test.project, test.file)) : undefined)
  );
}

/**
 * Orders each graph-distance tier (equal score) by recent failures, more first, then by mean duration,
 * faster first (files without a recorded duration last), and says why a test moved up.
 */
export function applyHistory(tests: SelectedTest[], history: ReadonlyMap<string, FileStats>): SelectedTest[] {
  const stats = new Map(tests.map((t) => [t.file, statsOf(history, t)]));
  for (const test of tests) {
    const s = stats.get(test.file);
    if (s && s.failedRuns > 0) test.reasons.push(`failed ${s.failedRuns} of its last ${s.runs} runs`);
  }
  return [...tests].sort((a, b) => {
    if (a.score !== b.score) return b.score - a.score;
    const sa = stats.get(a.file);
    const sb = stats.get(b.file);
    const failed = (sb?.failedRuns ?? 0) - (sa?.failedRuns ?? 0);
    if (failed !== 0) return failed;
    const ma = sa?.meanMs ?? Number.POSITIVE_INFINITY;
    const mb = sb?.meanMs ?? Number.POSITIVE_INFINITY;
    if (ma !== mb) return ma < mb ? -1 : 1;
    return a.file < b.file ? -1 : a.file > b.file ? 1 : 0;
  });
}
