// `select` on a jest repository whose config the static reader cannot evaluate: the package's own jest
// reads it (test files, projects, moduleNameMapper), the answer is cached until the config or a file it
// imported changes, and where jest cannot answer, every test of the package is selected with the reason.
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { selectTests } from '../../src/select/select-tests.ts';
import { TempRepo } from '../helpers/git-repo.ts';
import { linkNodeModules } from '../runners/fixture.ts';

const FIXTURE = join(import.meta.dirname, '../fixtures/select-safety/jest-mapped');
const ALL_TESTS = [
  'apps/web/page.spec.js',
  'packages/dates/test/format.test.js',
  'packages/numbers/test/sum.test.js',
  'packages/strings/test/pad.test.js',
];
const UNREAD =
  'scripts/aliases.js:5: cannot read moduleNameMapper statically (calls Object.fromEntries()); using the default';

describe('select: a jest config read through jest-config (jest-mapped fixture)', () => {
  let repo: TempRepo;
  const select = (changed: string[]) => selectTests({ cwd: repo.dir, env: {}, changed });
  const installJest = () => linkNodeModules(repo.dir);
  const uninstallJest = () => rmSync(join(repo.dir, 'node_modules'), { recursive: true, force: true });

  beforeAll(() => {
    repo = new TempRepo('testloop-select-jest-mapped-');
    cpSync(FIXTURE, repo.dir, { recursive: true });
    repo.write('.gitignore', 'node_modules\nloads.log\n');
    repo.commit('fixture');
  });
  afterEach(() => {
    repo.git('checkout', '--quiet', '--force', 'main');
    repo.git('clean', '--quiet', '--force', '-d');
    uninstallJest();
  });
  afterAll(() => repo.remove());

  it('selects exactly the tests a change reaches through a computed moduleNameMapper alias', async () => {
    installJest();
    const result = await select(['packages/strings/src/index.js']);
    expect(result.all).toBe(false);
    // pad.test.js imports pad.js, not the index; the others reach it only through `@acme/strings`.
    expect(result.tests.map((t) => [t.file, t.reasons[0]])).toEqual([
      [
        'packages/dates/test/format.test.js',
        'reaches packages/strings/src/index.js (changed) through packages/dates/src/index.js (2 imports away)',
      ],
      [
        'apps/web/page.spec.js',
        'reaches packages/strings/src/index.js (changed) through apps/web/page.js (3 imports away)',
      ],
    ]);
    expect(result.stats.totalTests).toBe(ALL_TESTS.length);
    expect(result.warnings).toEqual([
      UNREAD.replace('using the default', "read through jest's own loader instead"),
    ]);
  });

  it('without jest installed, selects every test and says why', async () => {
    const result = await select(['packages/strings/src/index.js']);
    const failed =
      "jest's own loader could not read jest.config.js either: Cannot find module 'jest/package.json'";
    expect(result.all).toBe(true);
    expect(result.reason).toBe(
      `the runner settings of the repository are not known in full (${UNREAD}; ${failed})`,
    );
    expect(result.tests.map((t) => t.file).sort()).toEqual(ALL_TESTS);
    expect(result.warnings).toEqual([UNREAD, failed]);
  });

  it('a config that throws selects every test, naming the config and the error', async () => {
    repo.write('scripts/aliases.js', "throw new Error('the packages folder moved');\n");
    installJest();
    const result = await select(['packages/strings/src/index.js']);
    expect(result.all).toBe(true);
    expect(result.reason).toMatch(
      /^the runner settings of the repository are not known in full \(.*jest's own loader could not read jest\.config\.js either: the packages folder moved\)$/,
    );
    expect(result.tests.map((t) => t.file).sort()).toEqual(ALL_TESTS);
  });

  it('reuses the loaded config on a warm run and loads it again when a helper it imported changes', async () => {
    installJest();
    const helper = readFileSync(join(repo.dir, 'scripts/aliases.js'), 'utf8');
    // Each load of the helper leaves a line behind: the number of times jest read the config.
    const counted = (source: string) =>
      `require('node:fs').appendFileSync(require('node:path').join(__dirname, '../loads.log'), 'load\\n');\n${source}`;
    repo.write('scripts/aliases.js', counted(helper));
    const loads = () => readFileSync(join(repo.dir, 'loads.log'), 'utf8').split('\n').filter(Boolean).length;
    const selected = async () => (await select(['packages/strings/src/index.js'])).tests.map((t) => t.file);

    expect(await selected()).toEqual(['packages/dates/test/format.test.js', 'apps/web/page.spec.js']);
    expect(loads()).toBe(1);
    expect(await selected()).toEqual(['packages/dates/test/format.test.js', 'apps/web/page.spec.js']);
    expect(loads()).toBe(1);

    // @acme/strings now names the numbers package: nothing imports the strings index any more.
    const renamed =
      "const built = exports.packageAliases;\nexports.packageAliases = () => ({ ...built(), '^@acme/strings$': '<rootDir>/packages/numbers/src/index.js' });\n";
    repo.write('scripts/aliases.js', counted(helper + renamed));
    expect(await selected()).toEqual([]);
    expect(loads()).toBe(2);
  });
});
