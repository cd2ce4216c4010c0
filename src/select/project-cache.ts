import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { cacheDir } from '../graph/cache.ts';
import type { RunnerName, TestDiscovery } from '../runners/types.ts';

/** Bumped whenever runner discovery changes what it finds: older caches are then ignored. */
const VERSION = 1;
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
  /** Files discovery read or looked for besides those (configs, setup files, vitest's version), with what they were. */
  inputs: [path: string, fingerprint: string][];
  projects: StoredProject[];
}

export function discoveryKey(
  root: string,
  files: readonly string[],
  blobIds: ReadonlyMap<string, string>,
): string {
  const hash = createHash('sha1').update(`${VERSION}\0`);
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

/** The cached discovery when its key matches and none of the files it read has changed; a bad cache is a miss. */
export function loadProjects(
  root: string,
  key: string,
  blobIds: ReadonlyMap<string, string>,
): StoredProject[] | undefined {
  let stored: StoredProjects;
  try {
    stored = deserialize(readFileSync(join(cacheDir(root), FILE))) as StoredProjects;
  } catch {
    return undefined;
  }
  if (stored?.version !== VERSION || stored.key !== key || !Array.isArray(stored.inputs)) return undefined;
  for (const [path, before] of stored.inputs)
    if (fingerprint(root, path, blobIds) !== before) return undefined;
  return stored.projects;
}

export function saveProjects(
  root: string,
  key: string,
  inputs: readonly string[],
  blobIds: ReadonlyMap<string, string>,
  projects: StoredProject[],
): void {
  const stored: StoredProjects = {
    version: VERSION,
    key,
    inputs: inputs.map((path) => [path, fingerprint(root, path, blobIds)]),
    projects,
  };
  try {
    const dir = cacheDir(root);
    mkdirSync(dir, { recursive: true });
    const temp = join(dir, `${FILE}.${process.pid}.tmp`);
    writeFileSync(temp, serialize(stored));
    renameSync(temp, join(dir, FILE));
  } catch {
    // read-only checkout or full disk: discovery simply runs again next time
  }
}
