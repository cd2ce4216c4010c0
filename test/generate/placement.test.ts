import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { generateTests } from '../../src/generate/pipeline.ts';
import { runnerByName } from '../../src/runners/registry.ts';
import { runTests } from '../../src/runners/run.ts';
import { contextIn } from './app-context.ts';
import { type App, copyApp } from './apps.ts';

// placement-vitest is laid out as react-hook-form is: `src/utils/*` are tested in `src/__tests__/utils/`,
// and `src/__tests__/useFieldArray/remove.test.tsx` tests the hook's `remove`, not `src/utils/remove.ts`.

const apps: App[] = [];
afterAll(() => {
  for (const app of apps) app.remove();
});

const SOURCE = 'src/utils/remove.ts';
const UTILS_TEST = 'src/__tests__/utils/remove.remove.generated.test.ts';
const BARREL = {
  'src/index.ts':
    "export { default as remove } from './utils/remove';\nexport { useFieldArray } from './useFieldArray';\n",
  'src/__tests__/api.test.ts':
    "import { expect, it } from 'vitest';\nimport { remove } from '../index';\n\nit('is exported', () => {\n  expect(remove([1, 2], 0)).toEqual([2]);\n});\n",
};
const OWN_TEST = {
  'src/__tests__/utils/remove.test.ts':
    "import { expect, it } from 'vitest';\nimport remove from '../../utils/remove';\n\nit('removes one index', () => {\n  expect(remove([1, 2, 3], 1)).toEqual([1, 3]);\n});\n",
};

function app(extra: Record<string, string> = {}): App {
  const made = copyApp('placement-vitest', extra);
  apps.push(made);
  return made;
}

describe('generate: the test of a file is the one that imports it', () => {
  it('puts the new test where the tests of its folder live, never beside a same-named test of another module', async () => {
    const repo = app();
    const result = await generateTests({
      cwd: repo.dir,
      targets: [`${SOURCE}:remove`],
      write: true,
      env: {},
    });
    expect(
      result.stubs.map((stub) => stub.testFile),
      JSON.stringify(result),
    ).toEqual([UTILS_TEST]);
    expect(result.written).toEqual([UTILS_TEST]);
    expect(readFileSync(join(repo.dir, UTILS_TEST), 'utf8')).toContain("from '../../utils/remove'");
    // The runner finds it there: it runs, as a todo.
    const project = {
      root: repo.dir,
      dir: repo.dir,
      packageJson: JSON.parse(readFileSync(join(repo.dir, 'package.json'), 'utf8')),
      files: repo.git('ls-files', '--others', '--cached', '--exclude-standard').split('\n'),
    };
    const run = await runTests(project, runnerByName('vitest')!, [UTILS_TEST], {
      output: 'capture',
      timeoutMs: 60_000,
    });
    expect(run.exitCode, run.output).toBe(0);
    expect(stripVTControlCharacters(run.output ?? '')).toMatch(/Tests\s+1 todo \(1\)/);
  });

  it('shows as example a test of its folder, not the same-named test that never imports it', async () => {
    const context = await contextIn(app(), SOURCE, 'remove');
    expect(context.example?.file).toBe('src/__tests__/utils/append.test.ts');
    expect(context.testFile).toBe(UTILS_TEST);
    expect(context.importPath).toBe('../../utils/remove');
  });

  it('takes the test that imports it, nearest in the graph: its own before one through an index file', async () => {
    const own = await contextIn(app({ ...BARREL, ...OWN_TEST }), SOURCE, 'remove');
    expect(own.example?.file).toBe('src/__tests__/utils/remove.test.ts');
    expect(own.testFile).toBe(UTILS_TEST);
    // Through `src/index.ts` only: that test imports it, the same-named one does not; the place stays.
    const barrel = await contextIn(app(BARREL), SOURCE, 'remove');
    expect(barrel.example?.file).toBe('src/__tests__/api.test.ts');
    expect(barrel.testFile).toBe(UTILS_TEST);
  });

  it('never overwrites a file, listed by git or only on disk', async () => {
    const repo = app({ [UTILS_TEST]: '// committed\n' });
    writeFileSync(join(repo.dir, 'src/__tests__/utils/remove.remove-2.generated.test.ts'), '// untracked\n');
    const context = await contextIn(repo, SOURCE, 'remove');
    expect(context.testFile).toBe('src/__tests__/utils/remove.remove-3.generated.test.ts');
  });
});
