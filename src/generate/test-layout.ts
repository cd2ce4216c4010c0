import { posix } from 'node:path';
import { type Project, projectOf } from '../select/projects.ts';
import type { GenerateTarget } from './types.ts';

// Where a repository keeps its tests, read from the tests it has: beside the sources, or in a tests
// folder (`test/`, `__tests__/`, …) whose subfolders mirror the source folders (`src/a/b.ts` →
// `test/a/b.test.ts`).

const STEM = /^(.*?)(?:[.\-_](?:test|spec)s?)?\.[cm]?[jt]sx?$/i;
const TEST_ROOTS = new Set(['test', 'tests', '__tests__', 'spec', 'specs']);
const SOURCE_ROOTS = new Set(['src', 'lib', 'source', 'sources']);

/** `sum` for `sum.ts`, `sum.test.ts` and `sum.spec.js`. */
export function stemOf(file: string): string | undefined {
  return STEM.exec(posix.basename(file))?.[1];
}

/** True when `test` is named after `source` (`sum.test.ts` for `sum.ts`). */
export function testsByName(source: string, test: string): boolean {
  return stemOf(test) === stemOf(source);
}

/**
 * The test of this source by name (`sum.test.ts` for `sum.ts`), else the one fewest folders away, a
 * tests folder counting as the source folder it mirrors (`test/generate/` is next to
 * `src/generate/driver/`, `test/ci/` two folders from it).
 */
export function nearestTest(source: string, tests: readonly string[]): string | undefined {
  return nearestTests(source, tests)[0];
}

/** Every test tied for nearest (see nearestTest; by folders alone when `byName` is false), in path order. */
export function nearestTests(source: string, tests: readonly string[], byName = true): string[] {
  const dir = segments(source);
  let best: string[] = [];
  let bestScore = Number.POSITIVE_INFINITY;
  for (const test of tests) {
    const generated = test.includes('.generated.') ? 500 : 0;
    const score =
      (byName && testsByName(source, test) ? 0 : 1000) + generated + distance(dir, segments(test));
    if (score < bestScore) {
      best = [test];
      bestScore = score;
    } else if (score === bestScore) best.push(test);
  }
  return best.sort();
}

/**
 * The folder of the tests folder that mirrors `source`'s folder, when `nearest` lives in such a tests
 * folder on that mirrored path (`test/` or `test/generate/` for `src/generate/driver/child.ts` →
 * `test/generate/driver`); undefined when the tests sit beside the sources.
 */
export function mirrorDir(source: string, nearest: string): string | undefined {
  const split = splitAtCommonPrefix(segments(source), segments(nearest));
  const [testRoot, ...testRest] = split.test;
  if (testRoot === undefined || !TEST_ROOTS.has(testRoot)) return undefined;
  const mirrored = withoutSourceRoot(split.source);
  if (testRest.some((part, i) => mirrored[i] !== part)) return undefined;
  return [...split.common, testRoot, ...mirrored].join('/');
}

/**
 * The mirror folders (see mirrorDir) of these targets that their package's runner would find a new
 * test in, asked of the runner's own discovery with a probe file added to the package's files: a
 * folder its include patterns miss is never proposed.
 */
export async function discoverableMirrors(
  projects: readonly Project[],
  targets: readonly GenerateTarget[],
): Promise<Set<string>> {
  const probes = new Map<Project, Map<string, string>>();
  for (const target of targets) {
    const project = projectOf(projects, target.file);
    // As testPlace falls back to: by folders alone, a same-named test being no evidence.
    const nearest = nearestTests(target.file, project.discovery?.tests ?? [], false)[0];
    if (!project.runner || nearest === undefined) continue;
    const dir = mirrorDir(target.file, nearest);
    if (dir === undefined || dir === posix.dirname(nearest)) continue;
    const ext = nearest.match(/\.([cm]?[jt]sx?)$/i)?.[1] ?? 'js';
    const kind = /[.\-_]spec\.[cm]?[jt]sx?$/i.test(nearest) ? 'spec' : 'test';
    const byProject = probes.get(project) ?? new Map<string, string>();
    byProject.set(`${dir}/${stemOf(target.file)}.generated.${kind}.${ext}`, dir);
    probes.set(project, byProject);
  }
  const found = new Set<string>();
  for (const [project, byPath] of probes) {
    const files = [...project.info.files, ...byPath.keys()];
    const discovery = await project.runner!.discover({ ...project.info, files });
    for (const test of discovery.tests) {
      const dir = byPath.get(test);
      if (dir !== undefined) found.add(dir);
    }
  }
  return found;
}

function segments(file: string): string[] {
  const dir = posix.dirname(file);
  return dir === '.' ? [] : dir.split('/');
}

function splitAtCommonPrefix(source: string[], test: string[]) {
  let shared = 0;
  while (shared < source.length && shared < test.length && source[shared] === test[shared]) shared++;
  return { common: source.slice(0, shared), source: source.slice(shared), test: test.slice(shared) };
}

function withoutSourceRoot(parts: string[]): string[] {
  return parts.length > 0 && SOURCE_ROOTS.has(parts[0]!) ? parts.slice(1) : parts;
}

/** Folders between a source's folder and a test's, a tests folder standing for the sources it mirrors. */
function distance(source: string[], test: string[]): number {
  const split = splitAtCommonPrefix(source, test);
  const raw = split.source.length + split.test.length;
  const [testRoot, ...testRest] = split.test;
  if (testRoot === undefined || !TEST_ROOTS.has(testRoot)) return raw;
  const mirrored = splitAtCommonPrefix(withoutSourceRoot(split.source), testRest);
  return Math.min(raw, mirrored.source.length + mirrored.test.length);
}
