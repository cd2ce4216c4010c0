// An app whose tests reach every module through tsconfig `paths` that vitest resolves (vite's
// `resolve.tsconfigPaths`, what the vite-tsconfig-paths plugin does): `@/*` to `src/*`, and the longer
// `@/tests/*` to `__tests__/*`, which must win for `@/tests/...` even where `src/tests/...` exists too.
// Each change must select exactly the tests vitest fails on it.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectTests } from '../../src/select/select-tests.ts';
import { TempRepo } from '../helpers/git-repo.ts';

const FIXTURE = join(import.meta.dirname, '../fixtures/select-safety/tsconfig-paths-app');
const NODE_MODULES = join(import.meta.dirname, '../../node_modules');

/** The test files the whole vitest suite fails on the working tree of `dir`. */
function failingTests(dir: string): string[] {
  const out = join(dir, 'node_modules', '.report.json');
  spawnSync(
    process.execPath,
    [join(dir, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=json', `--outputFile=${out}`],
    { cwd: dir, encoding: 'utf8' },
  );
  const report = JSON.parse(readFileSync(out, 'utf8')) as { testResults: { name: string; status: string }[] };
  rmSync(out);
  return report.testResults
    .filter((r) => r.status !== 'passed')
    .map((r) => r.name.slice(dir.length + 1))
    .sort();
}

describe('select: tsconfig paths resolved by vitest (@/* and the longer @/tests/*)', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = new TempRepo('testloop-select-tsconfig-paths-');
    cpSync(FIXTURE, repo.dir, { recursive: true });
    mkdirSync(join(repo.dir, 'node_modules'));
    for (const entry of readdirSync(NODE_MODULES)) {
      if (entry === '.cache' || entry.startsWith('.vite')) continue;
      symlinkSync(join(NODE_MODULES, entry), join(repo.dir, 'node_modules', entry));
    }
    repo.commit('fixture');
    expect(failingTests(repo.dir)).toEqual([]);
  });
  afterAll(() => repo.remove());

  const cases = [
    {
      file: 'src/lib/format.ts',
      from: 'toFixed(2)',
      to: 'toFixed(1)',
      tests: ['__tests__/format.test.ts', '__tests__/price-tag.test.ts'],
    },
    {
      file: '__tests__/helpers/samples.ts',
      from: 'cents: 1250',
      to: 'cents: 1200',
      tests: ['__tests__/price-tag.test.ts'],
    },
  ];
  for (const c of cases) {
    it(`a change to ${c.file} selects ${c.tests.join(', ')}, the tests it breaks`, async () => {
      const path = join(repo.dir, c.file);
      const source = readFileSync(path, 'utf8');
      writeFileSync(path, source.replace(c.from, c.to));
      try {
        expect(failingTests(repo.dir)).toEqual(c.tests);
        const result = await selectTests({ cwd: repo.dir, env: {}, changed: [c.file], cache: false });
        expect(result.all).toBe(false);
        expect(result.tests.map((t) => t.file).sort()).toEqual(c.tests);
        expect(result.stats.unresolved).toBe(0);
      } finally {
        writeFileSync(path, source);
      }
    });
  }

  it('a change to src/tests/helpers/samples.ts, which `@/tests/helpers/samples` does not reach, selects no test', async () => {
    const result = await selectTests({
      cwd: repo.dir,
      env: {},
      changed: ['src/tests/helpers/samples.ts'],
      cache: false,
    });
    expect(result.all).toBe(false);
    expect(result.tests).toEqual([]);
  });
});
