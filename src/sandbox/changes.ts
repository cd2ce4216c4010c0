// What untrusted code changed in a tree copy: a snapshot of every file (size, mtime, ctime, inode, mode)
// before, compared with one after (ctime cannot be set back, so a write that restores size and mtime still
// shows). node_modules links are not followed (the checkout's own folders, read-only in
// the sandbox where a mount namespace makes them so).

import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Repository-relative path → what identifies that version of the file. */
export type TreeSnapshot = Map<string, string>;

export interface TreeChange {
  path: string;
  kind: 'added' | 'changed' | 'deleted';
}

/** Every file and symlink under `root` (repository-relative paths), `skip` and node_modules links left out. */
export function snapshotTree(root: string, skip: (path: string) => boolean): TreeSnapshot {
  const snapshot: TreeSnapshot = new Map();
  const walk = (dir: string, rel: string): void => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (skip(path)) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(full, path);
        continue;
      }
      const stat = lstatSync(full, { throwIfNoEntry: false });
      if (stat === undefined) continue;
      snapshot.set(path, `${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}:${stat.ino}:${stat.mode}`);
    }
  };
  walk(root, '');
  return snapshot;
}

/** Files added, changed or deleted between two snapshots, sorted by path; `ignore` says what may change. */
export function compareSnapshots(
  before: TreeSnapshot,
  after: TreeSnapshot,
  ignore: (path: string) => boolean,
): TreeChange[] {
  const changes: TreeChange[] = [];
  for (const [path, id] of after) {
    if (ignore(path)) continue;
    const was = before.get(path);
    if (was === undefined) changes.push({ path, kind: 'added' });
    else if (was !== id) changes.push({ path, kind: 'changed' });
  }
  for (const path of before.keys())
    if (!after.has(path) && !ignore(path)) changes.push({ path, kind: 'deleted' });
  return changes.sort((a, b) => a.path.localeCompare(b.path));
}
