import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type {
  Importer,
  ImporterIndex,
  ImportKind,
  ImportSpecifier,
  ParsedModule,
  ResolvedEdge,
} from './types.ts';

/** Bumped whenever what is stored, or how it is computed, changes: old caches are then ignored. */
const CACHE_VERSION = 5;

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

/**
 * On disk the cache is columnar: typed arrays and flat string lists, which V8 deserializes an order of
 * magnitude faster than one object per file and per edge (12,000 files: ~10 ms instead of ~80 ms).
 * Edge targets are indexes into `names`. The files' imports, needed only to resolve again, live in a
 * second file (imports.bin) read on first need: most runs never read it.
 */
interface StoredCache {
  version: number;
  /** Stamped on both files of one write: imports.bin of another write is never mixed in. */
  generation: string;
  resolutionKey: string;
  /** The cached files first, then any other edge target (assets, glob matches). */
  names: string[];
  count: number;
  mtimeMs: Float64Array;
  size: Float64Array;
  blobs: string[];
  checked: Uint8Array;
  opaque: Uint8Array;
  /** `parseError` per file, '' for none. */
  parseErrors: string[];
  /** The edges of file i are edgeTo[k], edgeKind[k] for edgeStart[i] ≤ k < edgeStart[i + 1]. */
  edgeStart: Uint32Array;
  edgeTo: Uint32Array;
  edgeKind: Uint8Array;
  /** Files without resolution results (edges undefined). */
  unresolvedAbsent: Uint8Array;
  /** file index → its unresolved specifiers, for the files that have any. */
  unresolved: [number, string[]][];
  snapshot: string;
  /** The reverse edges over `names`: name j is imported by importerFrom[k] (kind importerKind[k]) for importerStart[j] ≤ k < importerStart[j + 1]. */
  importerStart: Uint32Array;
  importerFrom: Uint32Array;
  importerKind: Uint8Array;
}

const KINDS: ImportKind[] = ['static', 'type', 'dynamic', 'require', 'mock', 'asset', 'glob'];
const KIND_CODE = new Map(KINDS.map((kind, i) => [kind, i]));

interface StoredImports {
  generation: string;
  /** JSON of each file's `parsed.imports`, by file index; '' when not known. */
  imports: string[];
}

/** imports.bin of one cache, read on first need; no file's imports when it is another write's. */
class ImportsFile {
  readonly #root: string;
  readonly #generation: string;
  #imports: string[] | null | undefined;

  constructor(root: string, generation: string) {
    this.#root = root;
    this.#generation = generation;
  }

  json(index: number): string | undefined {
    if (this.#imports === undefined) {
      try {
        const stored = deserialize(readFileSync(join(cacheDir(this.#root), IMPORTS))) as StoredImports;
        this.#imports = stored?.generation === this.#generation ? stored.imports : null;
      } catch {
        this.#imports = null;
      }
    }
    const json = this.#imports?.[index];
    return json === '' ? undefined : json;
  }
}

/** A cached ParsedModule whose import list is read and decoded on first use (most runs never read it). */
class StoredParse implements ParsedModule {
  readonly opaqueDynamicImport: boolean;
  readonly parseError?: string;
  readonly #file: ImportsFile;
  readonly #index: number;
  #imports: ImportSpecifier[] | undefined;

  constructor(file: ImportsFile, index: number, opaque: boolean, parseError: string) {
    this.#file = file;
    this.#index = index;
    this.opaqueDynamicImport = opaque;
    if (parseError !== '') this.parseError = parseError;
  }

  get json(): string | undefined {
    return this.#file.json(this.#index);
  }

  get imports(): ImportSpecifier[] {
    if (this.#imports === undefined) {
      const json = this.json;
      // Callers check importsKnown() first: reaching this is a bug, not a stale cache.
      if (json === undefined) throw new Error('the graph cache holds no imports for this file');
      this.#imports = JSON.parse(json) as ImportSpecifier[];
    }
    return this.#imports;
  }
}

/** False for a cached file whose imports are lost (imports.bin missing, or another write's): parse it again. */
export function importsKnown(parsed: ParsedModule): boolean {
  return !(parsed instanceof StoredParse) || parsed.json !== undefined;
}

const GRAPH = 'graph.bin';
const IMPORTS = 'imports.bin';

export function emptyCache(): GraphCache {
  return {
    version: CACHE_VERSION,
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

/** A missing, stale or corrupt cache is simply a cold start. */
export function loadGraphCache(root: string): GraphCache {
  try {
    const stored = deserialize(readFileSync(join(cacheDir(root), GRAPH))) as StoredCache;
    if (stored?.version === CACHE_VERSION && Array.isArray(stored.names))
      return fromStored(stored, new ImportsFile(root, stored.generation));
  } catch {
    // cold start
  }
  return emptyCache();
}

/** Written through a rename so a concurrent run never reads half a cache. Failure to write is not an error. */
export function saveGraphCache(root: string, cache: GraphCacheData): void {
  try {
    const dir = cacheDir(root);
    mkdirSync(dir, { recursive: true });
    const { graph, imports } = toStored(cache);
    // imports.bin first: a reader that already has the new graph.bin finds its imports.
    for (const [name, value] of [
      [IMPORTS, imports],
      [GRAPH, graph],
    ] as const) {
      const temp = join(dir, `${name}.${process.pid}.tmp`);
      writeFileSync(temp, serialize(value));
      renameSync(temp, join(dir, name));
    }
  } catch {
    // read-only checkout or full disk: the next run is cold, nothing worse
  }
}

/**
 * A cached file read back: its edges stay in the cache's typed arrays until something asks for them as
 * objects; building the reverse index walks them in place (forEachEdge).
 */
class StoredFile implements CachedFile {
  readonly blob: string;
  readonly mtimeMs: number;
  readonly size: number;
  readonly checked: boolean;
  readonly parsed: ParsedModule;
  readonly unresolved?: string[];
  readonly #stored: StoredCache;
  readonly #index: number;
  #edges: ResolvedEdge[] | undefined;

  constructor(stored: StoredCache, index: number, unresolved: string[] | undefined, imports: ImportsFile) {
    this.#stored = stored;
    this.#index = index;
    this.blob = stored.blobs[index]!;
    this.mtimeMs = stored.mtimeMs[index]!;
    this.size = stored.size[index]!;
    this.checked = stored.checked[index] === 1;
    this.parsed = new StoredParse(imports, index, stored.opaque[index] === 1, stored.parseErrors[index]!);
    if (stored.unresolvedAbsent[index] === 0) this.unresolved = unresolved ?? [];
  }

  get edges(): ResolvedEdge[] | undefined {
    if (this.unresolved === undefined) return undefined;
    if (this.#edges === undefined) {
      const edges: ResolvedEdge[] = [];
      this.forEachEdge((to, kind) => edges.push({ to, kind }));
      this.#edges = edges;
    }
    return this.#edges;
  }

  forEachEdge(visit: (to: string, kind: ImportKind) => void): void {
    const { names, edgeStart, edgeTo, edgeKind } = this.#stored;
    for (let e = edgeStart[this.#index]!; e < edgeStart[this.#index + 1]!; e++)
      visit(names[edgeTo[e]!]!, KINDS[edgeKind[e]!]!);
  }
}

/** Calls `visit` for each resolved edge of `entry`, without building edge objects for a cached one. */
export function forEachEdge(entry: CachedFile, visit: (to: string, kind: ImportKind) => void): void {
  if (entry instanceof StoredFile) entry.forEachEdge(visit);
  else for (const edge of entry.edges ?? []) visit(edge.to, edge.kind);
}

function fromStored(stored: StoredCache, imports: ImportsFile): GraphCache {
  let index: Map<string, number> | undefined;
  const indexOf = (file: string): number | undefined => {
    index ??= new Map(stored.names.map((name, i) => [name, i]));
    return index.get(file);
  };
  let unresolved: Map<number, string[]> | undefined;
  const entries = new Map<number, CachedFile>();
  return {
    version: stored.version,
    resolutionKey: stored.resolutionKey,
    snapshot: stored.snapshot,
    size: stored.count,
    entry(file) {
      const i = indexOf(file);
      if (i === undefined || i >= stored.count) return undefined;
      let entry = entries.get(i);
      if (entry === undefined) {
        unresolved ??= new Map(stored.unresolved);
        entry = new StoredFile(stored, i, unresolved.get(i), imports);
        entries.set(i, entry);
      }
      return entry;
    },
    graph: () => storedGraph(stored, indexOf),
  };
}

function storedGraph(stored: StoredCache, indexOf: (file: string) => number | undefined): StoredGraph {
  const { names, count, importerStart, importerFrom, importerKind } = stored;
  const parseErrors = new Map<string, string>();
  const opaque = new Set<string>();
  for (let i = 0; i < count; i++) {
    if (stored.parseErrors[i] !== '') parseErrors.set(names[i]!, stored.parseErrors[i]!);
    if (stored.opaque[i] === 1) opaque.add(names[i]!);
  }
  const importers: ImporterIndex = {
    get(file) {
      const j = indexOf(file);
      if (j === undefined || importerStart[j] === importerStart[j + 1]) return undefined;
      const list: Importer[] = [];
      for (let k = importerStart[j]!; k < importerStart[j + 1]!; k++)
        list.push({ from: names[importerFrom[k]!]!, kind: KINDS[importerKind[k]!]! });
      return list;
    },
    has(file) {
      const j = indexOf(file);
      return j !== undefined && importerStart[j] !== importerStart[j + 1];
    },
    forEach(file, visit) {
      const j = indexOf(file);
      if (j === undefined) return;
      for (let k = importerStart[j]!; k < importerStart[j + 1]!; k++)
        visit(names[importerFrom[k]!]!, KINDS[importerKind[k]!]!);
    },
  };
  return {
    files: names.slice(0, count),
    importers,
    parseErrors,
    opaque,
    unresolved: new Map(stored.unresolved.map(([i, specifiers]) => [names[i]!, specifiers])),
    checked: (file) => {
      const i = indexOf(file);
      return i !== undefined && i < count && stored.checked[i] === 1;
    },
  };
}

function toStored(cache: GraphCacheData): { graph: StoredCache; imports: StoredImports } {
  const names = [...cache.files.keys()];
  const count = names.length;
  const index = new Map(names.map((name, i) => [name, i]));
  const entries = [...cache.files.values()];
  let edgeCount = 0;
  for (const entry of entries) forEachEdge(entry, () => edgeCount++);
  const generation = randomBytes(8).toString('hex');
  const imports: StoredImports = { generation, imports: new Array<string>(count) };
  const stored: StoredCache = {
    version: cache.version,
    generation,
    resolutionKey: cache.resolutionKey,
    names,
    count,
    mtimeMs: new Float64Array(count),
    size: new Float64Array(count),
    blobs: new Array<string>(count),
    checked: new Uint8Array(count),
    opaque: new Uint8Array(count),
    parseErrors: new Array<string>(count),
    edgeStart: new Uint32Array(count + 1),
    edgeTo: new Uint32Array(edgeCount),
    edgeKind: new Uint8Array(edgeCount),
    unresolvedAbsent: new Uint8Array(count),
    unresolved: [],
    snapshot: cache.snapshot,
    importerStart: new Uint32Array(0),
    importerFrom: new Uint32Array(edgeCount),
    importerKind: new Uint8Array(edgeCount),
  };
  let e = 0;
  entries.forEach((entry, i) => {
    stored.mtimeMs[i] = entry.mtimeMs;
    stored.size[i] = entry.size;
    stored.blobs[i] = entry.blob;
    stored.checked[i] = entry.checked ? 1 : 0;
    imports.imports[i] =
      entry.parsed instanceof StoredParse ? (entry.parsed.json ?? '') : JSON.stringify(entry.parsed.imports);
    stored.opaque[i] = entry.parsed.opaqueDynamicImport ? 1 : 0;
    stored.parseErrors[i] = entry.parsed.parseError ?? '';
    stored.edgeStart[i] = e;
    if (entry.unresolved === undefined) stored.unresolvedAbsent[i] = 1;
    forEachEdge(entry, (target, kind) => {
      let to = index.get(target);
      if (to === undefined) {
        to = names.length;
        names.push(target);
        index.set(target, to);
      }
      stored.edgeTo[e] = to;
      stored.edgeKind[e] = KIND_CODE.get(kind)!;
      e++;
    });
    if (entry.unresolved && entry.unresolved.length > 0) stored.unresolved.push([i, entry.unresolved]);
  });
  stored.edgeStart[count] = e;
  reverseEdges(stored);
  return { graph: stored, imports };
}

/** Fills the importer arrays from the edge arrays: a counting sort of the edges by target. */
function reverseEdges(stored: StoredCache): void {
  const { edgeStart, edgeTo, edgeKind, importerFrom, importerKind } = stored;
  const start = new Uint32Array(stored.names.length + 1);
  for (const to of edgeTo) start[to + 1]!++;
  for (let j = 0; j < stored.names.length; j++) start[j + 1]! += start[j]!;
  const next = start.slice(0, stored.names.length);
  for (let i = 0; i < stored.count; i++) {
    for (let e = edgeStart[i]!; e < edgeStart[i + 1]!; e++) {
      const k = next[edgeTo[e]!]!++;
      importerFrom[k] = i;
      importerKind[k] = edgeKind[e]!;
    }
  }
  stored.importerStart = start;
}
