import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { selectTests } from '../../src/select/select-tests.ts';
import { TempRepo } from '../helpers/git-repo.ts';

const CACHE = 'node_modules/.cache/testloop';

/** The graph cache keeps imports apart (imports.bin), read only when something must resolve again. */
describe('graph cache: imports kept apart', () => {
  // Each case builds its own repository: the second starts from a cache the first never touched.
  const repos: TempRepo[] = [];
  const newRepo = (): TempRepo => {
    const repo = new TempRepo('testloop-graph-cache-');
    repos.push(repo);
    repo
      .write('package.json', '{ "name": "app", "devDependencies": { "vitest": "^4.0.0" } }\n')
      .write('.gitignore', 'node_modules\n')
      .write('src/a.ts', "import { b } from './b';\n\nexport const a = b;\n")
      .write('src/b.ts', 'export const b = 1;\n')
      .write('test/a.test.ts', "import { a } from '../src/a';\n\nexport const t = a;\n")
      .write('node_modules/.keep', '');
    repo.commit('app');
    return repo;
  };
  const select = async (repo: TempRepo) => {
    const result = await selectTests({ cwd: repo.dir, env: {}, changed: ['src/b.ts'] });
    return { tests: result.tests.map((t) => t.file), parsed: result.stats.parsed };
  };
  afterAll(() => {
    for (const repo of repos) repo.remove();
  });

  it('resolves again from the stored imports when the file list changes', async () => {
    const repo = newRepo();
    expect(await select(repo)).toEqual({ tests: ['test/a.test.ts'], parsed: 3 });
    expect(await select(repo)).toEqual({ tests: ['test/a.test.ts'], parsed: 0 });
    repo.write('test/b.test.ts', "import { b } from '../src/b';\n\nexport const t = b;\n");
    expect(await select(repo)).toEqual({ tests: ['test/b.test.ts', 'test/a.test.ts'], parsed: 1 });
  });

  it('parses again when the stored imports are gone and resolution must run', async () => {
    const repo = newRepo();
    repo.write('test/b.test.ts', "import { b } from '../src/b';\n\nexport const t = b;\n");
    expect(await select(repo)).toEqual({ tests: ['test/b.test.ts', 'test/a.test.ts'], parsed: 4 });
    rmSync(join(repo.dir, CACHE, 'imports.bin'));
    expect(await select(repo)).toEqual({ tests: ['test/b.test.ts', 'test/a.test.ts'], parsed: 0 });
    // A new file changes the file list: every file resolves again, and with no imports stored, parses again.
    repo.write('src/c.ts', 'export const c = 1;\n');
    expect(await select(repo)).toEqual({ tests: ['test/b.test.ts', 'test/a.test.ts'], parsed: 5 });
    repo.write('src/d.ts', 'export const d = 1;\n');
    expect(await select(repo)).toEqual({ tests: ['test/b.test.ts', 'test/a.test.ts'], parsed: 1 });
  });
});
