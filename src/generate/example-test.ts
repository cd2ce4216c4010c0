import { readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parseImports } from '../graph/parse-imports.ts';
import type { ModuleResolver } from '../graph/types.ts';
import { nearestTest, nearestTests, stemOf, testsByName } from './test-layout.ts';

// The example test a prompt shows: the nearest one in the module graph or by name, never whichever test
// happens to sort first in a folder.

const TYPE_TEST = /[.\-_](?:test|spec)-d\.[cm]?[jt]sx?$/i;

export interface ExampleInput {
  root: string;
  /** Repository-relative source under test. */
  source: string;
  /** The package's tests, repository-relative. */
  tests: readonly string[];
  resolver: ModuleResolver;
}

/**
 * The test of this source by name; else the nearest test that imports the source itself; else, among
 * the tests fewest folders away, the one whose imports (its own and those of the modules it imports)
 * share the most modules with the source's, a module weighing less the more of them reach it, then the
 * one whose name starts most like the source's; else the nearest test (see nearestTest).
 */
export function exampleTest(input: ExampleInput): string | undefined {
  const { source } = input;
  // A type test (`x.test-d.ts`: expectTypeOf, never run) shows the wrong kind of test to imitate.
  const runtime = input.tests.filter((test) => !TYPE_TEST.test(test));
  const tests = runtime.length > 0 ? runtime : input.tests;
  const nearest = nearestTest(source, tests);
  if (nearest === undefined || testsByName(source, nearest)) return nearest;
  const imports = importsReader(input);
  const stem = stemOf(source) ?? '';
  const own = tests.filter((test) => !test.includes('.generated.') && imports.mentions(test, stem));
  const importers = own.filter((test) => imports.of(test).has(source));
  if (importers.length > 0) return nearestTest(source, importers);
  const wanted = imports.of(source);
  const candidates = nearestTests(source, tests).map((test) => {
    const reach = new Set(imports.of(test));
    for (const file of imports.of(test)) for (const next of imports.of(file)) reach.add(next);
    return { test, reach };
  });
  // A module every test reaches (the library's core helper) says little; one few reach says much.
  const reachedBy = new Map<string, number>();
  for (const { reach } of candidates)
    for (const file of reach) if (wanted.has(file)) reachedBy.set(file, (reachedBy.get(file) ?? 0) + 1);
  const ranked = candidates.map(({ test, reach }) => {
    let shared = 0;
    for (const file of wanted) if (reach.has(file)) shared += 1 / reachedBy.get(file)!;
    return { test, shared, name: commonPrefix(stemOf(test) ?? '', stem) };
  });
  ranked.sort((a, b) => b.shared - a.shared || b.name - a.name || (a.test < b.test ? -1 : 1));
  return ranked[0]?.test ?? nearest;
}

/** Length of the common start of two names (`splitAt`, `splitWhen` → 5): related functions share it. */
function commonPrefix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/** Repository files a file imports (resolved as the module graph does), read once each. */
function importsReader(input: ExampleInput) {
  const texts = new Map<string, string | undefined>();
  const resolved = new Map<string, Set<string>>();
  const text = (file: string): string | undefined => {
    if (!texts.has(file)) {
      try {
        texts.set(file, readFileSync(join(input.root, file), 'utf8'));
      } catch {
        texts.set(file, undefined);
      }
    }
    return texts.get(file);
  };
  return {
    /** Whether the file's text names `word` at all (a cheap filter before parsing). */
    mentions: (file: string, word: string): boolean => text(file)?.includes(word) ?? false,
    of(file: string): Set<string> {
      let found = resolved.get(file);
      if (found) return found;
      found = new Set<string>();
      resolved.set(file, found);
      const code = text(file);
      if (code === undefined) return found;
      for (const { specifier } of parseImports(file, code).imports) {
        const hit = input.resolver.resolve(join(input.root, file), specifier);
        if (hit === undefined || hit === 'external') continue;
        const rel = relative(input.root, hit).split(sep).join('/');
        if (!rel.startsWith('..') && !rel.includes('node_modules/')) found.add(rel);
      }
      return found;
    },
  };
}
