/** How one module reaches another; the kind decides which changes travel along the edge. */
export type ImportKind =
  | 'static' // import … from, export … from, import './side-effect'
  | 'type' // import type / export type: erased at run time
  | 'dynamic' // import('…') with a literal
  | 'require' // require('…'), require.resolve('…')
  | 'mock' // vi.mock / jest.mock / vi.importActual / jest.requireActual specifiers
  | 'asset' // new URL('…', import.meta.url), JSON/CSS/asset imports
  | 'glob'; // import.meta.glob, import(`./dir/${x}.ts`): every file matching the pattern

/** One import as written in the source, before resolution. */
export interface ImportSpecifier {
  specifier: string;
  kind: ImportKind;
  /** For 'glob': a picomatch pattern relative to the importing file's folder. */
  pattern?: string;
}

/** What parsing one file found; cached by content hash. */
export interface ParsedModule {
  imports: ImportSpecifier[];
  /** The file calls import()/require() with a computed argument the graph cannot follow. */
  opaqueDynamicImport: boolean;
  /** Set when the file does not parse: the graph cannot see through it. */
  parseError?: string;
}

export interface ResolvedEdge {
  /** Repository-relative POSIX path of the target. */
  to: string;
  kind: ImportKind;
}

/**
 * Who imports whom, by number: `names` holds the graph's files, then other edge targets; name j is imported
 * by names[from[k]] with kind KINDS[kind[k]] (graph-index.ts) for start[j] ≤ k < start[j + 1].
 */
export interface ImporterIndex {
  readonly names: readonly string[];
  readonly start: Uint32Array;
  readonly from: Uint32Array;
  readonly kind: Uint8Array;
  indexOf(name: string): number | undefined;
  /** Whether anything imports `file`. */
  has(file: string): boolean;
}

export interface ModuleGraph {
  root: string;
  /** Every source and test file in the graph, repository-relative. */
  files: string[];
  /** file → files importing it, for walking from a change to its tests. */
  importers: ImporterIndex;
  /** Files that failed to parse, with the parser's message. */
  parseErrors: Map<string, string>;
  /** Files with a computed import()/require(): anything in their package may be loaded. */
  opaque: Set<string>;
  /** file → local specifiers that resolve to nothing (a deleted or renamed target, or a typo). */
  unresolved: Map<string, string[]>;
  stats: GraphStats;
  /** Set when the graph cache on disk holds exactly this graph: the keys it was checked under, and its write. */
  cacheId?: GraphCacheId;
}

export interface GraphCacheId {
  resolutionKey: string;
  snapshot: string;
  generation: string;
}

export interface GraphStats {
  files: number;
  /** Files parsed in this run (not taken from the cache). */
  parsed: number;
  cached: number;
  ms: number;
}

/** Resolves one specifier from one file. */
export interface ModuleResolver {
  /**
   * An absolute path inside the repository, 'external' for a package or Node built-in outside it,
   * or undefined when nothing matches.
   */
  resolve(fromFile: string, specifier: string): string | 'external' | undefined;
}

/**
 * A path alias: vite `resolve.alias` ({ find: '@', replacement: '/abs/src' }) or jest `moduleNameMapper`
 * ({ find: '^@/(.*)$', regex: true, replacement: '/abs/src/$1' }). Replacements are absolute.
 */
export interface Alias {
  find: string;
  regex?: boolean;
  replacement: string;
}
