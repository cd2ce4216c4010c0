import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { ParsedModule, ResolvedEdge } from './types.ts';

/** Bumped whenever what is stored, or how it is computed, changes: old caches are then ignored. */
const CACHE_VERSION = 1;

export interface CachedFile {
  mtimeMs: number;
  size: number;
  /** Content hash: an edit that restores the old bytes, or a fresh checkout, still hits the cache. */
  hash: string;
  parsed: ParsedModule;
  /** Resolution results, valid while `GraphCache.resolutionKey` is unchanged. */
  edges?: ResolvedEdge[];
  unresolved?: string[];
}

export interface GraphCache {
  version: number;
  /** Hash of the file list and of every file that steers resolution (tsconfig, package.json, aliases). */
  resolutionKey: string;
  files: Map<string, CachedFile>;
}

export function emptyCache(): GraphCache {
  return { version: CACHE_VERSION, resolutionKey: '', files: new Map() };
}

export function cacheDir(root: string): string {
  return join(root, 'node_modules', '.cache', 'testloop');
}

/** A missing, stale or corrupt cache is simply a cold start. */
export function loadGraphCache(root: string): GraphCache {
  try {
    const cache = deserialize(readFileSync(join(cacheDir(root), 'graph.bin'))) as GraphCache;
    if (cache?.version === CACHE_VERSION && cache.files instanceof Map) return cache;
  } catch {
    // cold start
  }
  return emptyCache();
}

/** Written through a rename so a concurrent run never reads half a cache. Failure to write is not an error. */
export function saveGraphCache(root: string, cache: GraphCache): void {
  try {
    const dir = cacheDir(root);
    mkdirSync(dir, { recursive: true });
    const temp = join(dir, `graph.bin.${process.pid}.tmp`);
    writeFileSync(temp, serialize(cache));
    renameSync(temp, join(dir, 'graph.bin'));
  } catch {
    // read-only checkout or full disk: the next run is cold, nothing worse
  }
}
