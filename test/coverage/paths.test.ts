import { describe, expect, it } from 'vitest';
import { mapCoverageToRepository } from '../../src/coverage/paths.ts';
import { type CoverageReport, emptyFile } from '../../src/coverage/types.ts';

const repoFiles = new Set([
  'src/a.ts',
  'src/util/a.ts',
  'packages/web/src/index.ts',
  'lib/only.js',
  'Main.java',
  'packages/strings/src/splice.ts',
  'packages/strings/src/index.ts',
]);

function report(paths: string[], roots: string[] = []): CoverageReport {
  return {
    source: 'r',
    format: 'lcov',
    roots,
    files: paths.map((p) => {
      const file = emptyFile(p);
      file.lines.set(1, 1);
      return file;
    }),
  };
}

function mapped(paths: string[], roots: string[] = []) {
  const result = mapCoverageToRepository([report(paths, roots)], '/work/repo', '/work/repo', repoFiles);
  return { files: [...result.files.keys()], unmatched: result.unmatched, bySuffix: result.bySuffix };
}

describe('mapCoverageToRepository', () => {
  it('resolves repository-relative and absolute paths exactly', () => {
    expect(mapped(['src/a.ts', '/work/repo/src/util/a.ts', './lib/only.js'])).toEqual({
      files: ['src/a.ts', 'src/util/a.ts', 'lib/only.js'],
      unmatched: [],
      bySuffix: [],
    });
  });

  it('maps paths written on another machine or OS by their longest matching suffix', () => {
    expect(
      mapped([
        '/home/runner/work/app/app/src/util/a.ts',
        'C:\\agent\\_work\\1\\s\\packages\\web\\src\\index.ts',
        'file:///builds/group/app/lib/only.js',
      ]),
    ).toEqual({
      files: ['src/util/a.ts', 'packages/web/src/index.ts', 'lib/only.js'],
      unmatched: [],
      bySuffix: [],
    });
  });

  it('resolves against report roots (Cobertura sources, JaCoCo source roots)', () => {
    expect(mapped(['util/a.ts'], ['/work/repo/src'])).toEqual({
      files: ['src/util/a.ts'],
      unmatched: [],
      bySuffix: [],
    });
  });

  it('lists report paths that match no repository file, and never guesses between equals', () => {
    expect(mapped(['/elsewhere/b.ts', 'vendor/x.js'])).toEqual({
      files: [],
      unmatched: ['/elsewhere/b.ts', 'vendor/x.js'],
      bySuffix: [],
    });
    // "a.ts" alone could be src/a.ts or src/util/a.ts.
    expect(mapped(['/other/a.ts'])).toEqual({ files: [], unmatched: ['/other/a.ts'], bySuffix: [] });
  });

  it('maps a path relative to an unknown package folder to the one file ending with it, and says so', () => {
    // What a monorepo package's runner writes: paths relative to the package, not the repository.
    expect(mapped(['src/splice.ts'])).toEqual({
      files: ['packages/strings/src/splice.ts'],
      unmatched: [],
      bySuffix: [{ from: 'src/splice.ts', to: 'packages/strings/src/splice.ts' }],
    });
    // src/index.ts ends packages/strings/src/index.ts and packages/web/src/index.ts: never a guess.
    expect(mapped(['src/index.ts', '../src/splice.ts'])).toMatchObject({
      files: [],
      unmatched: ['src/index.ts', '../src/splice.ts'],
    });
    // The folder the runner ran in, when known, maps it exactly.
    expect(mapped(['src/index.ts'], ['/work/repo/packages/strings'])).toEqual({
      files: ['packages/strings/src/index.ts'],
      unmatched: [],
      bySuffix: [],
    });
  });

  it('merges entries that map to the same file', () => {
    const result = mapCoverageToRepository(
      [report(['src/a.ts']), report(['/ci/checkout/src/a.ts'])],
      '/work/repo',
      '/work/repo',
      repoFiles,
    );
    expect([...result.files.keys()]).toEqual(['src/a.ts']);
  });
});
