// ES module tests that reach their code without an import statement: CommonJS loaded through a
// `createRequire` bound to another name, and a script located with `import.meta.resolve` and run as a
// process. Each change must select exactly the test that breaks, under node:test itself.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectTests } from '../../src/select/select-tests.ts';
import { TempRepo } from '../helpers/git-repo.ts';

const FIXTURE = join(import.meta.dirname, '../fixtures/select-safety/esm-cjs-interop');

const TESTS = ['test/format.test.js', 'test/legacy.test.js', 'test/task.test.js'];

/** The test files node:test fails on the working tree of `dir`, each run on its own. */
function failingTests(dir: string): string[] {
  return TESTS.filter((file) => spawnSync(process.execPath, ['--test', file], { cwd: dir }).status !== 0);
}

describe('select: ES modules reaching code without an import statement', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = new TempRepo('testloop-select-interop-');
    cpSync(FIXTURE, repo.dir, { recursive: true });
    mkdirSync(join(repo.dir, 'node_modules'));
    repo.commit('fixture');
    expect(failingTests(repo.dir)).toEqual([]);
  });
  afterAll(() => repo.remove());

  const cases = [
    { file: 'lib/legacy.cjs', from: 'n * 2', to: 'n * 3', test: 'test/legacy.test.js', via: 'createRequire' },
    {
      file: 'lib/task.js',
      from: '1 + 1',
      to: '1 + 2',
      test: 'test/task.test.js',
      via: 'import.meta.resolve',
    },
  ];
  for (const c of cases) {
    it(`a change to ${c.file} (reached through ${c.via}) selects ${c.test}, the one test it breaks`, async () => {
      const original = join(repo.dir, c.file);
      const source = readFileSync(original, 'utf8');
      writeFileSync(original, source.replace(c.from, c.to));
      try {
        expect(failingTests(repo.dir)).toEqual([c.test]);
        const result = await selectTests({ cwd: repo.dir, env: {}, changed: [c.file], cache: false });
        expect(result.all).toBe(false);
        expect(result.tests.map((t) => [t.file, t.reasons[0]])).toEqual([
          [c.test, `imports ${c.file} (changed)`],
        ]);
        expect(result.untested).toEqual([]);
      } finally {
        writeFileSync(original, source);
      }
    });
  }
});
