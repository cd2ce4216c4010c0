import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize } from 'node:v8';
import { cacheDir, writeCacheFile } from '../graph/cache.ts';
import type { RunnerName, TestDiscovery } from '../runners/types.ts';

/** Bumped whenever runner discovery changes what it finds: older caches are then ignored. */
const VERSION = 7;
const FILE = 'projects.bin';

/** One package as discovery left it, without the adapter object (found again by name). */
export interface StoredProject {
  dir: string;
  packageJson: Record<string, unknown>;
  runner?: RunnerName;
  discovery?: TestDiscovery;
}

interface StoredProjects {
  version: number;
  /** Hash of the file list and of every package.json: the inputs every discovery reads. */
  key: string;
  /** Stamped on each write, so a tree stamp (tree-stamp.ts) names the very discovery it checked. */
  generation: string;
  /**
   * Files discovery read or looked for besides those (configs, setup files, vitest's version), with what
   * they were, and 1 where that was git's blob id.
   */
  inputs: [path: string, fingerprint: string, vouched: 0 | 1][];
  projects: StoredProject[];
}

/** Which discovery a run used: its key and the write it came from. */
export interface ProjectsCacheId {
  key: string;
  generation: string;
}

export function discoveryKey(
  root: string,
  files: readonly string[],
  blobIds: ReadonlyMap<string, string>,
): string {
  // The root too: the discovery holds absolute paths, and a cache copied with a checkout is not its own.
  const hash = createHash('sha1').update(`${VERSION}\0${root}\0`);
  hash.update(files.join('\0'));
  for (const file of files) {
    if (file === 'package.json' || file.endsWith('/package.json'))
      hash.update(`\0${file}\0${fingerprint(root, join(root, file), blobIds)}`);
  }
  return hash.digest('base64');
}

/** What a file holds: git's blob id when git vouches for it, else a hash of its bytes, 'dir' or 'missing'. */
export function fingerprint(root: string, path: string, blobIds: ReadonlyMap<string, string>): string {
  const blob = path.startsWith(`${root}/`) ? blobIds.get(path.slice(root.length + 1)) : undefined;
  if (blob !== undefined) return blob;
  const info = statSync(path, { throwIfNoEntry: false });
  if (info === undefined) return 'missing';
  if (!info.isFile()) return 'dir';
  try {
    return createHash('sha1').update(readFileSync(path)).digest('hex');
  } catch {
    return 'unreadable';
  }
}

/**
 * The cached discovery when its key matches and none of the files it read has changed; a bad cache is a
 * miss. Without `blobIds` the tree is known to be the one this cache was last checked against (a tree
 * stamp vouches for it): the inputs git vouched for are unchanged, the others are read again.
 */
export function loadProjects(
  root: string,
  key: string,
  blobIds: ReadonlyMap<string, string> | undefined,
): { projects: StoredProject[]; generation: string } | undefined {
  let stored: StoredProjects;
  try {
    stored = deserialize(readFileSync(join(cacheDir(root), FILE))) as StoredProjects;
  } catch {
    return undefined;
  }
  if (stored?.version !== VERSION || stored.key !== key || !Array.isArray(stored.inputs)) return undefined;
  for (const [path, before, vouched] of stored.inputs) {
    if (blobIds === undefined && vouched === 1) continue;
    if (fingerprint(root, path, blobIds ?? NONE) !== before) return undefined;
  }
  return { projects: stored.projects, generation: stored.generation };
}

const NONE: ReadonlyMap<string, string> = new Map();

/** Returns the write's generation, or undefined when it could not be written. */
export function saveProjects(
  root: string,
  key: string,
  inputs: readonly string[],
  blobIds: ReadonlyMap<string, string>,
  projects: StoredProject[],
): string | undefined {
  const stored: StoredProjects = {
    version: VERSION,
    key,
    generation: randomBytes(8).toString('hex'),
    inputs: inputs.map((path) => {
      const vouched = path.startsWith(`${root}/`) && blobIds.has(path.slice(root.length + 1));
      return [path, fingerprint(root, path, blobIds), vouched ? 1 : 0];
    }),
    projects,
  };
  try {
    writeCacheFile(root, FILE, stored);
    return stored.generation;
  } catch {
    // read-only checkout or full disk: discovery simply runs again next time
    return undefined;
  }
}
