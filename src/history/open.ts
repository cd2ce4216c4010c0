import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { TestloopError } from '../errors.ts';
import type { HistoryStore } from './types.ts';

export interface OpenHistoryOptions {
  /** The directory the default SQLite path is relative to. */
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** SQLite file, relative to `cwd`; default `.testloop/history.db`. */
  path?: string;
  /**
   * For commands that only read: a missing SQLite file is never created. A path given explicitly must
   * exist (TESTLOOP_NO_HISTORY: most likely a typo); the default one, missing, is an empty history.
   */
  readOnly?: boolean;
}

export const DEFAULT_HISTORY_PATH = '.testloop/history.db';

/** The SQLite file the options name, or undefined when TESTLOOP_DATABASE_URL selects PostgreSQL. */
export function sqliteHistoryPath(options: OpenHistoryOptions): string | undefined {
  if ((options.env ?? process.env).TESTLOOP_DATABASE_URL?.trim()) return undefined;
  return resolve(options.cwd ?? process.cwd(), options.path ?? DEFAULT_HISTORY_PATH);
}

/**
 * The shared PostgreSQL store when TESTLOOP_DATABASE_URL is set, else the embedded SQLite file in the
 * repository. Each driver is loaded only when chosen.
 */
export async function openHistoryStore(options: OpenHistoryOptions = {}): Promise<HistoryStore> {
  const path = sqliteHistoryPath(options);
  if (path === undefined) {
    const { openPostgresStore } = await import('./postgres.ts');
    return openPostgresStore((options.env ?? process.env).TESTLOOP_DATABASE_URL!.trim());
  }
  const { openSqliteStore } = await import('./sqlite.ts');
  if (options.readOnly && !existsSync(path)) {
    if (options.path !== undefined)
      throw new TestloopError(
        'TESTLOOP_NO_HISTORY',
        `${options.path}: no test history there. Check the path, or record runs into it first with testloop ingest <reports…> --history ${options.path}`,
      );
    // Nothing recorded yet: an empty history, and no file left behind by a command that only reads.
    return openSqliteStore(':memory:');
  }
  return openSqliteStore(path);
}
