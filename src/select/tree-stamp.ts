import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize } from 'node:v8';
import { blobId } from '../git/working-tree.ts';
import { cacheDir, writeCacheFile } from '../graph/cache.ts';
import type { Alias, GraphCacheId } from '../graph/types.ts';
import type { ProjectsCacheId } from './project-cache.ts';

/**
 * A warm run's shortcut past the file list. A run that checked the project and graph caches against the
 * whole tree leaves a stamp: the digest of git's listing, what each file git does not vouch for held,
 * and which cache entries it found valid. A later run whose listing has the same digest, and whose
 * unvouched files still hold the same, has the same tree: it takes those caches as they are, without
 * parsing the listing or hashing 12,000 names into the cache keys again.
 */
interface TreeStamp {
  version: number;
  key: string;
  /** Each listed file git does not vouch for (modified, untracked, symlinks…), with what it held. */
  unvouched: [path: string, fingerprint: string][];
  projects: ProjectsCacheId;
  graph: GraphCacheId;
}

/** Bumped whenever what a stamp vouches for changes: older stamps are then ignored. */
const VERSION = 1;
const FILE = 'tree.bin';
/** Unvouched files up to this size are hashed whole at each check; larger ones by their stat alone. */
const CONTENT_BYTES = 1024 * 1024;
/** Unvouched files are read on every check: past this many, stat and content of each cost more than the stamp saves. */
const MAX_UNVOUCHED = 256;

/**
 * What a stamp is keyed by besides the unvouched files' content: the checkout's root (the caches it names
 * hold absolute paths, and a cache restored into another checkout is not that checkout's), the listing,
 * and the aliases given.
 */
export function stampKey(root: string, digest: string, aliases: readonly Alias[]): string {
  return createHash('sha1')
    .update(`${VERSION}\0${root}\0${digest}\0`)
    .update(JSON.stringify(aliases))
    .digest('base64');
}

/**
 * What the listed files git does not vouch for hold: content and stat, so that an edit between two
 * checks is seen even if it restores the bytes. Undefined when there are too many to check each run.
 */
export function unvouchedFingerprints(
  root: string,
  files: readonly string[],
  blobIds: ReadonlyMap<string, string>,
): [string, string][] | undefined {
  const out: [string, string][] = [];
  for (const file of files) {
    if (blobIds.has(file)) continue;
    if (out.length === MAX_UNVOUCHED) return undefined;
    out.push([file, fingerprint(join(root, file))]);
  }
  return out;
}

function fingerprint(path: string): string {
  const info = statSync(path, { throwIfNoEntry: false });
  if (info === undefined) return 'missing';
  const stat = `${info.size}:${info.mtimeMs}:${info.ctimeMs}:${info.ino}`;
  if (!info.isFile()) return `other:${stat}`;
  // An untracked dump or video is not read on every run: any write to it moves its ctime, which no tool
  // can set back.
  if (info.size > CONTENT_BYTES) return `large:${stat}`;
  try {
    return `${stat}:${blobId(readFileSync(path))}`;
  } catch {
    return `unreadable:${stat}`;
  }
}

/**
 * The stamp, when its unvouched files are unchanged: it vouches for the caches it names if its key is
 * also the current listing's (stampKey).
 */
export function loadStamp(root: string): Omit<TreeStamp, 'version'> | undefined {
  let stamp: TreeStamp;
  try {
    stamp = deserialize(readFileSync(join(cacheDir(root), FILE))) as TreeStamp;
  } catch {
    return undefined;
  }
  if (stamp?.version !== VERSION || typeof stamp.key !== 'string' || !Array.isArray(stamp.unvouched))
    return undefined;
  for (const [file, before] of stamp.unvouched)
    if (fingerprint(join(root, file)) !== before) return undefined;
  return stamp;
}

/**
 * Leaves a stamp for the next run. `unvouched` was taken before the caches were checked; it is taken
 * again here, and a file that changed in between leaves no stamp (the caches may hold either content).
 */
export function saveStamp(
  root: string,
  key: string,
  unvouched: readonly [string, string][],
  projects: ProjectsCacheId,
  graph: GraphCacheId,
): void {
  for (const [file, before] of unvouched) if (fingerprint(join(root, file)) !== before) return;
  const stamp: TreeStamp = { version: VERSION, key, unvouched: [...unvouched], projects, graph };
  try {
    writeCacheFile(root, FILE, stamp);
  } catch {
    // read-only checkout or full disk: the next run takes the long way, nothing worse
  }
}
