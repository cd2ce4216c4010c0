import { cpSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type SelectOptions, selectTests } from '../../src/select/select-tests.ts';
import type { SelectResult } from '../../src/select/types.ts';
import { TempRepo } from '../helpers/git-repo.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/select');

/** A fixture project committed on `main` of a fresh repository, with a node_modules for the graph cache. */
function fixtureRepo(name: string): TempRepo {
  const repo = new TempRepo(`testloop-select-${name}-`);
  cpSync(join(FIXTURES, name), repo.dir, { recursive: true });
  mkdirSync(join(repo.dir, 'node_modules'));
  repo.commit(`fixture ${name}`);
  return repo;
}

/** Back to the fixture as committed: the next case starts clean (the ignored cache stays). */
function reset(repo: TempRepo): void {
  repo.git('checkout', '--quiet', '--force', 'main');
  repo.git('clean', '--quiet', '--force', '-d');
}

/** Commits `edit` on a branch off main, so `base: 'main'` sees exactly that change. */
function commitChange(repo: TempRepo, edit: () => void): void {
  repo.git('checkout', '--quiet', '-B', 'change', 'main');
  edit();
  repo.commit('change');
}

interface Selection {
  all: boolean;
  reason?: string;
  /** [file, first reason], in the order selected. */
  tests: [string, string][];
  ignored: SelectResult['ignored'];
}

async function select(repo: TempRepo, options: SelectOptions): Promise<Selection> {
  const result = await selectTests({ cwd: repo.dir, env: {}, ...options });
  return {
    all: result.all,
    ...(result.reason === undefined ? {} : { reason: result.reason }),
    tests: result.tests.map((t) => [t.file, t.reasons[0]!]),
    ignored: result.ignored,
  };
}

const some = (tests: [string, string][], ignored: SelectResult['ignored'] = []): Selection => ({
  all: false,
  tests,
  ignored,
});

const everything = (tests: readonly string[], reason: string): Selection => ({
  all: true,
  reason,
  tests: tests.map((file) => [file, reason]),
  ignored: [],
});

// Every test file of the import-forms fixture, in the order an all-tests selection lists them.
const IMPORT_FORMS_TESTS = [
  'ext/test/host.test.ts',
  'ext/test/version.test.ts',
  'legacy/src/greet.test.ts',
  'test/button.test.ts',
  'test/config.test.ts',
  'test/lazy.test.ts',
  'test/locale.test.ts',
  'test/mock.test.ts',
  'test/pages.test.ts',
  'test/reexport.test.ts',
  'test/report.test.ts',
  'test/require.test.ts',
  'test/shapes.test.ts',
  'test/spawn.test.ts',
  'test/static.test.ts',
  'test/worker.test.ts',
];

const MONOREPO_TESTS = [
  'packages/a/test/app.test.ts',
  'packages/a/test/price.test.ts',
  'packages/a/test/slug.test.ts',
  'packages/b/test/format.test.ts',
  'packages/b/test/index.test.ts',
  'packages/c/test/clamp.test.ts',
];

describe('selectTests: every import form (import-forms fixture)', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = fixtureRepo('import-forms');
  });
  afterEach(() => reset(repo));
  afterAll(() => repo.remove());

  const cases: [string, string, [string, string][]][] = [
    [
      'static import, two imports away',
      'src/round.ts',
      [['test/static.test.ts', 'reaches src/round.ts (changed) through src/math.ts (2 imports away)']],
    ],
    [
      'static import, one import away',
      'src/math.ts',
      [['test/static.test.ts', 'imports src/math.ts (changed)']],
    ],
    [
      'export { x } from',
      'src/reexported.ts',
      [
        [
          'test/reexport.test.ts',
          'reaches src/reexported.ts (changed) through src/index.ts (2 imports away)',
        ],
      ],
    ],
    [
      'export * from',
      'src/star.ts',
      [['test/reexport.test.ts', 'reaches src/star.ts (changed) through src/index.ts (2 imports away)']],
    ],
    ['import() with a literal', 'src/lazy.ts', [['test/lazy.test.ts', 'imports src/lazy.ts (changed)']]],
    [
      'import() of a template with a literal prefix',
      'src/locales/fr.ts',
      [['test/locale.test.ts', 'imports src/locales/fr.ts (changed)']],
    ],
    ['require()', 'src/legacy.cjs', [['test/require.test.ts', 'imports src/legacy.cjs (changed)']]],
    ['require.resolve()', 'src/spawned.cjs', [['test/spawn.test.ts', 'imports src/spawned.cjs (changed)']]],
    [
      'new URL(…, import.meta.url)',
      'src/worker.js',
      [['test/worker.test.ts', 'imports src/worker.js (changed)']],
    ],
    [
      'import.meta.glob',
      'src/pages/about.ts',
      [['test/pages.test.ts', 'reaches src/pages/about.ts (changed) through src/pages.ts (2 imports away)']],
    ],
    [
      'JSON import',
      'src/defaults.json',
      [['test/config.test.ts', 'reaches src/defaults.json (changed) through src/config.ts (2 imports away)']],
    ],
    [
      'CSS side-effect import',
      'src/button.css',
      [['test/button.test.ts', 'reaches src/button.css (changed) through src/button.ts (2 imports away)']],
    ],
    [
      'asset import',
      'src/logo.svg',
      [['test/button.test.ts', 'reaches src/logo.svg (changed) through src/button.ts (2 imports away)']],
    ],
    // The test also reaches mailer through notify (2 away): the vi.mock edge makes it 1 away.
    ['vi.mock specifier', 'src/mailer.ts', [['test/mock.test.ts', 'imports src/mailer.ts (changed)']]],
    ['vi.importActual specifier', 'src/clock.ts', [['test/mock.test.ts', 'imports src/clock.ts (changed)']]],
    [
      'jest.mock specifier (jest package)',
      'legacy/src/transport.ts',
      [['legacy/src/greet.test.ts', 'imports legacy/src/transport.ts (changed)']],
    ],
    [
      'jest.requireActual specifier (jest package)',
      'legacy/src/format.ts',
      [['legacy/src/greet.test.ts', 'imports legacy/src/format.ts (changed)']],
    ],
    [
      'computed import(name): a file nothing imports, in the package of the opaque import',
      'ext/src/builtin/upper.ts',
      [
        [
          'ext/test/host.test.ts',
          'ext/src/host.ts imports a computed path that may load the changed code (via ext/src/host.ts, 1 import away)',
        ],
      ],
    ],
    [
      'computed import(name): any change of its package also selects the tests reaching it',
      'ext/src/version.ts',
      [
        ['ext/test/version.test.ts', 'imports ext/src/version.ts (changed)'],
        [
          'ext/test/host.test.ts',
          'ext/src/host.ts imports a computed path that may load the changed code (via ext/src/host.ts, 1 import away)',
        ],
      ],
    ],
  ];

  it.each(cases)('%s: changed %s', async (_label, changed, tests) => {
    expect(await select(repo, { changed: [changed] })).toEqual(some(tests));
  });

  it('follows `import type` only with typeImports: true', async () => {
    expect(await select(repo, { changed: ['src/types.ts'] })).toEqual(some([]));
    expect(await select(repo, { changed: ['src/types.ts'], typeImports: true })).toEqual(
      some([
        ['test/shapes.test.ts', 'reaches src/types.ts (changed) through src/shapes.ts (2 imports away)'],
      ]),
    );
  });

  it('gives each selected test its score, runner and package', async () => {
    const result = await selectTests({
      cwd: repo.dir,
      env: {},
      changed: ['src/round.ts', 'legacy/src/format.ts', 'test/lazy.test.ts'],
    });
    expect(result.tests).toEqual([
      {
        file: 'test/lazy.test.ts',
        score: 1,
        reasons: ['changed test file'],
        runner: 'vitest',
        project: '',
      },
      {
        file: 'legacy/src/greet.test.ts',
        score: 0.5,
        reasons: ['imports legacy/src/format.ts (changed)'],
        runner: 'jest',
        project: 'legacy',
      },
      {
        file: 'test/static.test.ts',
        score: 0.333,
        reasons: ['reaches src/round.ts (changed) through src/math.ts (2 imports away)'],
        runner: 'vitest',
        project: '',
      },
    ]);
    expect(result.stats).toMatchObject({ changedFiles: 3, totalTests: IMPORT_FORMS_TESTS.length });
  });

  it('reads the change from git: a commit on a branch against base main', async () => {
    commitChange(repo, () => repo.write('src/round.ts', 'export const round = (n: number): number => n;\n'));
    expect(await select(repo, { base: 'main' })).toEqual(
      some([['test/static.test.ts', 'reaches src/round.ts (changed) through src/math.ts (2 imports away)']]),
    );
  });

  it('git: a page added under an import.meta.glob folder selects the tests of the glob', async () => {
    commitChange(repo, () => repo.write('src/pages/contact.ts', "export const title = 'Contact';\n"));
    expect(await select(repo, { base: 'main' })).toEqual(
      some([
        [
          'test/pages.test.ts',
          'reaches src/pages/contact.ts (changed) through src/pages.ts (2 imports away)',
        ],
      ]),
    );
  });

  it('git: a JSON change and an uncommitted CSS change together', async () => {
    commitChange(repo, () => repo.write('src/defaults.json', '{ "retries": 5, "timeoutMs": 1000 }\n'));
    repo.write('src/button.css', '.button { color: teal; }\n');
    expect(await select(repo, { base: 'main' })).toEqual(
      some([
        ['test/button.test.ts', 'reaches src/button.css (changed) through src/button.ts (2 imports away)'],
        ['test/config.test.ts', 'reaches src/defaults.json (changed) through src/config.ts (2 imports away)'],
      ]),
    );
  });

  it('git: `import type` against base, with and without typeImports', async () => {
    commitChange(repo, () =>
      repo.write('src/types.ts', "export interface Shape {\n  kind: 'circle';\n  size: number;\n}\n"),
    );
    expect(await select(repo, { base: 'main' })).toEqual(some([]));
    expect(await select(repo, { base: 'main', typeImports: true })).toEqual(
      some([
        ['test/shapes.test.ts', 'reaches src/types.ts (changed) through src/shapes.ts (2 imports away)'],
      ]),
    );
  });
});

describe('selectTests: safety rules (import-forms fixture)', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = fixtureRepo('import-forms');
  });
  afterEach(() => reset(repo));
  afterAll(() => repo.remove());

  it('the root runner config selects every test', async () => {
    expect(await select(repo, { changed: ['vitest.config.ts'] })).toEqual(
      everything(IMPORT_FORMS_TESTS, 'vitest.config.ts configures the vitest run of the repository'),
    );
  });

  it('a setup file of the root runner selects every test', async () => {
    expect(await select(repo, { changed: ['test/setup.ts'] })).toEqual(
      everything(IMPORT_FORMS_TESTS, 'test/setup.ts configures the vitest run of the repository'),
    );
  });

  it('the root package.json selects every test', async () => {
    expect(await select(repo, { changed: ['package.json'] })).toEqual(
      everything(IMPORT_FORMS_TESTS, 'package.json configures the vitest run of the repository'),
    );
  });

  it("a nested package's package.json selects only that package's tests, with one reason", async () => {
    const result = await selectTests({ cwd: repo.dir, env: {}, changed: ['legacy/package.json'] });
    expect(result.tests).toEqual([
      {
        file: 'legacy/src/greet.test.ts',
        score: 0.1,
        reasons: ['legacy/package.json configures the jest run of legacy'],
        runner: 'jest',
        project: 'legacy',
      },
    ]);
  });

  it('tsconfig.json selects every test', async () => {
    expect(await select(repo, { changed: ['tsconfig.json'] })).toEqual(
      everything(IMPORT_FORMS_TESTS, 'tsconfig.json changed and the module graph cannot see through it'),
    );
  });

  it('.env selects every test', async () => {
    expect(await select(repo, { changed: ['.env'] })).toEqual(
      everything(IMPORT_FORMS_TESTS, '.env changed and the module graph cannot see through it'),
    );
  });

  it('a snapshot selects only its owning test', async () => {
    expect(await select(repo, { changed: ['test/__snapshots__/static.test.ts.snap'] })).toEqual(
      some([['test/static.test.ts', 'its snapshot test/__snapshots__/static.test.ts.snap changed']]),
    );
  });

  it('a data file read by path (not imported) selects the tests of its package: all, at the root', async () => {
    expect(await select(repo, { changed: ['test/fixtures/input.txt'] })).toEqual(
      everything(
        IMPORT_FORMS_TESTS,
        'test/fixtures/input.txt changed and no module imports it (a fixture or data file read by path?)',
      ),
    );
  });

  it('a changed file that does not parse selects every test', async () => {
    repo.write('src/lazy.ts', 'export const heavy = (;\n');
    expect(await select(repo, { changed: ['src/lazy.ts'] })).toEqual(
      everything(IMPORT_FORMS_TESTS, 'src/lazy.ts does not parse (Unexpected token (1:23))'),
    );
  });

  it('a deleted source file selects the tests that imported it (uncommitted)', async () => {
    rmSync(join(repo.dir, 'src/round.ts'));
    const expected = some([
      [
        'test/static.test.ts',
        'src/math.ts imports ./round.ts, which no longer resolves (via src/math.ts, 1 import away)',
      ],
    ]);
    expect(await select(repo, { changed: ['src/round.ts'] })).toEqual(expected);
    // The same without the cache, and from git's view of the working tree.
    expect(await select(repo, { changed: ['src/round.ts'], cache: false })).toEqual(expected);
    expect(await select(repo, { base: 'main' })).toEqual(expected);
  });

  it('git: a deleted source file selects the tests that imported it (committed)', async () => {
    commitChange(repo, () => repo.git('rm', '--quiet', 'src/round.ts'));
    expect(await select(repo, { base: 'main' })).toEqual(
      some([
        [
          'test/static.test.ts',
          'src/math.ts imports ./round.ts, which no longer resolves (via src/math.ts, 1 import away)',
        ],
      ]),
    );
  });

  it('git: a deleted file only a computed import(name) could load selects the tests reaching it', async () => {
    commitChange(repo, () => repo.git('rm', '--quiet', 'ext/src/builtin/upper.ts'));
    expect(await select(repo, { base: 'main' })).toEqual(
      some([
        [
          'ext/test/host.test.ts',
          'ext/src/host.ts imports a computed path that may load the changed code (via ext/src/host.ts, 1 import away)',
        ],
      ]),
    );
  });

  it('git: a renamed file whose importer was not updated selects the importer’s tests', async () => {
    commitChange(repo, () => repo.git('mv', 'src/round.ts', 'src/rounding.ts'));
    expect(await select(repo, { base: 'main' })).toEqual(
      some([
        [
          'test/static.test.ts',
          'src/math.ts imports ./round.ts, which no longer resolves (via src/math.ts, 1 import away)',
        ],
      ]),
    );
  });

  it('git: a renamed file with its importer updated', async () => {
    commitChange(repo, () => {
      repo.git('mv', 'src/round.ts', 'src/rounding.ts');
      repo.write(
        'src/math.ts',
        "import { round } from './rounding.ts';\n\nexport const average = (values: number[]): number =>\n  round(values.reduce((sum, v) => sum + v, 0) / values.length);\n",
      );
    });
    expect(await select(repo, { base: 'main' })).toEqual(
      some([['test/static.test.ts', 'imports src/math.ts (changed)']]),
    );
  });

  it('a changed test file selects itself', async () => {
    expect(await select(repo, { changed: ['test/static.test.ts'] })).toEqual(
      some([['test/static.test.ts', 'changed test file']]),
    );
  });

  it('a README change selects nothing and is listed as ignored', async () => {
    const ignored = [{ file: 'README.md', reason: 'documentation or tooling file: no test reads it' }];
    expect(await select(repo, { changed: ['README.md'] })).toEqual(some([], ignored));
    commitChange(repo, () => repo.write('README.md', '# import-forms\n\nReworded.\n'));
    expect(await select(repo, { base: 'main' })).toEqual(some([], ignored));
  });

  it("ignores testloop's own cache when node_modules is not git-ignored", async () => {
    commitChange(repo, () => repo.write('src/round.ts', 'export const round = (n: number): number => n;\n'));
    repo.write('.gitignore', 'dist\n');
    await select(repo, { base: 'main' }); // writes node_modules/.cache/testloop, now an untracked file
    // testloop's own files are no change at all: not even listed as ignored.
    expect(await select(repo, { base: 'main' })).toEqual(
      some(
        [['test/static.test.ts', 'reaches src/round.ts (changed) through src/math.ts (2 imports away)']],
        [{ file: '.gitignore', reason: 'documentation or tooling file: no test reads it' }],
      ),
    );
  });
});

describe('selectTests: pnpm monorepo (monorepo fixture)', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = fixtureRepo('monorepo');
  });
  afterEach(() => reset(repo));
  afterAll(() => repo.remove());

  it('git: a change in b selects b’s tests and a’s tests that import @scope/b (exports point at a missing dist/)', async () => {
    commitChange(repo, () =>
      repo.write(
        'packages/b/src/format.ts',
        "export const format = (text: string): string => '<' + text + '>';\n",
      ),
    );
    expect(await select(repo, { base: 'main' })).toEqual(
      some([
        ['packages/b/test/format.test.ts', 'imports packages/b/src/format.ts (changed)'],
        [
          'packages/b/test/index.test.ts',
          'reaches packages/b/src/format.ts (changed) through packages/b/src/index.ts (2 imports away)',
        ],
        [
          'packages/a/test/app.test.ts',
          'reaches packages/b/src/format.ts (changed) through packages/a/src/app.ts (3 imports away)',
        ],
      ]),
    );
  });

  it('follows a subpath export (@scope/b/currency → dist/currency.js → src/currency.ts)', async () => {
    expect(await select(repo, { changed: ['packages/b/src/currency.ts'] })).toEqual(
      some([
        [
          'packages/a/test/price.test.ts',
          'reaches packages/b/src/currency.ts (changed) through packages/a/src/price.ts (2 imports away)',
        ],
        [
          'packages/b/test/index.test.ts',
          'reaches packages/b/src/currency.ts (changed) through packages/b/src/index.ts (2 imports away)',
        ],
        [
          'packages/a/test/app.test.ts',
          'reaches packages/b/src/currency.ts (changed) through packages/a/src/app.ts (3 imports away)',
        ],
      ]),
    );
  });

  it('follows a tsconfig path alias (~/slug.ts)', async () => {
    expect(await select(repo, { changed: ['packages/a/src/slug.ts'] })).toEqual(
      some([
        ['packages/a/test/slug.test.ts', 'imports packages/a/src/slug.ts (changed)'],
        [
          'packages/a/test/app.test.ts',
          'reaches packages/a/src/slug.ts (changed) through packages/a/src/app.ts (2 imports away)',
        ],
      ]),
    );
  });

  it('an unrelated package selects only its own tests, with runner and package', async () => {
    const result = await selectTests({ cwd: repo.dir, env: {}, changed: ['packages/c/src/clamp.ts'] });
    expect(result.tests).toEqual([
      {
        file: 'packages/c/test/clamp.test.ts',
        score: 0.5,
        reasons: ['imports packages/c/src/clamp.ts (changed)'],
        runner: 'vitest',
        project: 'packages/c',
      },
    ]);
  });

  it('packages/b/package.json selects b’s tests and the tests reaching b, not everything', async () => {
    const why = 'packages/b/package.json configures the vitest run of packages/b';
    expect(await select(repo, { changed: ['packages/b/package.json'] })).toEqual(
      some([
        ['packages/b/test/format.test.ts', why],
        ['packages/b/test/index.test.ts', why],
        ['packages/a/test/app.test.ts', `${why} (via packages/b/src/index.ts, 2 imports away)`],
        ['packages/a/test/price.test.ts', `${why} (via packages/b/src/currency.ts, 2 imports away)`],
      ]),
    );
  });

  it('a package tsconfig selects its tests and the tests reaching it', async () => {
    const why = 'packages/b/tsconfig.json changed and the module graph cannot see through it';
    expect(await select(repo, { changed: ['packages/b/tsconfig.json'] })).toEqual(
      some([
        ['packages/b/test/format.test.ts', why],
        ['packages/b/test/index.test.ts', why],
        ['packages/a/test/app.test.ts', `${why} (via packages/b/src/index.ts, 2 imports away)`],
        ['packages/a/test/price.test.ts', `${why} (via packages/b/src/currency.ts, 2 imports away)`],
      ]),
    );
  });

  it('a package runner config selects that package’s tests', async () => {
    const why = 'packages/a/vitest.config.ts configures the vitest run of packages/a';
    expect(await select(repo, { changed: ['packages/a/vitest.config.ts'] })).toEqual(
      some([
        ['packages/a/test/app.test.ts', why],
        ['packages/a/test/price.test.ts', why],
        ['packages/a/test/slug.test.ts', why],
      ]),
    );
  });

  it('a package setup file selects that package’s tests', async () => {
    const why = 'packages/a/test/setup.ts configures the vitest run of packages/a';
    expect(await select(repo, { changed: ['packages/a/test/setup.ts'] })).toEqual(
      some([
        ['packages/a/test/app.test.ts', why],
        ['packages/a/test/price.test.ts', why],
        ['packages/a/test/slug.test.ts', why],
      ]),
    );
  });

  it('a data file read by path selects its package’s tests', async () => {
    const why =
      'packages/a/test/fixtures/samples.txt changed and no module imports it (a fixture or data file read by path?)';
    writeFileSync(join(repo.dir, 'packages/a/test/fixtures/samples.txt'), 'E F\n');
    expect(await select(repo, { changed: ['packages/a/test/fixtures/samples.txt'] })).toEqual(
      some([
        ['packages/a/test/app.test.ts', why],
        ['packages/a/test/price.test.ts', why],
        ['packages/a/test/slug.test.ts', why],
      ]),
    );
  });

  it('git: the root lockfile selects every test', async () => {
    commitChange(repo, () =>
      repo.write('pnpm-lock.yaml', "lockfileVersion: '9.0'\n\nimporters:\n\n  .: {}\n"),
    );
    expect(await select(repo, { base: 'main' })).toEqual(
      everything(MONOREPO_TESTS, 'pnpm-lock.yaml changed and the module graph cannot see through it'),
    );
  });

  it('the root tsconfig and pnpm-workspace.yaml select every test', async () => {
    expect(await select(repo, { changed: ['tsconfig.base.json'] })).toEqual(
      everything(MONOREPO_TESTS, 'tsconfig.base.json changed and the module graph cannot see through it'),
    );
    expect(await select(repo, { changed: ['pnpm-workspace.yaml'] })).toEqual(
      everything(MONOREPO_TESTS, 'pnpm-workspace.yaml changed and the module graph cannot see through it'),
    );
  });
});

describe('selectTests: imports the graph cannot resolve (unbuilt-stub fixture)', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = fixtureRepo('unbuilt-stub');
  });
  afterEach(() => reset(repo));
  afterAll(() => repo.remove());

  /** The fixture's config without its computed aliases, which would widen to every test of the package. */
  const writeStaticConfig = (): void => {
    repo.write(
      'vitest.config.ts',
      "import { defineConfig } from 'vitest/config';\n\nexport default defineConfig({\n  test: { include: ['packages/*/__tests__/**/*.spec.ts'] },\n});\n",
    );
  };

  it('maps a package entry that only requires its unbuilt dist/ to the package source (src/index.ts)', async () => {
    commitChange(repo, writeStaticConfig);
    expect(await select(repo, { changed: ['packages/shared/src/toDisplayString.ts'] })).toEqual(
      some([
        [
          'packages/shared/__tests__/toDisplayString.spec.ts',
          'imports packages/shared/src/toDisplayString.ts (changed)',
        ],
        [
          'packages/runtime/__tests__/render.spec.ts',
          'reaches packages/shared/src/toDisplayString.ts (changed) through packages/runtime/src/render.ts (3 imports away)',
        ],
      ]),
    );
  });

  it('an unresolved import never narrows: the tests reaching its importer are selected, naming it', async () => {
    commitChange(repo, () => {
      writeStaticConfig();
      repo.write('packages/runtime/src/legacy.ts', "export { format } from '@/helpers/format';\n");
      repo.write(
        'packages/runtime/__tests__/legacy.spec.ts',
        "import { it } from 'vitest';\nimport { format } from '../src/legacy';\n\nit('formats', () => format);\n",
      );
    });
    const result = await selectTests({
      cwd: repo.dir,
      env: {},
      changed: ['packages/shared/src/toDisplayString.ts'],
    });
    expect(result.stats.unresolved).toBeGreaterThanOrEqual(1);
    expect(result.tests.find((t) => t.file === 'packages/runtime/__tests__/legacy.spec.ts')?.reasons).toEqual(
      [
        'packages/runtime/src/legacy.ts imports @/helpers/format, which resolves to no file of the repository: what it loads is unknown (via packages/runtime/src/legacy.ts, 1 import away)',
      ],
    );
    // Without the unresolved import, the same change leaves the test out.
    repo.write('packages/runtime/src/legacy.ts', 'export const format = (): string => "";\n');
    const narrowed = await selectTests({
      cwd: repo.dir,
      env: {},
      changed: ['packages/shared/src/toDisplayString.ts'],
    });
    expect(narrowed.tests.map((t) => t.file)).not.toContain('packages/runtime/__tests__/legacy.spec.ts');
  });

  it('without vitest installed, says which settings it could not read; a computed include selects everything', async () => {
    const aliasOnly = await selectTests({
      cwd: repo.dir,
      env: {},
      changed: ['packages/runtime/src/version.ts'],
    });
    const loaderFailed =
      "vitest's own loader could not read vitest.config.ts either: Cannot find module 'vitest/node'";
    // A computed alias may send any name anywhere: the package's tests all run, and the reason says why.
    expect(aliasOnly.all).toBe(true);
    expect(aliasOnly.reason).toBe(
      `the runner settings of the repository are not known in full (scripts/aliases.js:4: cannot read resolve.alias statically (calls Object.fromEntries()); using the default; ${loaderFailed})`,
    );
    expect(aliasOnly.warnings).toEqual([
      'scripts/aliases.js:4: cannot read resolve.alias statically (calls Object.fromEntries()); using the default',
      loaderFailed,
    ]);
    commitChange(repo, () =>
      repo.write(
        'vitest.config.ts',
        "import { defineConfig } from 'vitest/config';\n\nexport default defineConfig({\n  test: { include: [process.env.SPECS ?? 'packages/*/__tests__/**/*.spec.ts'] },\n});\n",
      ),
    );
    const reason = `the runner settings of the repository are not known in full (vitest.config.ts:4: cannot read test.include statically (reads process.env); using the default; ${loaderFailed})`;
    expect(await select(repo, { changed: ['packages/runtime/src/version.ts'] })).toEqual(
      everything(
        [
          'packages/runtime/__tests__/render.spec.ts',
          'packages/runtime/__tests__/version.spec.ts',
          'packages/shared/__tests__/toDisplayString.spec.ts',
        ],
        reason,
      ),
    );
  });

  it("with vitest installed, reads what it could not evaluate through vitest's own loader", async () => {
    // The repository's own vitest, as `npm install` leaves it.
    rmSync(join(repo.dir, 'node_modules'), { recursive: true, force: true });
    symlinkSync(join(import.meta.dirname, '../../node_modules'), join(repo.dir, 'node_modules'));
    try {
      commitChange(repo, () =>
        repo.write(
          'vitest.config.ts',
          "import { defineConfig } from 'vitest/config';\nimport { entries } from './scripts/aliases.js';\n\nexport default defineConfig({\n  resolve: { alias: entries },\n  test: { include: [process.env.SPECS ?? 'packages/*/__tests__/**/*.spec.ts'] },\n});\n",
        ),
      );
      const result = await selectTests({
        cwd: repo.dir,
        env: {},
        changed: ['packages/shared/src/toDisplayString.ts'],
        cache: false,
      });
      expect(result.all).toBe(false);
      expect(result.tests.map((t) => t.file)).toEqual([
        'packages/shared/__tests__/toDisplayString.spec.ts',
        'packages/runtime/__tests__/render.spec.ts',
      ]);
      expect(result.warnings).toEqual([
        "vitest.config.ts:6: cannot read test.include statically (reads process.env); read through vitest's own loader instead",
        "scripts/aliases.js:4: cannot read resolve.alias statically (calls Object.fromEntries()); read through vitest's own loader instead",
      ]);
      expect(result.stats.totalTests).toBe(3);
    } finally {
      rmSync(join(repo.dir, 'node_modules'), { force: true });
      mkdirSync(join(repo.dir, 'node_modules'));
    }
  });

  it('a folder named by path (new URL("./fixtures/", import.meta.url)) makes its files dependencies', async () => {
    commitChange(repo, () => {
      writeStaticConfig();
      repo.write('packages/runtime/__tests__/fixtures/page.html', '<p>1</p>\n');
      repo.write(
        'packages/runtime/__tests__/snapshot.spec.ts',
        "import { it } from 'vitest';\n\nconst folder = new URL('./fixtures/', import.meta.url);\nit('reads', () => folder);\n",
      );
    });
    expect(await select(repo, { changed: ['packages/runtime/__tests__/fixtures/page.html'] })).toEqual(
      some([
        [
          'packages/runtime/__tests__/snapshot.spec.ts',
          'imports packages/runtime/__tests__/fixtures/page.html (changed)',
        ],
      ]),
    );
  });
});

describe('selectTests: Vue templates and generated code (vue-templates fixture)', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = fixtureRepo('vue-templates');
  });
  afterEach(() => reset(repo));
  afterAll(() => repo.remove());

  it('reaches a component used by name in a template, with no import (auto-import plugins)', async () => {
    expect(await select(repo, { changed: ['src/components/Greeting.vue'] })).toEqual(
      some([
        [
          'test/page.test.ts',
          'reaches src/components/Greeting.vue (changed) through src/components/Page.vue (2 imports away)',
        ],
      ]),
    );
    expect(await select(repo, { changed: ['src/components/ScriptSetupNote.vue'] })).toEqual(
      some([
        [
          'test/page.test.ts',
          'reaches src/components/ScriptSetupNote.vue (changed) through src/components/Page.vue (2 imports away)',
        ],
      ]),
    );
  });

  it('does not widen on require() text a compiler module generates in a template literal', async () => {
    expect(await select(repo, { changed: ['src/format.ts'] })).toEqual(
      some([['test/format.test.ts', 'imports src/format.ts (changed)']]),
    );
  });
});
