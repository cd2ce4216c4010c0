import { resolve } from 'node:path';
import type { HistoryStore } from './types.ts';

export interface OpenHistoryOptions {
  /** The directory the default SQLite path is relative to. */
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** SQLite file, relative to `cwd`; default `.testloop/history.db`. */
  path?: string;
}

export const DEFAULT_HISTORY_PATH = '.testloop/history.db';

/**
 * The shared PostgreSQL store when TESTLOOP_DATABASE_URL is set, else the embedded SQLite file in the
 * repository. Each driver is loaded only when chosen.
 */
export async function openHistoryStore(options: OpenHistoryOptions = {}): Promise<HistoryStore> {
  const env = options.env ?? process.env;
  const url = env.TESTLOOP_DATABASE_URL?.trim();
  if (url) {
    const { openPostgresStore } = await import('./postgres.ts');
    return openPostgresStore(url);
  }
  const { openSqliteStore } = await import('./sqlite.ts');
  return openSqliteStore(resolve(options.cwd ?? process.cwd(), options.path ?? DEFAULT_HISTORY_PATH));
}
