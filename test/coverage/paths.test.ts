import { describe, expect, it } from 'vitest';
import { mapCoverageToRepository } from '../../src/coverage/paths.ts';
import { type CoverageReport, emptyFile } from '../../src/coverage/types.ts';

const repoFiles = new Set([
  'src/a.ts',
  'src/util/a.ts',
  'packages/web/src/index.ts',
  'lib/only.js',
  'Main.java',
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
  return { files: [...result.files.keys()], unmatched: result.unmatched };
}

describe('mapCoverageToRepository', () => {
  it('resolves repository-relative and absolute paths exactly', () => {
    expect(mapped(['src/a.ts', '/work/repo/src/util/a.ts', './lib/only.js'])).toEqual({
      files: ['src/a.ts', 'src/util/a.ts', 'lib/only.js'],
      unmatched: [],
    });
  });

  it('maps paths written on another machine or OS by their longest matching suffix', () => {
    expect(
      mapped([
        '/home/runner/work/app/app/src/util/a.ts',
        'C:\\agent\\_work\\1\\s\\packages\\web\\src\\index.ts',
        'file:///builds/group/app/lib/only.js',
      ]),
    ).toEqual({ files: ['src/util/a.ts', 'packages/web/src/index.ts', 'lib/only.js'], unmatched: [] });
  });

  it('resolves against report roots (Cobertura sources, JaCoCo source roots)', () => {
    expect(mapped(['util/a.ts'], ['/work/repo/src'])).toEqual({ files: ['src/util/a.ts'], unmatched: [] });
  });

  it('lists report paths that match no repository file, and never guesses between equals', () => {
    expect(mapped(['/elsewhere/b.ts', 'vendor/x.js'])).toEqual({
      files: [],
      unmatched: ['/elsewhere/b.ts', 'vendor/x.js'],
    });
    // "a.ts" alone could be src/a.ts or src/util/a.ts.
    expect(mapped(['/other/a.ts'])).toEqual({ files: [], unmatched: ['/other/a.ts'] });
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
