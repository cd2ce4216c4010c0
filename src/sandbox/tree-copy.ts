// A throwaway copy of a repository's working tree: what git lists (tracked files and untracked ones that
// are not ignored), without `.git`, with every `node_modules` folder of the checkout reachable: a folder of
// the copy's own holding a symlink to each entry (so the caches tools write there, node_modules/.vite and
// the like, land in the copy, not in the checkout). Untrusted code runs in the copy, never in the checkout.
//
// Files are cloned (reflinks: copy-on-write, instant) where the file system allows and copied where it
// does not. Never hard links: a hard link shares the inode, so a write into the copy would be a write into
// the checkout.

import {
  constants,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { dirname, join, posix } from 'node:path';

export type CopyMethod = 'reflink' | 'copy';

export interface TreeCopy {
  /** The copy's root, absolute. */
  root: string;
  /** How file contents got there: 'reflink' when at least one file was cloned, else 'copy'. */
  method: CopyMethod;
  /** Repository-relative files copied (not the node_modules links). */
  files: readonly string[];
  /** Folders (repository-relative, '.' for the root) whose node_modules entries link to the checkout's. */
  linkedModules: readonly string[];
}

/**
 * Copies `files` (repository-relative, as `git ls-files -co --exclude-standard` lists them) from `source`
 * into the empty folder `target`. Files git lists that are gone from the disk, and folders (submodules),
 * are left out.
 */
export function copyTree(source: string, target: string, files: readonly string[]): TreeCopy {
  let cloned = 0;
  // One failed clone says the file system cannot: the rest are plain copies, without trying again.
  let clones = true;
  const cloneFile = (from: string, to: string): boolean => {
    if (clones && tryClone(from, to)) return true;
    clones = false;
    copyFileSync(from, to);
    return false;
  };
  const copied: string[] = [];
  const dirs = new Set<string>(['.']);
  const made = new Set<string>();
  for (const file of files) {
    if (file.split('/').some((part) => part === '.git' || part === 'node_modules')) continue;
    const from = join(source, file);
    const stat = lstatSync(from, { throwIfNoEntry: false });
    if (stat === undefined || stat.isDirectory()) continue;
    const to = join(target, file);
    const dir = dirname(to);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    if (stat.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else if (stat.isFile()) cloned += cloneFile(from, to) ? 1 : 0;
    else continue;
    copied.push(file);
    for (let d = posix.dirname(file); d !== '.' && !dirs.has(d); d = posix.dirname(d)) dirs.add(d);
  }
  const linkedModules: string[] = [];
  for (const dir of dirs) {
    const modules = join(source, dir, 'node_modules');
    if (!existsSync(modules)) continue;
    const linked = join(target, dir, 'node_modules');
    mkdirSync(linked, { recursive: true });
    for (const entry of readdirSync(modules, { withFileTypes: true })) {
      if (TOOL_CACHES.has(entry.name)) continue;
      const from = join(modules, entry.name);
      const to = join(linked, entry.name);
      // Windows links folders as junctions (no privilege needed); a file that cannot be linked is copied.
      if (entry.isFile() && process.platform === 'win32') copyFileSync(from, to);
      else symlinkSync(from, to, 'junction');
    }
    linkedModules.push(dir);
  }
  return { root: target, method: cloned > 0 ? 'reflink' : 'copy', files: copied, linkedModules };
}

/** Caches tools keep in node_modules: the copy starts without them and its tools write their own. */
export const TOOL_CACHES = new Set(['.vite', '.vite-temp', '.cache']);

/** Clones one file (a reflink: shared blocks, copied on write); false when the file system cannot. */
function tryClone(from: string, to: string): boolean {
  try {
    copyFileSync(from, to, constants.COPYFILE_FICLONE_FORCE);
    return true;
  } catch {
    return false;
  }
}

/** Copies one file, as a reflink when the file system can. The mode is kept: executables stay executable. */
function cloneFile(from: string, to: string): void {
  if (!tryClone(from, to)) copyFileSync(from, to);
}

/** Puts `file` (repository-relative) back as it is in the checkout, or removes it when the checkout has none. */
export function restoreFile(source: string, target: string, file: string): void {
  const to = join(target, file);
  rmSync(to, { recursive: true, force: true });
  const from = join(source, file);
  const stat = lstatSync(from, { throwIfNoEntry: false });
  if (stat === undefined || stat.isDirectory()) return;
  mkdirSync(dirname(to), { recursive: true });
  if (stat.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
  else cloneFile(from, to);
}
