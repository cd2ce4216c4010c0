import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import {
  forEachEdge,
  ImportsFile,
  type StoredCache,
  StoredFile,
  type StoredImports,
  StoredParse,
  storedGraph,
} from './cache-format.ts';
import { type GraphIndex, indexGraph, nameLookup } from './graph-index.ts';
import type { ImporterIndex, ParsedModule, ResolvedEdge } from './types.ts';

export { forEachEdge, importsKnown } from './cache-format.ts';

/** Bumped whenever what is stored, or how it is computed, changes: old caches are then ignored. */
const CACHE_VERSION = 10;

export interface CachedFile {
  /**
   * Git's blob id of the content: an edit that restores the old bytes, or a fresh checkout, still hits
   * the cache, and a file git vouches for is matched without reading it.
   */
  blob: string;
  /** Stat of a file git does not vouch for (0 for one it does): unchanged stat, unchanged content. */
  mtimeMs: number;
  size: number;
  parsed: ParsedModule;
  /** The full parser has read this content, so `parsed.parseError` is known (the lexer does not validate). */
  checked: boolean;
  /** Resolution results, valid while `GraphCache.resolutionKey` is unchanged. */
  edges?: ResolvedEdge[];
  unresolved?: string[];
}

/** What a run writes: every code file's entry, and the keys they were computed under. */
export interface GraphCacheData {
  version: number;
  /** Hash of the file list and of every file that steers resolution (tsconfig, package.json, aliases). */
  resolutionKey: string;
  /** Hash of the resolution key and every code file's name and blob id (see snapshotKey). */
  snapshot: string;
  files: Map<string, CachedFile>;
}

/** A cache as read back: entries by name on demand, and the stored graph itself for an unchanged tree. */
export interface GraphCache {
  version: number;
  /** Stamped on each write ('' for no cache): a tree stamp names the very graph it checked. */
  generation: string;
  resolutionKey: string;
  snapshot: string;
  size: number;
  entry(file: string): CachedFile | undefined;
  /** The graph as stored, without a per-file pass: only for a tree whose snapshot key matches. */
  graph(): StoredGraph | undefined;
}

export interface StoredGraph {
  files: string[];
  importers: ImporterIndex;
  parseErrors: Map<string, string>;
  opaque: Set<string>;
  unresolved: Map<string, string[]>;
  /** Whether the full parser has checked the file's content (see CachedFile.checked). */
  checked(file: string): boolean;
}

const GRAPH = 'graph.bin';
const IMPORTS = 'imports.bin';

export function emptyCache(): GraphCache {
  return {
    version: CACHE_VERSION,
    generation: '',
    resolutionKey: '',
    snapshot: '',
    size: 0,
    entry: () => undefined,
    graph: () => undefined,
  };
}

export function cacheDir(root: string): string {
  return join(root, 'node_modules', '.cache', 'testloop');
}

/**
 * Writes `value` (v8-serialized) as the cache file `name`, through a rename so that a concurrent run never
 * reads half of it. Throws when it cannot be written; callers treat that as a cache left unwritten.
 */
export function writeCacheFile(root: string, name: string, value: unknown): void {
  const dir = cacheDir(root);
  mkdirSync(dir, { recursive: true });
  const temp = join(dir, `${name}.${process.pid}.tmp`);
  writeFileSync(temp, serialize(value));
  renameSync(temp, join(dir, name));
}

/**
 * graph.bin as written: the list of names as one string joined by NUL, which V8 reads back many times
 * faster than 12,000 strings (the names are split on load, the blob ids only when entries are read).
 */
type DiskCache = Omit<StoredCache, 'names'> & { names: string };

/** A missing, stale or corrupt cache is simply a cold start. */
export function loadGraphCache(root: string): GraphCache {
  try {
    const disk = deserialize(readFileSync(join(cacheDir(root), GRAPH))) as DiskCache;
    if (disk?.version === CACHE_VERSION && typeof disk.names === 'string') {
      const stored: StoredCache = { ...disk, names: disk.names === '' ? [] : disk.names.split('\0') };
      return fromStored(stored, new ImportsFile(join(cacheDir(root), IMPORTS), stored.generation));
    }
  } catch {
    // cold start
  }
  return emptyCache();
}

/**
 * Written through a rename so a concurrent run never reads half a cache. Failure to write is not an error.
 * `index` is indexGraph(cache.files) when the caller has it already. Returns the write's generation, or
 * undefined when it could not be written.
 */
export function saveGraphCache(root: string, cache: GraphCacheData, index?: GraphIndex): string | undefined {
  try {
    const { graph, imports } = toStored(cache, index ?? indexGraph(cache.files, forEachEdge));
    // imports.bin first: a reader that already has the new graph.bin finds its imports.
    writeCacheFile(root, IMPORTS, imports);
    writeCacheFile(root, GRAPH, toDisk(graph));
    return graph.generation;
  } catch {
    // read-only checkout or full disk: the next run is cold, nothing worse
    return undefined;
  }
}

function toDisk(stored: StoredCache): DiskCache {
  return { ...stored, names: stored.names.join('\0') };
}

function fromStored(stored: StoredCache, imports: ImportsFile): GraphCache {
  const indexOf = nameLookup(stored.names);
  let unresolved: Map<number, string[]> | undefined;
  let blobs: string[] | undefined;
  let parseErrors: Map<number, string> | undefined;
  const entries = new Map<number, CachedFile>();
  return {
    version: stored.version,
    generation: stored.generation,
    resolutionKey: stored.resolutionKey,
    snapshot: stored.snapshot,
    size: stored.count,
    entry(file) {
      const i = indexOf(file);
      if (i === undefined || i >= stored.count) return undefined;
      let entry = entries.get(i);
      if (entry === undefined) {
        unresolved ??= new Map(stored.unresolved);
        blobs ??= stored.blobs.split('\0');
        parseErrors ??= new Map(stored.parseErrors);
        entry = new StoredFile(stored, i, blobs[i]!, parseErrors.get(i), unresolved.get(i), imports);
        entries.set(i, entry);
      }
      return entry;
    },
    graph: () => storedGraph(stored, indexOf),
  };
}

function toStored(cache: GraphCacheData, index: GraphIndex): { graph: StoredCache; imports: StoredImports } {
  const { count } = index;
  const entries = [...cache.files.values()];
  const generation = randomBytes(8).toString('hex');
  const imports: StoredImports = { generation, imports: new Array<string>(count) };
  const stored: StoredCache = {
    ...index,
    version: cache.version,
    generation,
    resolutionKey: cache.resolutionKey,
    mtimeMs: new Float64Array(count),
    size: new Float64Array(count),
    blobs: entries.map((entry) => entry.blob).join('\0'),
    checked: new Uint8Array(count),
    opaque: new Uint8Array(count),
    parseErrors: [],
    unresolvedAbsent: new Uint8Array(count),
    unresolved: [],
    snapshot: cache.snapshot,
  };
  entries.forEach((entry, i) => {
    stored.mtimeMs[i] = entry.mtimeMs;
    stored.size[i] = entry.size;
    stored.checked[i] = entry.checked ? 1 : 0;
    imports.imports[i] =
      entry.parsed instanceof StoredParse ? (entry.parsed.json ?? '') : JSON.stringify(entry.parsed.imports);
    stored.opaque[i] = entry.parsed.opaqueDynamicImport ? 1 : 0;
    if (entry.parsed.parseError !== undefined) stored.parseErrors.push([i, entry.parsed.parseError]);
    if (entry.unresolved === undefined) stored.unresolvedAbsent[i] = 1;
    if (entry.unresolved && entry.unresolved.length > 0) stored.unresolved.push([i, entry.unresolved]);
  });
  return { graph: stored, imports };
}
