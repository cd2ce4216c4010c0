import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { selectTests } from '../../src/select/select-tests.ts';
import { TempRepo } from '../helpers/git-repo.ts';

/**
 * Runner discovery is cached next to the graph: every file it read or looked for must invalidate it,
 * tracked or not, committed or not. Each case edits one such input and selects again for the same change.
 */
describe('select: cached runner discovery', () => {
  let repo: TempRepo;
  let app: string;
  const vitest4 = '{ "name": "vitest", "version": "4.1.0" }\n';
  const selected = async () =>
    (await selectTests({ cwd: repo.dir, env: {}, changed: ['src/a.ts'] })).tests.map((t) => t.file);
  const importer = "import { a } from '../src/a.ts';\n\nexport const b = a;\n";

  beforeAll(() => {
    repo = new TempRepo('testloop-select-project-cache-');
    repo
      .write('package.json', '{ "name": "app", "devDependencies": { "vitest": "^4.0.0" } }\n')
      .write('.gitignore', 'node_modules\n')
      .write(
        'vitest.config.ts',
        "import { include } from './shared.ts';\n\nexport default { test: { include } };\n",
      )
      .write('shared.ts', "export const include = ['test/**/*.test.ts'];\n")
      .write('src/a.ts', 'export const a = 1;\n')
      .write('test/a.test.ts', importer)
      .write('spec/a.spec.ts', importer)
      .write('dist/a.test.ts', importer)
      .write('node_modules/vitest/package.json', vitest4);
    app = repo.commit('app');
  });
  afterAll(() => repo.remove());
  // Each case starts from the committed app and a cache that holds it, whatever case ran before.
  beforeEach(async () => {
    repo.git('reset', '--quiet', '--hard', app);
    repo.git('clean', '-fdq');
    repo.write('node_modules/vitest/package.json', vitest4);
    expect(await selected()).toEqual(['test/a.test.ts']);
  });

  it('reads the config again when it changes in the working tree', async () => {
    expect(await selected()).toEqual(['test/a.test.ts']);
    expect(existsSync(join(repo.dir, 'node_modules/.cache/testloop/projects.bin'))).toBe(true);
    expect(await selected()).toEqual(['test/a.test.ts']);
    repo.write('vitest.config.ts', "export default { test: { include: ['spec/**/*.spec.ts'] } };\n");
    expect(await selected()).toEqual(['spec/a.spec.ts']);
    repo.git('checkout', '--', 'vitest.config.ts');
    expect(await selected()).toEqual(['test/a.test.ts']);
  });

  it('reads the config again when a module it imports changes', async () => {
    repo.write('shared.ts', "export const include = ['spec/**/*.spec.ts', '**/*.test.ts'];\n");
    expect(await selected()).toEqual(['dist/a.test.ts', 'spec/a.spec.ts', 'test/a.test.ts']);
    repo.commit('shared');
    expect(await selected()).toEqual(['dist/a.test.ts', 'spec/a.spec.ts', 'test/a.test.ts']);
  });

  it('a cache copied along with the checkout to another folder is not trusted there', async () => {
    repo.git('checkout', '--', '.');
    // A discovery input the working tree changed: read from disk, not vouched for by git.
    repo.write('shared.ts', "export const include = ['test/**/*.test.ts'];\n");
    expect(await selected()).toEqual(['test/a.test.ts']);
    const copy = `${repo.dir}-copy`;
    cpSync(repo.dir, copy, { recursive: true });
    try {
      // The original stays as it was: the copied cache would still match the files it read there.
      writeFileSync(join(copy, 'shared.ts'), "export const include = ['spec/**/*.spec.ts'];\n");
      const inCopy = await selectTests({ cwd: copy, env: {}, changed: ['src/a.ts'] });
      expect(inCopy.tests.map((t) => t.file)).toEqual(['spec/a.spec.ts']);
      expect(await selected()).toEqual(['test/a.test.ts']);
    } finally {
      rmSync(copy, { recursive: true, force: true });
      repo.git('checkout', '--', '.');
    }
  });

  it('notices an ignored input: the installed vitest version decides the default exclude', async () => {
    repo.write('vitest.config.ts', 'export default {};\n');
    expect(await selected()).toEqual(['dist/a.test.ts', 'spec/a.spec.ts', 'test/a.test.ts']);
    mkdirSync(join(repo.dir, 'node_modules/vitest'), { recursive: true });
    repo.write('node_modules/vitest/package.json', '{ "name": "vitest", "version": "3.2.0" }\n');
    // vitest 3 excludes dist/ by default.
    expect(await selected()).toEqual(['spec/a.spec.ts', 'test/a.test.ts']);
  });
});
