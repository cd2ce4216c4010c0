import type { ModuleResolver } from '../graph/types.ts';
import { importReader } from './import-reader.ts';
import { nearestTests, stemOf } from './test-layout.ts';
import { testsImporting } from './test-of-source.ts';

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
 * The source's own test: the one that imports it, nearest in the graph, then fewest folders away, then by
 * name (see testsImporting). Else, among the tests fewest folders away, the one whose imports (its own and
 * those of the modules it imports) share the most modules with the source's, a module weighing less the
 * more of them reach it, then the one whose name starts most like the source's. A test that only shares
 * the source's name is not its test: it tests another module of that name.
 */
export function exampleTest(input: ExampleInput): string | undefined {
  const { source } = input;
  // A type test (`x.test-d.ts`: expectTypeOf, never run) shows the wrong kind of test to imitate.
  const runtime = input.tests.filter((test) => !TYPE_TEST.test(test));
  const tests = runtime.length > 0 ? runtime : input.tests;
  const imports = importReader(input.root, input.resolver);
  const own = testsImporting(imports, source, tests)[0];
  if (own !== undefined) return own.test;
  const stem = stemOf(source) ?? '';
  const wanted = imports.of(source);
  const candidates = nearestTests(source, tests, false).map((test) => {
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
  return ranked[0]?.test;
}

/** Length of the common start of two names (`splitAt`, `splitWhen` → 5): related functions share it. */
function commonPrefix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}
