/**
 * testloop's own files are never a change to itself: `.testloop/` (history, ci reports, patches), the
 * graph cache in `node_modules/.cache/testloop/`, and the outputs a run was told to write, whether git
 * lists them as untracked (no .gitignore) or as committed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findGaps } from '../../src/gaps/find-gaps.ts';
import type { GapsResult } from '../../src/gaps/types.ts';
import { ownOutputMatcher } from '../../src/git/own-outputs.ts';
import { selectTests } from '../../src/select/select-tests.ts';
import { testloopInProcess } from '../helpers/cli.ts';
import { TempRepo } from '../helpers/git-repo.ts';

const repos: TempRepo[] = [];
afterAll(() => {
  for (const repo of repos) repo.remove();
});

const LCOV = ['SF:src/a.ts', 'DA:1,1', 'DA:2,0', 'DA:3,1', 'end_of_record', ''].join('\n');

/**
 * A repository with no .gitignore: on `feature`, src/a.ts changed, and testloop's files from an earlier
 * run, some committed (as `git add -A` after a run does), some left untracked.
 */
function repoAfterARun(): TempRepo {
  const repo = new TempRepo();
  repos.push(repo);
  repo.write('package.json', '{ "name": "app", "type": "module" }\n');
  repo.write('src/a.ts', 'export const a = 1;\n');
  repo.commit('base');
  repo.git('checkout', '-qb', 'feature');
  repo.write('src/a.ts', 'export const a = 1;\nexport const b = 2;\nexport const c = 3;\n');
  repo.write('.testloop/history.db', Buffer.from([0x53, 0x51, 0x4c, 0, 1, 2]));
  repo.write('.testloop/ci/coverage-1/lcov.info', LCOV);
  repo.write('.testloop/ci/generated-tests.patch', 'diff --git a/x b/x\n');
  repo.write('reports/gaps.json', '{ "files": [] }\n');
  repo.write('packages/web/.testloop/history.db', 'x');
  repo.commit('feature work, with the reports of a run');
  repo.write('.testloop/history.db-wal', 'journal');
  repo.write('.testloop/ci/junit-1.xml', '<testsuites/>\n');
  repo.write('node_modules/.cache/testloop/graph.bin', 'cache');
  repo.write('html/index.html', '<html></html>\n');
  return repo;
}

describe("testloop's own outputs are never a change", () => {
  it('matches the default folders at any depth, and the paths named for this run', () => {
    const root = '/repo';
    const own = ownOutputMatcher(root, '/repo/pkg', [
      'out/gaps.json',
      '/repo/html/index.html',
      '../../elsewhere.json',
      'replies/',
      // Folders that hold the working folder are the user's: naming one never hides the change.
      '../',
      './',
    ]);
    for (const path of [
      '.testloop/history.db',
      'pkg/.testloop/ci/junit-1.xml',
      'node_modules/.cache/testloop/graph.bin',
      'pkg/out/gaps.json',
      'html/index.html',
      'pkg/replies/ab/cd.json',
    ])
      expect(own(path), path).toBe(true);
    for (const path of [
      'src/a.ts',
      'testloop/a.ts',
      'src/.testloop.ts',
      'node_modules/.cache/vite/x',
      'pkg/out/gaps.json.bak',
      'out/gaps.json',
      'html/other.html',
      'pkg/src/a.ts',
      'pkg/repliesx/a.json',
    ])
      expect(own(path), path).toBe(false);
  });

  it('gaps: committed or untracked, the change is only the source', async () => {
    const repo = repoAfterARun();
    const result = await findGaps({
      cwd: repo.dir,
      base: 'main',
      coverage: ['.testloop/ci/coverage-1/lcov.info'],
      ownOutputs: ['reports/gaps.json'],
    });
    expect(result.files.map((f) => f.path)).toEqual(['src/a.ts']);
    expect(result.stats.changedFiles).toBe(1);
    expect(result.warnings).toEqual([]);
  });

  it('gaps on the command line: its own --format files are not a change to the next run', async () => {
    const repo = repoAfterARun();
    const args = ['gaps', '--base', 'main', '--coverage', '.testloop/ci/coverage-1/lcov.info'];
    const first = await testloopInProcess([...args, '--format', 'json:reports/gaps.json'], { cwd: repo.dir });
    expect(first.status, first.stderr).toBe(0);
    repo.git('add', 'reports/gaps.json');
    repo.git('commit', '-qm', 'the report, committed');
    const second = await testloopInProcess([...args, '--format', 'json:reports/gaps.json'], {
      cwd: repo.dir,
    });
    expect(second.status, second.stderr).toBe(0);
    const result = JSON.parse(readFileSync(join(repo.dir, 'reports/gaps.json'), 'utf8')) as GapsResult;
    expect(result.files.map((f) => f.path)).toEqual(['src/a.ts']);
  });

  it('select: neither counted nor listed as ignored, the history file included', async () => {
    const repo = repoAfterARun();
    repo.write('store/runs.db', 'sqlite');
    repo.write('store/runs.db-journal', 'journal');
    const result = await selectTests({
      cwd: repo.dir,
      base: 'main',
      history: 'store/runs.db',
      ownOutputs: ['reports/gaps.json', 'html/index.html'],
      env: {},
    });
    expect(result.ignored).toEqual([]);
    expect(result.stats.changedFiles).toBe(1);
  });

  it('select on the command line: the default outputs alone', async () => {
    const repo = repoAfterARun();
    const run = await testloopInProcess(['select', '--base', 'main', '--format', 'json'], { cwd: repo.dir });
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    // reports/ and html/ were not named by this run: they count (as files no test reads).
    expect(result.ignored.map((i: { file: string }) => i.file).sort()).not.toContain('.testloop/history.db');
    expect(result.stats.changedFiles).toBe(3);
  });
});
