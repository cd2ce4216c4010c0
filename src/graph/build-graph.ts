import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join, posix, sep } from 'node:path';
import type picomatch from 'picomatch';
import { now } from '../util/clock.ts';
import {
  type CachedFile,
  emptyCache,
  forEachEdge,
  type GraphCache,
  importsKnown,
  loadGraphCache,
  type StoredGraph,
  saveGraphCache,
} from './cache.ts';
import { importerIndex, indexGraph, nameLookup } from './graph-index.ts';
import { readSource } from './read-source.ts';
import type { createResolver } from './resolve.ts';
import { ScanAhead } from './scan-ahead.ts';
import type { Alias, GraphCacheId, ModuleGraph, ParsedModule, ResolvedEdge } from './types.ts';

export const CODE_FILE = /\.(?:[cm]?[jt]sx?|vue|svelte)$/;
/** Files whose content steers how every specifier resolves. */
const RESOLUTION_INPUT =
  /(?:^|\/)(?:tsconfig[^/]*\.json|jsconfig\.json|package\.json|pnpm-workspace\.yaml|lerna\.json)$/;

export interface BuildGraphOptions {
  root: string;
  /** Every file of the repository, relative to root (git ls-files). */
  files: readonly string[];
  /** Blob ids of the files whose content git vouches for (see workingTree): these are never read. */
  blobIds?: ReadonlyMap<string, string>;
  /** Files the full parser must check (the lexer does not validate syntax): the changed ones. */
  validate?: readonly string[];
  aliases?: Alias[];
  conditions?: string[];
  cache?: boolean;
  /** The thread started on the file list before the build (see startScanning). */
  early?: EarlyScan;
}

/** What startScanning began: the graph cache it read, and the thread reading the files it does not hold. */
export interface EarlyScan {
  cache: GraphCache;
  ahead: ScanAhead | undefined;
}

/**
 * Starts reading and scanning the files a build will need (those the cache does not hold with this
 * content) on a second thread, as soon as the file list is known: the caller's other work before the
 * build (reading runner configs) then overlaps it. Pass the result to buildGraph as `early`.
 */
export function startScanning(
  options: Pick<BuildGraphOptions, 'root' | 'files' | 'blobIds' | 'cache'>,
): EarlyScan {
  const cache = options.cache === false ? emptyCache() : loadGraphCache(options.root);
  const blobIds = options.blobIds ?? new Map<string, string>();
  const toRead = options.files.filter((file) => {
    if (!isGraphFile(file)) return false;
    const blob = blobIds.get(file);
    return blob !== undefined && cache.entry(file)?.blob !== blob;
  });
  return { cache, ahead: ScanAhead.start(options.root, toRead) };
}

/** A code file of the repository itself: one the graph reads (installed packages are not). */
function isGraphFile(file: string): boolean {
  return CODE_FILE.test(file) && !file.includes('node_modules/');
}

type Parse = (fileName: string, source: string) => ParsedModule;

/**
 * Parses every code file (or takes it from the cache when its content is unchanged), resolves its
 * imports to repository files, and indexes the reverse edges for walking from a change to its tests.
 * The full parser and the resolver are native modules loaded only when something is not cached.
 */
export async function buildGraph(options: BuildGraphOptions): Promise<ModuleGraph> {
  const started = now();
  const { root } = options;
  const useCache = options.cache !== false;
  const validate = new Set(options.validate ?? []);
  const { cache, codeFiles, resolutionKey, resolutionValid, current, gone, snapshot } = treeState(
    options,
    useCache,
  );

  // Nothing changed since the cache was written: its graph is this tree's, read in place.
  const stored = useCache && resolutionValid && snapshot === cache.snapshot ? cache.graph() : undefined;
  if (stored && codeFiles.every((file) => !validate.has(file) || stored.checked(file))) {
    options.early?.ahead?.close();
    return fromCache(root, stored, cache, started);
  }

  const tools = new LazyTools(options);
  const nextFiles = new Map<string, CachedFile>();
  let parsedCount = 0;
  let changed = !resolutionValid || snapshot !== cache.snapshot;
  const problems = new GraphProblems();
  const { needsResolutionOf, stale } = freshness(resolutionValid, gone);
  const ahead = options.early ? options.early.ahead : scanAhead(root, current, cache, stale);

  for (let i = 0; i < current.files.length; i++) {
    const file = current.files[i]!;
    const blob = current.blobs[i]!;
    const absolute = `${root}/${file}`;
    const { stat, text: read } = current.read.get(file) ?? UNREAD;
    let text = read;
    let entry = cache.entry(file);
    // An entry made in this run is ours to complete in place; a cached one is copied when it changes.
    let fresh = false;
    const needsResolution = needsResolutionOf(entry);
    if (!entry || stale(entry, blob)) {
      const scanned = await scanFile(file, absolute, text, ahead, tools);
      if (scanned === undefined) continue;
      ({ text } = scanned);
      const { parsed, checked } = scanned;
      entry = { blob, mtimeMs: stat.mtimeMs, size: stat.size, parsed, checked };
      fresh = true;
      parsedCount++;
      changed = true;
    } else if (entry.mtimeMs !== stat.mtimeMs || entry.size !== stat.size) {
      entry = copy(entry, stat);
      changed = true;
    }
    if (validate.has(file) && !entry.checked) {
      text ??= readSource(absolute)?.text;
      if (text === undefined) continue;
      // The full parser's reading of the same content: the same imports, and whether it parses.
      entry = copy(entry, { parsed: (await tools.parser())(file, text), checked: true });
      changed = true;
    }
    if (needsResolution || entry.unresolved === undefined) {
      const resolved = await tools.resolveImports(file, entry);
      if (fresh) Object.assign(entry, resolved);
      else entry = copy(entry, resolved);
      changed = true;
    }
    nextFiles.set(file, entry);
    problems.note(file, entry);
  }
  ahead?.close();
  if (nextFiles.size !== cache.size) changed = true;
  const index = indexGraph(nextFiles, forEachEdge);
  const cacheId = useCache
    ? saveBuilt(root, cache, nextFiles, index, { resolutionKey, snapshot, current, changed })
    : undefined;
  const stats = { files: nextFiles.size, parsed: parsedCount, cached: nextFiles.size - parsedCount, started };
  return graphOf(root, index, problems, stats, cacheId);
}

/** A cold build reads and scans thousands of files: a second thread takes the unread, stale ones in part. */
function scanAhead(
  root: string,
  current: CurrentFiles,
  cache: GraphCache,
  stale: ReturnType<typeof freshness>['stale'],
): ScanAhead | undefined {
  return ScanAhead.start(
    root,
    current.files.filter((file, i) => {
      if (current.read.get(file)?.text !== undefined) return false;
      const entry = cache.entry(file);
      return entry === undefined || stale(entry, current.blobs[i]!);
    }),
  );
}

/** The graph a build gives: its files, the reverse edges, what it could not follow, and its figures. */
function graphOf(
  root: string,
  index: ReturnType<typeof indexGraph>,
  problems: GraphProblems,
  stats: { files: number; parsed: number; cached: number; started: number },
  cacheId: GraphCacheId | undefined,
): ModuleGraph {
  return {
    root,
    files: index.names.slice(0, index.count),
    importers: importerIndex(index, nameLookup(index.names)),
    parseErrors: problems.parseErrors,
    opaque: problems.opaque,
    unresolved: problems.unresolved,
    stats: {
      files: stats.files,
      parsed: stats.parsed,
      cached: stats.cached,
      ms: Math.round(now() - stats.started),
    },
    ...(cacheId === undefined ? {} : { cacheId }),
  };
}

/** The tree as it is against the cache: its code files, their blobs, and the keys they make. */
function treeState(options: BuildGraphOptions, useCache: boolean) {
  const { root } = options;
  const blobIds = options.blobIds ?? new Map<string, string>();
  const cache = options.early?.cache ?? (useCache ? loadGraphCache(root) : emptyCache());
  const codeFiles = options.files.filter(isGraphFile);
  const resolutionKey = resolutionKeyOf(root, options, blobIds);
  const current = currentFiles(root, codeFiles, blobIds, cache);
  // Listed by git but deleted in the working tree: a cached edge to one of them no longer resolves.
  const gone = current.files.length === codeFiles.length ? undefined : goneFiles(codeFiles, current.files);
  const snapshot = snapshotKey(resolutionKey, current);
  const resolutionValid = cache.resolutionKey === resolutionKey;
  return { cache, codeFiles, resolutionKey, resolutionValid, current, gone, snapshot };
}

/**
 * Which cached entries must be resolved again (the resolution inputs changed, the entry never was, or an
 * edge leads to a file now gone) and which must be read again (another blob, or imports not kept).
 */
function freshness(resolutionValid: boolean, gone: ReadonlySet<string> | undefined) {
  const needsResolutionOf = (entry: CachedFile | undefined): boolean =>
    !resolutionValid ||
    entry?.unresolved === undefined ||
    (gone !== undefined && entry.edges!.some((edge) => gone.has(edge.to)));
  const stale = (entry: CachedFile, blob: string): boolean =>
    entry.blob !== blob || (needsResolutionOf(entry) && !importsKnown(entry.parsed));
  return { needsResolutionOf, stale };
}

/**
 * A stale or new file's imports: from the second thread's scan, or read and lexed here, or (where the
 * lexer gives up) fully parsed. `checked` when the full parser read it. Undefined when the file is gone.
 */
async function scanFile(
  file: string,
  absolute: string,
  known: string | undefined,
  ahead: ScanAhead | undefined,
  tools: LazyTools,
): Promise<{ parsed: ParsedModule; checked: boolean; text: string | undefined } | undefined> {
  let text = known;
  const scannedAhead = text === undefined ? await ahead?.take(file) : undefined;
  if (scannedAhead !== undefined && 'missing' in scannedAhead) return undefined;
  if (scannedAhead !== undefined && 'text' in scannedAhead) text = scannedAhead.text;
  let scanned = scannedAhead !== undefined && 'parsed' in scannedAhead ? scannedAhead.parsed : undefined;
  if (scannedAhead === undefined) {
    text ??= readSource(absolute)?.text;
    if (text === undefined) return undefined;
    scanned = (await tools.lexer())(file, text);
  }
  const parsed = scanned ?? (await tools.parser())(file, text!);
  return { parsed, checked: scanned === undefined, text };
}

/** What the graph reports beside its edges: imports left unresolved, files that do not parse, opaque imports. */
class GraphProblems {
  readonly unresolved = new Map<string, string[]>();
  readonly parseErrors = new Map<string, string>();
  readonly opaque = new Set<string>();

  note(file: string, entry: CachedFile): void {
    if (entry.unresolved!.length > 0) this.unresolved.set(file, entry.unresolved!);
    if (entry.parsed.parseError !== undefined) this.parseErrors.set(file, entry.parsed.parseError);
    if (entry.parsed.opaqueDynamicImport) this.opaque.add(file);
  }
}

/**
 * The id of the graph cache that holds this build: the loaded one when nothing changed, else the one
 * written now (undefined when it could not be written).
 */
function saveBuilt(
  root: string,
  cache: GraphCache,
  files: Map<string, CachedFile>,
  index: ReturnType<typeof indexGraph>,
  build: { resolutionKey: string; snapshot: string; current: CurrentFiles; changed: boolean },
): GraphCacheId | undefined {
  const { resolutionKey, snapshot, current } = build;
  if (!build.changed) return { resolutionKey, snapshot, generation: cache.generation };
  // Files that vanished between listing and reading are not in the graph, so not in its key either.
  const written =
    files.size === current.files.length
      ? snapshot
      : snapshotKey(
          resolutionKey,
          keep(current, (file) => files.has(file)),
        );
  const generation = saveGraphCache(
    root,
    { version: cache.version, resolutionKey, snapshot: written, files },
    index,
  );
  return generation === undefined ? undefined : { resolutionKey, snapshot: written, generation };
}

/** The parsers, the resolver and picomatch: native or large modules, loaded on first use only. */
class LazyTools {
  #parser: Parse | undefined;
  #lexer: Promise<(fileName: string, source: string) => ParsedModule | undefined> | undefined;
  #resolver: ReturnType<typeof createResolver> | undefined;
  #globs: typeof picomatch | undefined;
  #fileSet: Set<string> | undefined;

  /** A listed file's absolute path: listed paths are clean, so under a clean root concatenation is join(). */
  readonly #absolute: (file: string) => string;

  constructor(private readonly options: BuildGraphOptions) {
    const { root } = options;
    this.#absolute = isCleanRoot(root) ? (file) => `${root}/${file}` : (file) => join(root, file);
  }

  get fileSet(): Set<string> {
    this.#fileSet ??= new Set(this.options.files);
    return this.#fileSet;
  }

  async parser(): Promise<Parse> {
    this.#parser ??= (await import('./parse-imports.ts')).parseImports;
    return this.#parser;
  }

  lexer(): Promise<(fileName: string, source: string) => ParsedModule | undefined> {
    this.#lexer ??= import('./scan-imports.ts').then(async (module) => {
      await module.lexerReady();
      return module.scanImports;
    });
    return this.#lexer;
  }

  async resolver(): Promise<ReturnType<typeof createResolver>> {
    const { root, aliases, conditions } = this.options;
    this.#resolver ??= (await import('./resolve.ts')).createResolver({
      root,
      files: this.fileSet,
      ...(aliases ? { aliases } : {}),
      ...(conditions ? { conditions } : {}),
    });
    return this.#resolver;
  }

  async globs(): Promise<typeof picomatch> {
    this.#globs ??= (await import('picomatch')).default;
    return this.#globs;
  }

  /** A file's imports resolved to files of the repository (globs expanded over the listed files). */
  async resolveImports(file: string, entry: CachedFile): Promise<ReturnType<typeof resolveImports>> {
    const globs = entry.parsed.imports.some((spec) => spec.kind === 'glob') ? await this.globs() : undefined;
    const from = this.#absolute(file);
    return resolveImports(this.options.root, file, from, entry, await this.resolver(), this.fileSet, globs);
  }
}

/**
 * The cached graph a tree stamp names, for a tree the stamp vouches is unchanged: no file list, blob ids
 * or keys to compute. Undefined when the cache is another write, or a file to validate was never checked.
 */
export function stampedGraph(
  root: string,
  id: GraphCacheId,
  validate: readonly string[],
): ModuleGraph | undefined {
  const started = now();
  const cache = loadGraphCache(root);
  if (
    cache.generation !== id.generation ||
    cache.resolutionKey !== id.resolutionKey ||
    cache.snapshot !== id.snapshot
  )
    return undefined;
  const stored = cache.graph();
  // A changed code file the full parser has not read may not parse: the long way checks it.
  if (!stored || validate.some((file) => CODE_FILE.test(file) && !stored.checked(file))) return undefined;
  return fromCache(root, stored, cache, started);
}

function fromCache(root: string, stored: StoredGraph, cache: GraphCache, started: number): ModuleGraph {
  return {
    root,
    ...stored,
    stats: {
      files: stored.files.length,
      parsed: 0,
      cached: stored.files.length,
      ms: Math.round(now() - started),
    },
    cacheId: { resolutionKey: cache.resolutionKey, snapshot: cache.snapshot, generation: cache.generation },
  };
}

/** The code files as they are now, in order, with their blob ids; stat and bytes of those that were read. */
interface CurrentFiles {
  files: string[];
  blobs: string[];
  read: Map<string, { stat: { mtimeMs: number; size: number }; text?: string }>;
}

const UNREAD: { stat: { mtimeMs: number; size: number }; text?: string } = {
  stat: { mtimeMs: 0, size: 0 },
};

/**
 * Git vouches for most files' content; the others (modified, untracked, symlinks) are known by an
 * unchanged stat since the cache was written, or else by reading them. Files gone from disk are left out.
 */
function currentFiles(
  root: string,
  codeFiles: readonly string[],
  blobIds: ReadonlyMap<string, string>,
  cache: GraphCache,
): CurrentFiles {
  const out: CurrentFiles = { files: [], blobs: [], read: new Map() };
  for (const file of codeFiles) {
    const blob = blobIds.get(file);
    if (blob !== undefined) {
      out.files.push(file);
      out.blobs.push(blob);
      continue;
    }
    // Listed paths are clean: concatenation is join() without its cost.
    const absolute = `${root}/${file}`;
    const info = statSync(absolute, { throwIfNoEntry: false });
    if (!info?.isFile()) continue; // listed by git but deleted in the working tree
    const stat = { mtimeMs: info.mtimeMs, size: info.size };
    const entry = cache.entry(file);
    if (entry && entry.mtimeMs === stat.mtimeMs && entry.size === stat.size && entry.mtimeMs !== 0) {
      out.files.push(file);
      out.blobs.push(entry.blob);
      out.read.set(file, { stat });
      continue;
    }
    const read = readSource(absolute, true);
    if (read === undefined) continue;
    out.files.push(file);
    out.blobs.push(read.blob!);
    out.read.set(file, { stat, text: read.text });
  }
  return out;
}

function goneFiles(listed: readonly string[], present: readonly string[]): Set<string> {
  const here = new Set(present);
  return new Set(listed.filter((file) => !here.has(file)));
}

function keep(current: CurrentFiles, wanted: (file: string) => boolean): CurrentFiles {
  const out: CurrentFiles = { files: [], blobs: [], read: current.read };
  current.files.forEach((file, i) => {
    if (!wanted(file)) return;
    out.files.push(file);
    out.blobs.push(current.blobs[i]!);
  });
  return out;
}

/** One key for the whole graph: the resolution inputs and every code file's name and content. */
function snapshotKey(resolutionKey: string, current: CurrentFiles): string {
  const hash = createHash('sha1').update(resolutionKey);
  hash.update(current.files.join('\0'));
  hash.update(current.blobs.join('\0'));
  return hash.digest('base64');
}

/** A cache entry with some fields replaced (entries read from the cache are not plain objects). */
function copy(entry: CachedFile, patch: Partial<CachedFile>): CachedFile {
  const base: CachedFile = {
    blob: entry.blob,
    mtimeMs: entry.mtimeMs,
    size: entry.size,
    parsed: entry.parsed,
    checked: entry.checked,
    ...(entry.unresolved === undefined ? {} : { edges: entry.edges!, unresolved: entry.unresolved }),
  };
  return { ...base, ...patch };
}

/** An absolute POSIX root that join() would leave as it is, with no trailing separator. */
function isCleanRoot(root: string): boolean {
  return (
    sep === '/' &&
    root !== '/' &&
    posix.isAbsolute(root) &&
    posix.normalize(root) === root &&
    !root.endsWith('/')
  );
}

function resolveImports(
  root: string,
  file: string,
  from: string,
  entry: CachedFile,
  resolver: ReturnType<typeof createResolver>,
  fileSet: ReadonlySet<string>,
  globs: typeof picomatch | undefined,
): { edges: ResolvedEdge[]; unresolved: string[] } {
  const edges: ResolvedEdge[] = [];
  const unresolved: string[] = [];
  const dir = posix.dirname(file);
  for (const spec of entry.parsed.imports) {
    if (spec.kind === 'glob') {
      // import.meta.glob('/src/*.ts') is relative to the root, './x/*.ts' to the importing file.
      const raw = spec.pattern ?? spec.specifier;
      const pattern = raw.startsWith('/') ? raw.slice(1) : posix.normalize(posix.join(dir, raw));
      const matches = globs!(pattern, { dot: true });
      for (const candidate of fileSet) if (matches(candidate)) edges.push({ to: candidate, kind: 'glob' });
      continue;
    }
    const target = resolver.resolve(from, spec.specifier);
    if (target === 'external') continue;
    if (target === undefined) {
      const folder = folderReference(dir, spec.specifier);
      if (folder === 'external') continue;
      if (folder !== undefined) {
        // `new URL('../fixtures/', import.meta.url)`: the module reads files of that folder by path.
        const prefix = folder === '' ? '' : `${folder}/`;
        let found = false;
        for (const candidate of fileSet) {
          if (!candidate.startsWith(prefix) || candidate === file) continue;
          edges.push({ to: candidate, kind: 'glob' });
          found = true;
        }
        if (found) continue;
      }
      // The resolver calls a bare name 'external' when a package declares or installs it, so anything
      // left is local: a deleted file, a broken alias, a typo.
      unresolved.push(spec.specifier);
      continue;
    }
    const inside = target.slice(root.length + 1);
    const relative = sep === '/' ? inside : inside.split('\\').join('/');
    if (relative !== file) edges.push({ to: relative, kind: spec.kind });
  }
  return { edges, unresolved };
}

/**
 * The repository folder a relative specifier names (`../fixtures/`, `./data`), 'external' for one
 * inside node_modules, undefined for anything else.
 */
function folderReference(dir: string, specifier: string): string | 'external' | undefined {
  if (!/^\.\.?(?:\/|$)/.test(specifier)) return undefined;
  const path = posix.normalize(posix.join(dir, specifier)).replace(/\/+$/, '');
  if (path === '..' || path.startsWith('../')) return undefined;
  if (/(?:^|\/)node_modules(?:\/|$)/.test(path)) return 'external';
  return path === '.' ? '' : path;
}

function resolutionKeyOf(
  root: string,
  options: BuildGraphOptions,
  blobIds: ReadonlyMap<string, string>,
): string {
  const hash = createHash('sha1');
  hash.update(JSON.stringify([options.aliases ?? [], options.conditions ?? []]));
  // One update for the whole list: a call per file costs more than the hashing.
  hash.update(options.files.join('\0'));
  for (const file of options.files) {
    if (!RESOLUTION_INPUT.test(file) || file.includes('node_modules/')) continue;
    hash.update(`\0${file}\0`);
    const blob = blobIds.get(file);
    if (blob !== undefined) hash.update(blob);
    else {
      try {
        hash.update(readFileSync(join(root, file)));
      } catch {
        hash.update('missing');
      }
    }
  }
  return hash.digest('base64');
}
