import { isAbsolute, relative, resolve, sep } from 'node:path';

/**
 * What testloop writes by default, at any depth: `.testloop/` (the history, `testloop ci`'s reports and
 * patch, the quarantine file) and the graph cache under `node_modules/.cache/testloop/`.
 */
const DEFAULT_OUTPUTS = /(?:^|\/)(?:\.testloop|node_modules\/\.cache\/testloop)(?:\/|$)/;

/** True for a repository path testloop writes by default, whatever the run was told. */
export function isDefaultOutput(path: string): boolean {
  return DEFAULT_OUTPUTS.test(path);
}

/** SQLite writes these beside a database while it is open. */
const SQLITE_SIDE_FILES = ['-wal', '-shm', '-journal'];

/**
 * Tells testloop's own outputs from a change: they are never a change to testloop itself, whether git
 * lists them as untracked (no .gitignore) or as committed. `paths` are this run's other outputs, relative
 * to `cwd` or absolute: a file (`--format kind:path`, the patch, the history database) matches itself; a
 * path ending in `/` names a folder testloop fills (a reply cache) and matches everything under it, unless
 * it holds `cwd` (a folder of the user's own, then). Paths outside the repository match nothing.
 */
export function ownOutputMatcher(
  root: string,
  cwd: string,
  paths: readonly string[] = [],
): (path: string) => boolean {
  const files = new Set<string>();
  const folders: string[] = [];
  const here = relative(root, cwd).split(sep).join('/');
  for (const path of paths) {
    const rel = relative(root, resolve(cwd, path)).split(sep).join('/');
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) continue;
    if (!/[/\\]$/.test(path)) files.add(rel);
    else if (here !== rel && !here.startsWith(`${rel}/`)) folders.push(`${rel}/`);
  }
  return (path) =>
    DEFAULT_OUTPUTS.test(path) || files.has(path) || folders.some((folder) => path.startsWith(folder));
}

/** `paths` made absolute from `cwd`, a folder's trailing `/` kept: for a call that runs from elsewhere. */
export function absoluteOutputs(cwd: string, paths: readonly string[]): string[] {
  return paths.map((path) => `${resolve(cwd, path)}${/[/\\]$/.test(path) ? '/' : ''}`);
}

/** The files of a SQLite history (the database and its journals); nothing for a PostgreSQL URL. */
export function historyStoreFiles(history: string | undefined): string[] {
  if (history === undefined || /^[a-z][a-z0-9+.-]*:\/\//i.test(history)) return [];
  return [history, ...SQLITE_SIDE_FILES.map((suffix) => history + suffix)];
}

/** `changes` without testloop's own outputs (a rename is kept unless its new path is one). */
export function withoutOwnOutputs<T extends { path: string }>(
  changes: readonly T[],
  isOwnOutput: (path: string) => boolean,
): T[] {
  return changes.filter((change) => !isOwnOutput(change.path));
}
