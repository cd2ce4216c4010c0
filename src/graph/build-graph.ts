import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import picomatch from 'picomatch';
import { type CachedFile, emptyCache, loadGraphCache, saveGraphCache } from './cache.ts';
import { parseImports } from './parse-imports.ts';
import { createResolver } from './resolve.ts';
import { lexerReady, scanImports } from './scan-imports.ts';
import type { Alias, ImportKind, ModuleGraph, ResolvedEdge } from './types.ts';

export const CODE_FILE = /\.(?:[cm]?[jt]sx?|vue|svelte)$/;
/** Files whose content steers how every specifier resolves. */
const RESOLUTION_INPUT =
  /(?:^|\/)(?:tsconfig[^/]*\.json|jsconfig\.json|package\.json|pnpm-workspace\.yaml|lerna\.json)$/;

export interface BuildGraphOptions {
  root: string;
  /** Every file of the repository, relative to root (git ls-files). */
  files: readonly string[];
  aliases?: Alias[];
  conditions?: string[];
  cache?: boolean;
}

/**
 * Parses every code file (or takes it from the cache when its content is unchanged), resolves its
 * imports to repository files, and indexes the reverse edges for walking from a change to its tests.
 */
export async function buildGraph(options: BuildGraphOptions): Promise<ModuleGraph> {
  const started = performance.now();
  await lexerReady();
  const { root } = options;
  const useCache = options.cache !== false;
  const cache = useCache ? loadGraphCache(root) : emptyCache();
  const codeFiles = options.files.filter((f) => CODE_FILE.test(f) && !f.includes('node_modules/'));
  const resolutionKey = resolutionKeyOf(root, options);
  const resolutionValid = cache.resolutionKey === resolutionKey;
  const fileSet = new Set(options.files);
  let resolver: ReturnType<typeof createResolver> | undefined;
  const nextFiles = new Map<string, CachedFile>();
  let parsedCount = 0;
  let changed = !resolutionValid;

  const edges = new Map<string, ResolvedEdge[]>();
  const unresolved = new Map<string, string[]>();
  const parseErrors = new Map<string, string>();
  const opaque = new Set<string>();

  for (const file of codeFiles) {
    const absolute = join(root, file);
    let stat: { mtimeMs: number; size: number };
    try {
      stat = statSync(absolute);
    } catch {
      continue; // listed by git but deleted in the working tree
    }
    let entry = cache.files.get(file);
    if (!entry || entry.mtimeMs !== stat.mtimeMs || entry.size !== stat.size) {
      const source = readFileSync(absolute, 'utf8');
      const hash = createHash('sha1').update(source).digest('base64');
      if (entry && entry.hash === hash) entry = { ...entry, mtimeMs: stat.mtimeMs, size: stat.size };
      else {
        const parsed = scanImports(file, source) ?? parseImports(file, source);
        entry = { mtimeMs: stat.mtimeMs, size: stat.size, hash, parsed };
        parsedCount++;
      }
      changed = true;
    }
    if (!resolutionValid || entry.edges === undefined) {
      resolver ??= createResolver({
        root,
        ...(options.aliases ? { aliases: options.aliases } : {}),
        ...(options.conditions ? { conditions: options.conditions } : {}),
      });
      const resolved = resolveImports(root, file, entry, resolver, fileSet);
      entry = { ...entry, edges: resolved.edges, unresolved: resolved.unresolved };
      changed = true;
    }
    nextFiles.set(file, entry);
    edges.set(file, entry.edges!);
    if (entry.unresolved!.length > 0) unresolved.set(file, entry.unresolved!);
    if (entry.parsed.parseError !== undefined) parseErrors.set(file, entry.parsed.parseError);
    if (entry.parsed.opaqueDynamicImport) opaque.add(file);
  }
  if (nextFiles.size !== cache.files.size) changed = true;
  if (useCache && changed) saveGraphCache(root, { version: cache.version, resolutionKey, files: nextFiles });

  const importers = new Map<string, { from: string; kind: ImportKind }[]>();
  for (const [from, list] of edges) {
    for (const edge of list) {
      const entry = importers.get(edge.to);
      if (entry) entry.push({ from, kind: edge.kind });
      else importers.set(edge.to, [{ from, kind: edge.kind }]);
    }
  }
  return {
    root,
    files: [...nextFiles.keys()],
    edges,
    importers,
    parseErrors,
    opaque,
    unresolved,
    stats: {
      files: nextFiles.size,
      parsed: parsedCount,
      cached: nextFiles.size - parsedCount,
      ms: Math.round(performance.now() - started),
    },
  };
}

function resolveImports(
  root: string,
  file: string,
  entry: CachedFile,
  resolver: ReturnType<typeof createResolver>,
  fileSet: ReadonlySet<string>,
): { edges: ResolvedEdge[]; unresolved: string[] } {
  const edges: ResolvedEdge[] = [];
  const unresolved: string[] = [];
  const from = join(root, file);
  const dir = posix.dirname(file);
  for (const spec of entry.parsed.imports) {
    if (spec.kind === 'glob') {
      // import.meta.glob('/src/*.ts') is relative to the root, './x/*.ts' to the importing file.
      const raw = spec.pattern ?? spec.specifier;
      const pattern = raw.startsWith('/') ? raw.slice(1) : posix.normalize(posix.join(dir, raw));
      const matches = picomatch(pattern, { dot: true });
      for (const candidate of fileSet) if (matches(candidate)) edges.push({ to: candidate, kind: 'glob' });
      continue;
    }
    const target = resolver.resolve(from, spec.specifier);
    if (target === 'external') continue;
    if (target === undefined) {
      // The resolver calls a bare name 'external' when a package declares or installs it, so anything
      // left is local: a deleted file, a broken alias, a typo.
      unresolved.push(spec.specifier);
      continue;
    }
    const relative = target
      .slice(root.length + 1)
      .split('\\')
      .join('/');
    if (relative !== file) edges.push({ to: relative, kind: spec.kind });
  }
  return { edges, unresolved };
}

function resolutionKeyOf(root: string, options: BuildGraphOptions): string {
  const hash = createHash('sha1');
  hash.update(JSON.stringify([options.aliases ?? [], options.conditions ?? []]));
  for (const file of options.files) {
    hash.update(file);
    hash.update('\0');
    if (RESOLUTION_INPUT.test(file) && !file.includes('node_modules/')) {
      try {
        hash.update(readFileSync(join(root, file)));
      } catch {
        hash.update('missing');
      }
    }
  }
  return hash.digest('base64');
}
