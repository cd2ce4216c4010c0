// The safety lists are matched by a hand-made regular expression instead of picomatch (see safety.ts):
// it must agree with picomatch `{ dot: true }` on every path, matching or not.
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { globsToRegExp, INERT, isInert, isOpaqueToGraph, OPAQUE_TO_GRAPH } from '../../src/select/safety.ts';

const FILLERS = {
  doubleStar: ['', 'a', 'a/b', '.hidden/x', 'docs', 'src/.github'],
  star: ['', 'x', '.y', 'a.b', 'A-1'],
};

/** Paths a glob should match, and near misses: other case, extra prefix or suffix, a folder less. */
function candidates(glob: string): string[] {
  const out = new Set<string>();
  for (const deep of FILLERS.doubleStar) {
    for (const word of FILLERS.star) {
      const path = glob
        .split('/')
        .map((segment) => (segment === '**' ? deep : segment.replaceAll('*', word)))
        .filter((segment) => segment !== '')
        .join('/');
      if (path === '') continue;
      out.add(path);
      out.add(`${path}x`);
      out.add(`x${path}`);
      out.add(`${path}/child.ts`);
      out.add(`pkg/${path}`);
      out.add(path.toUpperCase());
      out.add(path.replace(/^[^/]*\//, ''));
      out.add(path.replaceAll('.', '-'));
    }
  }
  return [...out];
}

const REALISTIC = [
  'package.json',
  'packages/a/package.json',
  'package.json5',
  'src/package.json.ts',
  'tsconfig.json',
  'tsconfig.build.json',
  'packages/a/tsconfig.base.json',
  'src/tsconfig.ts',
  '.env',
  '.env.local',
  'apps/web/.env.production',
  '.envrc',
  'src/env.ts',
  'README.md',
  'docs/guide/intro.mdx',
  'packages/a/docs/api.ts',
  'src/docs.ts',
  '.github/workflows/ci.yml',
  'packages/a/.github/x.yml',
  'LICENSE',
  'LICENSE-MIT',
  'src/license.ts',
  'node_modules/.cache/testloop/graph.bin',
  'packages/a/node_modules/.cache/x',
  'node_modules/pkg/index.js',
  '.testloop/history.db-journal',
  'vitest.config.ts',
  'packages/a/vitest.config.mts',
  'vitest.configs/a.ts',
  'src/index.ts',
  'test/a.test.ts',
];

describe('globsToRegExp', () => {
  for (const [name, list, matches] of [
    ['OPAQUE_TO_GRAPH', OPAQUE_TO_GRAPH, isOpaqueToGraph],
    ['INERT', INERT, isInert],
  ] as const) {
    it(`matches what picomatch matches for ${name}`, () => {
      const expected = picomatch([...list], { dot: true });
      const paths = [...new Set([...REALISTIC, ...list.flatMap(candidates)])];
      const disagreements = paths.filter((path) => matches(path) !== expected(path));
      expect(disagreements).toEqual([]);
      // Both outcomes occur, so the comparison cannot pass by matching everything or nothing.
      expect(paths.filter((path) => expected(path)).length).toBeGreaterThan(50);
      expect(paths.filter((path) => !expected(path)).length).toBeGreaterThan(50);
    });
  }

  it('escapes characters that mean something in a regular expression', () => {
    const re = globsToRegExp(['a+b/(c)/*.[jt]s']);
    expect(re.test('a+b/(c)/x.[jt]s')).toBe(true);
    expect(re.test('aab/c/x.js')).toBe(false);
  });
});
