import { readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parseSync } from 'oxc-parser';
import { parseImports } from '../graph/parse-imports.ts';
import type { ImportKind, ModuleResolver } from '../graph/types.ts';

// The module graph's edges out of one file at a time (parsed and resolved as src/graph does), read on
// demand and once per run: choosing an example test and a place for a new one looks at a few files'
// imports, never at the whole repository's.

/** Edges along which a test runs the module at the other end (a type import or a mock does not). */
const RUNS: ReadonlySet<ImportKind> = new Set(['static', 'dynamic', 'require']);

export interface ImportReader {
  /** Whether the file's text names `word` at all (a cheap filter before parsing). */
  mentions(file: string, word: string): boolean;
  /** Repository files the file imports, any kind. */
  of(file: string): Set<string>;
  /** Repository files the file imports for use at run time. */
  runs(file: string): Set<string>;
  /** Repository files the file re-exports from (`export … from`, `export * from`). */
  reexports(file: string): Set<string>;
}

const readers = new WeakMap<ModuleResolver, Map<string, ImportReader>>();

/** One reader per resolver and root: a run makes one resolver, so its targets share what was read. */
export function importReader(root: string, resolver: ModuleResolver): ImportReader {
  const byRoot = readers.get(resolver) ?? new Map<string, ImportReader>();
  readers.set(resolver, byRoot);
  let reader = byRoot.get(root);
  if (reader === undefined) {
    reader = createReader(root, resolver);
    byRoot.set(root, reader);
  }
  return reader;
}

function createReader(root: string, resolver: ModuleResolver): ImportReader {
  const texts = new Map<string, string | undefined>();
  const edges = new Map<string, { all: Set<string>; runs: Set<string> }>();
  const reexported = new Map<string, Set<string>>();
  const text = (file: string): string | undefined => {
    if (!texts.has(file)) {
      try {
        texts.set(file, readFileSync(join(root, file), 'utf8'));
      } catch {
        texts.set(file, undefined);
      }
    }
    return texts.get(file);
  };
  const resolve = (from: string, specifier: string): string | undefined => {
    const hit = resolver.resolve(join(root, from), specifier);
    if (hit === undefined || hit === 'external') return undefined;
    const rel = relative(root, hit).split(sep).join('/');
    return rel.startsWith('..') || rel.includes('node_modules/') ? undefined : rel;
  };
  const edgesOf = (file: string) => {
    let found = edges.get(file);
    if (found) return found;
    found = { all: new Set<string>(), runs: new Set<string>() };
    edges.set(file, found);
    const code = text(file);
    if (code === undefined) return found;
    for (const { specifier, kind } of parseImports(file, code).imports) {
      const to = resolve(file, specifier);
      if (to === undefined) continue;
      found.all.add(to);
      if (RUNS.has(kind)) found.runs.add(to);
    }
    return found;
  };
  return {
    mentions: (file, word) => text(file)?.includes(word) ?? false,
    of: (file) => edgesOf(file).all,
    runs: (file) => edgesOf(file).runs,
    reexports(file) {
      let found = reexported.get(file);
      if (found) return found;
      found = new Set<string>();
      reexported.set(file, found);
      const code = text(file);
      if (code === undefined || !/\bexport\b/.test(code)) return found;
      let exports: { entries: { moduleRequest?: { value: string } | null; isType: boolean }[] }[];
      try {
        exports = parseSync(file, code).module.staticExports;
      } catch {
        return found;
      }
      for (const exp of exports) {
        const specifier = exp.entries.find((e) => !e.isType)?.moduleRequest?.value;
        const to = specifier === undefined ? undefined : resolve(file, specifier);
        if (to !== undefined) found.add(to);
      }
      return found;
    },
  };
}
