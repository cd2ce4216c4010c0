import { readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobId, workingTree } from '../../src/git/working-tree.ts';
import { TempRepo } from '../helpers/git-repo.ts';

describe('workingTree', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = new TempRepo('testloop-working-tree-');
    repo
      .write('.gitignore', 'ignored.ts\n')
      .write('clean.ts', 'export const clean = 1;\n')
      .write('edited.ts', 'export const edited = 1;\n')
      .write('deleted.ts', 'export const deleted = 1;\n')
      .write('assumed.ts', 'export const assumed = 1;\n')
      .write('sparse.ts', 'export const sparse = 1;\n')
      .write('staged.ts', 'export const staged = 1;\n');
    symlinkSync('clean.ts', join(repo.dir, 'link.ts'));
    repo.commit('files');
    repo.write('edited.ts', 'export const edited = 2;\n');
    rmSync(join(repo.dir, 'deleted.ts'));
    repo.git('update-index', '--assume-unchanged', 'assumed.ts');
    repo.write('assumed.ts', 'export const assumed = 2;\n');
    repo.git('update-index', '--skip-worktree', 'sparse.ts');
    repo.write('staged.ts', 'export const staged = 2;\n');
    repo.git('add', 'staged.ts');
    repo.write('staged.ts', 'export const staged = 3;\n');
    repo.write('untracked.ts', 'export const untracked = 1;\n').write('ignored.ts', '');
  });
  afterAll(() => repo.remove());

  it('lists tracked and untracked files, not ignored ones', async () => {
    const tree = await workingTree(repo.dir);
    expect([...tree.files].sort()).toEqual([
      '.gitignore',
      'assumed.ts',
      'clean.ts',
      'deleted.ts',
      'edited.ts',
      'link.ts',
      'sparse.ts',
      'staged.ts',
      'untracked.ts',
    ]);
  });

  it("vouches only for regular files whose working-tree content is the index's", async () => {
    const { blobIds } = await workingTree(repo.dir);
    expect([...blobIds.keys()].sort()).toEqual(['.gitignore', 'clean.ts']);
    expect(blobIds.get('clean.ts')).toBe(blobId(readFileSync(join(repo.dir, 'clean.ts'))));
    expect(blobIds.get('clean.ts')).toBe(repo.git('rev-parse', 'HEAD:clean.ts'));
  });
});
