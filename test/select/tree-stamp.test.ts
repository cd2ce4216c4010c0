// The tree stamp (src/select/tree-stamp.ts) lets a warm run skip the file list when git lists the tree
// exactly as before. Every edit git's listing does not show (a file already modified, untracked,
// assume-unchanged) must still reach the selection: each step compares a warm run with an uncached one.
import { existsSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { selectTests } from '../../src/select/select-tests.ts';
import { TempRepo } from '../helpers/git-repo.ts';

const STAMP = 'node_modules/.cache/testloop/tree.bin';

describe('tree stamp: warm runs see every working-tree change', () => {
  let repo: TempRepo;
  let app: string;
  /** The warm selection for `changed`, after checking it equals an uncached one. */
  const select = async (...changed: string[]): Promise<string[]> => {
    const files = async (cache: boolean) =>
      (await selectTests({ cwd: repo.dir, env: {}, changed, cache })).tests.map((t) => t.file);
    const warm = await files(true);
    expect(warm).toEqual(await files(false));
    return warm;
  };
  /** Runs twice so that the second run (and the next step's first) starts from a stamp of this tree. */
  const settle = async () => {
    await select('src/c.ts');
    await select('src/c.ts');
    expect(existsSync(join(repo.dir, STAMP))).toBe(true);
  };

  beforeAll(() => {
    repo = new TempRepo('testloop-tree-stamp-');
    repo
      .write('package.json', '{ "name": "app", "devDependencies": { "vitest": "^4.0.0" } }\n')
      .write('.gitignore', 'node_modules\n')
      .write('src/a.ts', 'export const a = 1;\n')
      .write('src/b.ts', 'export const b = 2;\n')
      .write('src/c.ts', 'export const c = 3;\n')
      .write('test/a.test.ts', "import { a } from '../src/a';\n\nexport const t = a;\n")
      .write('test/b.test.ts', "import { b } from '../src/b';\n\nexport const t = b;\n")
      .write('test/c.test.ts', "import { c } from '../src/c';\n\nexport const t = c;\n")
      .write('node_modules/.keep', '');
    app = repo.commit('app');
  });
  afterAll(() => repo.remove());
  // Each case starts from the committed app, whatever case ran before; the stamp (ignored, in
  // node_modules) stays, and each case settles it on its own tree before it edits.
  beforeEach(() => {
    repo.git('reset', '--quiet', '--hard', app);
    repo.git('clean', '-fdq');
  });

  it('sees a second edit to a file git already lists as modified', async () => {
    repo.write('src/a.ts', "import { c } from './c';\n\nexport const a = c;\n");
    await settle();
    expect(await select('src/c.ts')).toEqual(['test/c.test.ts', 'test/a.test.ts']);
    repo.write('src/a.ts', 'export const a = 4;\n');
    expect(await select('src/c.ts')).toEqual(['test/c.test.ts']);
  });

  it('sees an edit that keeps the size and the modification time', async () => {
    repo.write('src/a.ts', "import { c } from './c';\n\nexport const a = c;\n");
    await settle();
    const { mtime } = statSync(join(repo.dir, 'src/a.ts'));
    repo.write('src/a.ts', "import { b } from './b';\n\nexport const a = b;\n");
    utimesSync(join(repo.dir, 'src/a.ts'), mtime, mtime);
    expect(await select('src/c.ts')).toEqual(['test/c.test.ts']);
    expect(await select('src/b.ts')).toEqual(['test/b.test.ts', 'test/a.test.ts']);
    repo.git('checkout', '--', 'src/a.ts');
  });

  it('sees edits to untracked files', async () => {
    repo.write('src/d.ts', 'export const d = 5;\n');
    repo.write('test/d.test.ts', "import { d } from '../src/d';\n\nexport const t = d;\n");
    await settle();
    expect(await select('src/b.ts')).toEqual(['test/b.test.ts']);
    repo.write('src/d.ts', "import { b } from './b';\n\nexport const d = b;\n");
    expect(await select('src/b.ts')).toEqual(['test/b.test.ts', 'test/d.test.ts']);
    rmSync(join(repo.dir, 'src/d.ts'));
    rmSync(join(repo.dir, 'test/d.test.ts'));
  });

  it('sees edits to a file marked assume-unchanged', async () => {
    repo.git('update-index', '--assume-unchanged', 'src/b.ts');
    await settle();
    repo.write('src/b.ts', "import { c } from './c';\n\nexport const b = c;\n");
    expect(await select('src/c.ts')).toEqual(['test/c.test.ts', 'test/b.test.ts']);
    repo.git('update-index', '--no-assume-unchanged', 'src/b.ts');
    repo.git('checkout', '--', 'src/b.ts');
  });

  it('sees staged edits, deletions and renames', async () => {
    await settle();
    repo.write('src/b.ts', "import { c } from './c';\n\nexport const b = c;\n");
    repo.git('add', 'src/b.ts');
    expect(await select('src/c.ts')).toEqual(['test/c.test.ts', 'test/b.test.ts']);
    await settle();
    // Deleted but still in the index, and named as changed: what imported it no longer resolves.
    rmSync(join(repo.dir, 'src/c.ts'));
    expect(await select('src/c.ts')).toEqual(['test/c.test.ts', 'test/b.test.ts']);
    repo.git('checkout', '--', 'src/c.ts');
    await settle();
    renameSync(join(repo.dir, 'test/c.test.ts'), join(repo.dir, 'test/c2.test.ts'));
    expect(await select('src/c.ts')).toEqual(['test/c2.test.ts', 'test/b.test.ts']);
    repo.git('add', '-A');
    expect(await select('src/c.ts')).toEqual(['test/c2.test.ts', 'test/b.test.ts']);
  });

  it('leaves out a deleted file named as changed when the stamp was made without it', async () => {
    rmSync(join(repo.dir, 'src/a.ts'));
    // Stamped while src/a.ts was deleted but not named: the file list still held it then.
    await settle();
    expect(await select('src/a.ts')).toEqual(['test/a.test.ts']);
    repo.git('checkout', '--', 'src/a.ts');
  });

  it('sees an edit to a modified package.json', async () => {
    repo.write('package.json', '{ "name": "app", "devDependencies": { "vitest": "^4.0.0" }, "x": 1 }\n');
    await settle();
    expect(await select('src/c.ts')).not.toEqual([]);
    // Without a runner the package has no tests to select.
    repo.write('package.json', '{ "name": "app", "x": 2 }\n');
    expect(await select('src/c.ts')).toEqual([]);
  });
});

describe('select when git cannot list the tree', () => {
  it('stops with TESTLOOP_GIT_FAILED rather than selecting from an empty list', async () => {
    const repo = new TempRepo('testloop-select-broken-index-');
    try {
      repo
        .write('package.json', '{ "name": "app", "devDependencies": { "vitest": "^4.0.0" } }\n')
        .write('src/a.ts', 'export const a = 1;\n')
        .write('test/a.test.ts', "import { a } from '../src/a.ts';\n");
      repo.commit('app');
      writeFileSync(join(repo.dir, '.git/index'), 'not an index');
      const error = await selectTests({ cwd: repo.dir, env: {}, changed: ['src/a.ts'] }).then(
        () => undefined,
        (e: unknown) => e as { code?: string; message: string },
      );
      expect(error?.code).toBe('TESTLOOP_GIT_FAILED');
      expect(error?.message).toMatch(
        /^git ls-files failed in .*: .*index.*Check the repository with git status$/,
      );
    } finally {
      repo.remove();
    }
  });
});
