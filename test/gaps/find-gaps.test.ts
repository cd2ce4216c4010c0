import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { findGaps } from '../../src/gaps/find-gaps.ts';
import { numberedLines, TempRepo } from '../helpers/git-repo.ts';

const repos: TempRepo[] = [];
afterAll(() => {
  for (const r of repos) r.remove();
});

/** main: src/a.js (10 lines), src/b.js; feature: edits a.js lines 3-4, appends 11-12, adds src/c.js and README. */
function featureRepo(): TempRepo {
  const r = new TempRepo();
  repos.push(r);
  r.write('src/a.js', numberedLines(10));
  r.write('src/b.js', numberedLines(5));
  r.write('logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]));
  r.commit('base');
  r.git('checkout', '--quiet', '-b', 'feature');
  const a = numberedLines(10).split('\n');
  a[2] = 'changed 3';
  a[3] = 'changed 4';
  r.write('src/a.js', `${a.slice(0, 10).join('\n')}\nline 11\nline 12\n`);
  r.write('src/c.js', numberedLines(3));
  r.write('README.md', '# docs\n');
  r.write('logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 9, 9, 9]));
  r.commit('feature');
  return r;
}

function lcov(
  dir: string,
  files: Record<string, { da: [number, number][]; fn?: string[]; brda?: string[] }>,
): void {
  const text = Object.entries(files)
    .map(([path, f]) =>
      [
        `SF:${dir}/${path}`,
        ...(f.fn ?? []),
        ...(f.brda ?? []),
        ...f.da.map(([l, h]) => `DA:${l},${h}`),
        'end_of_record',
      ].join('\n'),
    )
    .join('\n');
  writeFileSync(`${dir}/coverage.info`, `${text}\n`);
}

describe('findGaps', () => {
  it('reports uncovered changed lines, partial branches and unrun changed functions', async () => {
    const r = featureRepo();
    lcov(r.dir, {
      'src/a.js': {
        da: [
          [1, 1],
          [3, 1],
          [4, 0],
          [5, 0],
          [11, 0],
          [12, 2],
        ],
        fn: ['FN:11,12,late', 'FNDA:0,late', 'FN:1,2,early', 'FNDA:0,early'],
        brda: ['BRDA:3,0,0,1', 'BRDA:3,0,1,0', 'BRDA:4,0,0,0', 'BRDA:4,0,1,0'],
      },
      'src/b.js': { da: [[1, 0]] },
    });
    const result = await findGaps({ cwd: r.dir, base: 'main', coverage: ['coverage.info'] });
    expect(result.files).toEqual([
      {
        path: 'README.md',
        changedLines: 1,
        coverableLines: 0,
        uncoveredLines: [],
        uncoveredBranches: [],
        uncoveredFunctions: [],
        percent: 100,
        measured: false,
      },
      {
        path: 'src/a.js',
        changedLines: 4,
        coverableLines: 4,
        uncoveredLines: [4, 11],
        uncoveredBranches: [{ line: 3, taken: 1, total: 2 }],
        uncoveredFunctions: [{ name: 'late', line: 11 }],
        percent: 50,
        measured: true,
      },
      {
        path: 'src/c.js',
        changedLines: 3,
        coverableLines: 0,
        uncoveredLines: [],
        uncoveredBranches: [],
        uncoveredFunctions: [],
        percent: 100,
        measured: false,
      },
    ]);
    expect(result.totals).toEqual({
      changedLines: 8,
      coverableLines: 4,
      uncoveredLines: 2,
      percent: 50,
      uncoveredBranches: 1,
      uncoveredFunctions: 1,
    });
    expect(result.warnings).toEqual([
      expect.stringMatching(/^src\/c\.js: changed, but no coverage report mentions it/),
    ]);
    expect(result.gaps.map((g) => [g.kind, g.start, g.end, g.symbol])).toEqual([
      ['line', 4, 4, undefined],
      ['line', 11, 11, undefined],
      ['branch', 3, 3, undefined],
      ['function', 11, 11, 'late'],
    ]);
    expect(result.base).toBe(r.git('merge-base', 'main', 'HEAD'));
    expect(result.head).toBe(r.git('rev-parse', 'HEAD'));
  });

  it('filters with include/exclude globs and maps paths written on another machine', async () => {
    const r = featureRepo();
    const report = [
      'SF:C:\\build\\agent\\repo\\src\\a.js',
      'DA:3,0',
      'DA:4,0',
      'end_of_record',
      'SF:/elsewhere/unrelated/zzz.js',
      'DA:1,0',
      'end_of_record',
    ].join('\n');
    r.write('cov/lcov.info', `${report}\n`);
    const result = await findGaps({
      cwd: r.dir,
      base: 'main',
      coverage: ['cov/lcov.info'],
      include: ['src/**'],
      exclude: ['**/c.js'],
    });
    expect(result.files.map((f) => [f.path, f.uncoveredLines])).toEqual([['src/a.js', [3, 4]]]);
    expect(result.unmatchedCoveragePaths).toEqual(['/elsewhere/unrelated/zzz.js']);
  });

  it('merges several reports: a line is covered if any report covers it', async () => {
    const r = featureRepo();
    r.write('unit.info', 'SF:src/a.js\nDA:3,0\nDA:4,0\nDA:11,1\nend_of_record\n');
    r.write('e2e.info', 'SF:src/a.js\nDA:3,5\nDA:4,0\nend_of_record\n');
    const result = await findGaps({ cwd: r.dir, base: 'main', coverage: ['unit.info', 'e2e.info'] });
    expect(result.files.find((f) => f.path === 'src/a.js')).toMatchObject({
      coverableLines: 3,
      uncoveredLines: [4],
    });
  });

  it('reads a diff from a file instead of asking git', async () => {
    const r = featureRepo();
    r.write('change.diff', r.git('diff', 'main...feature'));
    r.write('lcov.info', 'SF:src/a.js\nDA:3,0\nend_of_record\n');
    r.git('checkout', '--quiet', 'main');
    const result = await findGaps({ cwd: r.dir, diffFile: 'change.diff', coverage: ['lcov.info'] });
    expect(result.base).toBe('change.diff');
    expect(result.files.find((f) => f.path === 'src/a.js')?.uncoveredLines).toEqual([3]);
  });

  it('warns about unmeasured source files but not about test files', async () => {
    const r = featureRepo();
    r.write('src/a.test.js', numberedLines(2));
    r.write('__tests__/b.js', numberedLines(2));
    r.commit('tests');
    r.write('lcov.info', 'SF:src/a.js\nDA:3,1\nend_of_record\n');
    const result = await findGaps({ cwd: r.dir, base: 'main', coverage: ['lcov.info'] });
    expect(result.files.map((f) => f.path)).toContain('src/a.test.js');
    expect(result.warnings).toEqual([
      expect.stringMatching(/^src\/c\.js: changed, but no coverage report mentions it/),
    ]);
  });

  it('refuses an empty diff unless allowed', async () => {
    const r = featureRepo();
    r.write('lcov.info', 'SF:src/a.js\nDA:3,0\nend_of_record\n');
    await expect(findGaps({ cwd: r.dir, base: 'HEAD', coverage: ['lcov.info'] })).rejects.toMatchObject({
      code: 'TESTLOOP_EMPTY_DIFF',
    });
    const result = await findGaps({ cwd: r.dir, base: 'HEAD', coverage: ['lcov.info'], allowEmpty: true });
    expect(result.totals).toMatchObject({ changedLines: 0, percent: 100 });
  });

  it('diffs from the resolved merge base where git cannot pick one itself (criss-cross history)', async () => {
    const r = featureRepo();
    // main and feature each merge an early commit of the other: two merge bases, which
    // `git diff --merge-base` refuses; the diff then starts from the one `git merge-base` picks.
    r.git('checkout', '--quiet', 'main');
    r.write('src/b.js', `${numberedLines(5)}main 6\n`);
    const mainTip = r.commit('main work');
    r.git('merge', '--quiet', '--no-edit', 'feature');
    r.git('checkout', '--quiet', 'feature');
    r.git('merge', '--quiet', '--no-edit', mainTip);
    r.write('src/a.js', `${numberedLines(12)}line 13\n`);
    r.commit('more feature');
    expect(r.git('merge-base', '--all', 'main', 'feature').split('\n')).toHaveLength(2);
    r.write('lcov.info', 'SF:src/a.js\nDA:13,0\nend_of_record\n');
    const result = await findGaps({ cwd: r.dir, base: 'main', coverage: ['lcov.info'] });
    const mergeBase = r.git('merge-base', 'main', 'feature');
    const expected = await findGaps({ cwd: r.dir, base: mergeBase, coverage: ['lcov.info'] });
    expect(result.base).toBe(mergeBase);
    expect(result.files).toEqual(expected.files);
    expect(result.files.find((f) => f.path === 'src/a.js')?.uncoveredLines).toContain(13);
  });

  it('reads repository paths from a subfolder, whatever diff.relative says', async () => {
    const r = featureRepo();
    r.git('config', 'diff.relative', 'true');
    r.write('lcov.info', 'SF:src/a.js\nDA:3,0\nDA:4,1\nend_of_record\n');
    const result = await findGaps({ cwd: `${r.dir}/src`, base: 'main', coverage: ['../lcov.info'] });
    expect(result.files.map((f) => f.path)).toEqual(['README.md', 'src/a.js', 'src/c.js']);
    expect(result.files.find((f) => f.path === 'src/a.js')?.uncoveredLines).toEqual([3]);
  });
});
