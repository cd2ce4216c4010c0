// The graph cache on disk, and the objects that read it in place (see cache.ts for loading and saving).
import { readFileSync } from 'node:fs';
import { deserialize } from 'node:v8';
import type { CachedFile, StoredGraph } from './cache.ts';
import { type GraphIndex, importerIndex, KINDS } from './graph-index.ts';
import type { ImportKind, ImportSpecifier, ParsedModule, ResolvedEdge } from './types.ts';

/**
 * On disk the cache is columnar: typed arrays and flat string lists, which V8 deserializes an order of
 * magnitude faster than one object per file and per edge (12,000 files: ~10 ms instead of ~80 ms).
 * Edge targets are indexes into `names`. The files' imports, needed only to resolve again, live in a
 * second file (imports.bin) read on first need: most runs never read it.
 */
export interface StoredCache extends GraphIndex {
  version: number;
  /** Stamped on both files of one write: imports.bin of another write is never mixed in. */
  generation: string;
  resolutionKey: string;
  mtimeMs: Float64Array;
  size: Float64Array;
  /** Each file's blob id, joined by NUL: split only when entries are read one by one. */
  blobs: string;
  checked: Uint8Array;
  opaque: Uint8Array;
  /** file index → its `parseError`, for the files that have one. */
  parseErrors: [number, string][];
  /** Files without resolution results (edges undefined). */
  unresolvedAbsent: Uint8Array;
  /** file index → its unresolved specifiers, for the files that have any. */
  unresolved: [number, string[]][];
  snapshot: string;
}

export interface StoredImports {
  generation: string;
  /** JSON of each file's `parsed.imports`, by file index; '' when not known. */
  imports: string[];
}

/** imports.bin of one cache, read on first need; no file's imports when it is another write's. */
export class ImportsFile {
  readonly #path: string;
  readonly #generation: string;
  #imports: string[] | null | undefined;

  constructor(path: string, generation: string) {
    this.#path = path;
    this.#generation = generation;
  }

  json(index: number): string | undefined {
    if (this.#imports === undefined) {
      try {
        const stored = deserialize(readFileSync(this.#path)) as StoredImports;
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
export class StoredParse implements ParsedModule {
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

/**
 * A cached file read back: its edges stay in the cache's typed arrays until something asks for them as
 * objects; building the reverse index walks them in place (forEachEdge).
 */
export class StoredFile implements CachedFile {
  readonly blob: string;
  readonly mtimeMs: number;
  readonly size: number;
  readonly checked: boolean;
  readonly parsed: ParsedModule;
  readonly unresolved?: string[];
  readonly #stored: StoredCache;
  readonly #index: number;
  #edges: ResolvedEdge[] | undefined;

  constructor(
    stored: StoredCache,
    index: number,
    blob: string,
    parseError: string | undefined,
    unresolved: string[] | undefined,
    imports: ImportsFile,
  ) {
    this.#stored = stored;
    this.#index = index;
    this.blob = blob;
    this.mtimeMs = stored.mtimeMs[index]!;
    this.size = stored.size[index]!;
    this.checked = stored.checked[index] === 1;
    this.parsed = new StoredParse(imports, index, stored.opaque[index] === 1, parseError ?? '');
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

export function storedGraph(stored: StoredCache, indexOf: (file: string) => number | undefined): StoredGraph {
  const { names, count } = stored;
  const parseErrors = new Map(stored.parseErrors.map(([i, error]) => [names[i]!, error]));
  const opaque = new Set<string>();
  for (let i = 0; i < count; i++) if (stored.opaque[i] === 1) opaque.add(names[i]!);
  return {
    files: names.slice(0, count),
    importers: importerIndex(stored, indexOf),
    parseErrors,
    opaque,
    unresolved: new Map(stored.unresolved.map(([i, specifiers]) => [names[i]!, specifiers])),
    checked: (file) => {
      const i = indexOf(file);
      return i !== undefined && i < count && stored.checked[i] === 1;
    },
  };
}
