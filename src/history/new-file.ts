import { existsSync, rmdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

/** A SQLite history file a write is about to create, and the folders it creates for it. */
export interface NewHistoryFile {
  path: string;
  /** Folders that did not exist yet, innermost first. */
  folders: string[];
}

/** The file and folders a store opened at `path` would create, or undefined when the file exists. */
export function newHistoryFile(path: string | undefined): NewHistoryFile | undefined {
  if (path === undefined || existsSync(path)) return undefined;
  const folders: string[] = [];
  for (let dir = dirname(path); !existsSync(dir) && dir !== dirname(dir); dir = dirname(dir))
    folders.push(dir);
  return { path, folders };
}

/**
 * Undoes the creation of a history a failed write left behind: the database with its journal files, then
 * the folders made for it while they are empty. An existing history is never passed here.
 */
export function removeNewHistory(created: NewHistoryFile): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(created.path + suffix, { force: true });
  for (const folder of created.folders) {
    try {
      rmdirSync(folder);
    } catch {
      return; // not empty: something else lives there now
    }
  }
}
