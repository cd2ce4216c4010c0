import { posix } from 'node:path';
import type { ImportReader } from './import-reader.ts';
import { mirrorDir, nearestTests, testsByName } from './test-layout.ts';

// Which existing test is a source's own, and where the tests of its folder live, read from what the tests
// import rather than from their names: react-hook-form's `useFieldArray/remove.test.tsx` shares a name
// with `utils/remove.ts` but tests another `remove`.

/** Modules a test's import may pass through to reach the source (index files re-exporting it). */
const MAX_REEXPORT_HOPS = 2;

/**
 * Hops from `test` to `source` in the module graph: 1 when the test imports it, 2 or 3 when it imports a
 * module that re-exports it (a package's `src/index.ts`); undefined when it does not reach it that way.
 */
function importDistance(reader: ImportReader, test: string, source: string): number | undefined {
  let frontier = [...reader.runs(test)];
  const seen = new Set(frontier);
  for (let hops = 1; hops <= MAX_REEXPORT_HOPS + 1; hops++) {
    if (frontier.includes(source)) return hops;
    const next: string[] = [];
    for (const file of frontier)
      for (const to of reader.reexports(file))
        if (!seen.has(to)) {
          seen.add(to);
          next.push(to);
        }
    frontier = next;
  }
  return undefined;
}

/**
 * The tests that import `source` (directly or through re-exports), nearest in the graph first, then
 * fewest folders away, then by name (`remove.test.ts` for `remove.ts` before `append.test.ts`).
 */
export function testsImporting(
  reader: ImportReader,
  source: string,
  tests: readonly string[],
): { test: string; distance: number }[] {
  const found: { test: string; distance: number; folder: number; named: boolean }[] = [];
  for (const test of tests) {
    if (test.includes('.generated.')) continue;
    const distance = importDistance(reader, test, source);
    if (distance !== undefined) found.push({ test, distance, folder: 0, named: testsByName(source, test) });
  }
  const order = folderOrder(
    source,
    found.map(({ test }) => test),
  );
  for (const entry of found) entry.folder = order.get(entry.test)!;
  found.sort(
    (a, b) =>
      a.distance - b.distance ||
      a.folder - b.folder ||
      Number(b.named) - Number(a.named) ||
      (a.test < b.test ? -1 : 1),
  );
  return found.map(({ test, distance }) => ({ test, distance }));
}

/**
 * A test in the folder where the tests of `source`'s folder live: among the folders holding tests that
 * import a module of that folder, the fewest folders away (see nearestTests), then the one holding the
 * most such tests; in it the first such test by path. Undefined when no test imports anything there.
 */
function layoutTest(reader: ImportReader, source: string, tests: readonly string[]): string | undefined {
  const dir = posix.dirname(source);
  const isTest = new Set(tests);
  const byFolder = new Map<string, string[]>();
  for (const test of [...tests].sort()) {
    if (test.includes('.generated.')) continue;
    const importsFolder = [...reader.runs(test)].some(
      (file) => posix.dirname(file) === dir && !isTest.has(file),
    );
    if (!importsFolder) continue;
    const folder = posix.dirname(test);
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), test]);
  }
  const firsts = [...byFolder.values()].map((list) => list[0]!);
  const nearest = nearestTests(source, firsts, false).map((first) => byFolder.get(posix.dirname(first))!);
  nearest.sort((a, b) => b.length - a.length || (a[0]! < b[0]! ? -1 : 1));
  return nearest[0]?.[0];
}

/** Each test's rank by folder distance from `source` (name ignored; see nearestTests). */
function folderOrder(source: string, tests: readonly string[]): Map<string, number> {
  const order = new Map<string, number>();
  let rank = 0;
  let rest = [...tests];
  while (rest.length > 0) {
    const nearest = new Set(nearestTests(source, rest, false));
    for (const test of nearest) order.set(test, rank);
    rest = rest.filter((test) => !nearest.has(test));
    rank++;
  }
  return order;
}

export interface TestPlace {
  /** The existing test the new one sits beside and whose suffix and extension it takes. */
  nearest: string | undefined;
  /** A mirror folder to put it in instead (see mirrorDir), when the runner is known to find tests there. */
  dir?: string;
}

/**
 * Where a new test of `source` goes: beside the test that imports it directly; else where the tests of
 * its folder live (see layoutTest); else beside a test that reaches it through re-exports; else, when no
 * test imports anything of its folder, beside a same-named test whose imports the graph cannot follow;
 * else by folders alone (a same-named test importing other modules tests another module), in the mirror
 * folder when the runner finds tests there (`mirrors`, see discoverableMirrors).
 */
export function testPlace(
  reader: ImportReader,
  source: string,
  tests: readonly string[],
  mirrors?: ReadonlySet<string>,
): TestPlace {
  const own = testsImporting(reader, source, tests)[0];
  if (own?.distance === 1) return { nearest: own.test };
  const layout = layoutTest(reader, source, tests);
  if (layout !== undefined) return { nearest: layout };
  if (own !== undefined) return { nearest: own.test };
  // A same-named test whose imports show no repository module (it imports the package by a name the
  // graph cannot follow) may still be the source's test: there the name is the only evidence.
  const opaque = tests.filter((test) => testsByName(source, test) && reader.runs(test).size === 0);
  const named = nearestTests(source, opaque)[0];
  if (named !== undefined) return { nearest: named };
  const nearest = nearestTests(source, tests, false)[0];
  const mirror = nearest === undefined ? undefined : mirrorDir(source, nearest);
  return mirror !== undefined && mirrors?.has(mirror) ? { nearest, dir: mirror } : { nearest };
}
