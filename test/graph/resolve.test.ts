import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createResolver, type ResolverOptions } from '../../src/graph/resolve.ts';
import type { Alias } from '../../src/graph/types.ts';
import { parsePnpmWorkspace } from '../../src/graph/workspaces.ts';

const fixtures = join(import.meta.dirname, '../fixtures/graph/resolve');

/** Resolves each specifier from one file and reports repo-relative paths, 'external' or 'unresolved'. */
function resolveAll(
  root: string,
  fromFile: string,
  specifiers: string[],
  options: Partial<ResolverOptions> = {},
): Record<string, string> {
  const resolver = createResolver({ root, ...options });
  return Object.fromEntries(
    specifiers.map((specifier) => {
      const result = resolver.resolve(join(root, fromFile), specifier);
      return [
        specifier,
        result === undefined || result === 'external' ? (result ?? 'unresolved') : relative(root, result),
      ];
    }),
  );
}

/** Every file under root outside node_modules and .git, as git would list a checkout. */
function listFiles(root: string, dir = ''): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (entry.name === 'node_modules' || entry.name === '.git') return [];
    return entry.isDirectory() ? listFiles(root, rel) : [rel];
  });
}

/** Both ways give the same answers: oxc alone, and with the file list's fast paths. */
function expectResolved(
  root: string,
  fromFile: string,
  expected: Record<string, string>,
  options?: Partial<ResolverOptions>,
): void {
  expect(resolveAll(root, fromFile, Object.keys(expected), options)).toEqual(expected);
  const files = new Set(listFiles(root));
  expect(resolveAll(root, fromFile, Object.keys(expected), { ...options, files })).toEqual(expected);
}

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** A copy of a fixture in a temp folder, where node_modules symlinks and build output can be added. */
function tempCopy(fixture: string): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), `testloop-resolve-${fixture}-`)));
  temps.push(dir);
  cpSync(join(fixtures, fixture), dir, { recursive: true });
  return dir;
}

function write(root: string, file: string, text: string): void {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), text);
}

function link(root: string, from: string, to: string): void {
  mkdirSync(dirname(join(root, from)), { recursive: true });
  symlinkSync(to, join(root, from), 'dir');
}

describe('createResolver: ts-paths', () => {
  const root = join(fixtures, 'ts-paths');

  it('applies baseUrl + paths inherited through extends, found via the solution tsconfig references', () => {
    expectResolved(root, 'src/app.ts', {
      '@lib/math': 'src/lib/math.ts',
      '@config': 'src/config/index.ts',
      'src/utils/strings': 'src/utils/strings.ts',
      '@multi/math': 'src/lib/math.ts',
      '@lib/does-not-exist': 'unresolved',
      '~tools/helper': 'unresolved',
      zod: 'external',
    });
  });

  it('uses the referenced project’s own paths for its files', () => {
    expectResolved(root, 'tools/src/cli.ts', {
      '~tools/helper': 'tools/src/helper.ts',
      '@lib/math': 'unresolved',
    });
  });

  it('accepts one explicit tsconfig instead of discovery', () => {
    expectResolved(
      root,
      'src/app.ts',
      { '@lib/math': 'src/lib/math.ts', '@config': 'src/config/index.ts' },
      {
        tsconfig: 'tsconfig.app.json',
      },
    );
  });
});

describe('createResolver: js-to-ts', () => {
  it('maps .js/.mjs/.cjs to TypeScript sources, finds index files, strips queries, keeps builtins external', () => {
    expectResolved(join(fixtures, 'js-to-ts'), 'src/index.ts', {
      './x.js': 'src/x.ts',
      './comp.js': 'src/comp.tsx',
      './dir': 'src/dir/index.ts',
      './dir/index.js': 'src/dir/index.ts',
      './esm.mjs': 'src/esm.mts',
      './cjs.cjs': 'src/cjs.cts',
      './plain.js': 'src/plain.js',
      './data.json': 'src/data.json',
      './shape.js': 'src/shape.d.ts',
      './both': 'src/both.ts',
      './missing.js': 'unresolved',
      './styles.css?inline': 'src/styles.css',
      'node:fs/promises': 'external',
      path: 'external',
      'virtual:pwa-register': 'external',
    });
  });
});

describe('createResolver: a root reached through a symlink', () => {
  it('answers under the root as given, so callers can slice root.length off', () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'testloop-resolve-link-')));
    temps.push(dir);
    const root = join(dir, 'repo');
    symlinkSync(join(fixtures, 'js-to-ts'), root, 'dir');
    expectResolved(root, 'src/index.ts', { './x.js': 'src/x.ts', './dir': 'src/dir/index.ts' });
    const monorepo = join(dir, 'monorepo');
    symlinkSync(join(fixtures, 'npm-workspaces'), monorepo, 'dir');
    expectResolved(monorepo, 'apps/web/src/main.ts', {
      'shared-ui': 'packages/shared-ui/src/index.tsx',
      react: 'external',
      'undeclared-pkg': 'unresolved',
    });
    const resolver = createResolver({ root });
    expect(resolver.resolve(join(root, 'src/index.ts'), './x.js')).toBe(join(root, 'src/x.ts'));
  });
});

describe('createResolver: package-exports', () => {
  const root = join(fixtures, 'package-exports');

  it('applies exports conditions, subpath patterns, null targets, imports and self-reference', () => {
    expectResolved(root, 'src/main.ts', {
      '#internal/log': 'src/internal/log.ts',
      '#config': 'src/config.dev.ts',
      'package-exports-root/feature': 'src/feature.ts',
      widget: 'packages/widget/lib/index.js',
      'widget/components/button': 'packages/widget/lib/components/button.js',
      'widget/components/internal/secret': 'unresolved',
      'widget/runtime': 'packages/widget/lib/runtime-node.js',
      'widget/package.json': 'packages/widget/package.json',
      '#nope': 'unresolved',
    });
  });

  it("resolves a package's own #imports from its files", () => {
    expectResolved(root, 'packages/widget/lib/index.js', { '#util': 'packages/widget/lib/util.js' });
  });

  it('takes custom conditions', () => {
    expectResolved(
      root,
      'src/main.ts',
      { 'widget/runtime': 'packages/widget/lib/runtime-custom.js', '#config': 'src/config.ts' },
      { conditions: ['custom', 'import', 'default'] },
    );
  });
});

describe('createResolver: pnpm-monorepo', () => {
  const expected = {
    '@scope/b': 'packages/b/src/index.ts',
    '@scope/b/utils': 'packages/b/src/utils/index.ts',
    '@scope/b/format': 'packages/b/src/format.ts',
    '@b-src/format.ts': 'packages/b/src/format.ts',
    '@scope/c': 'packages/c/source/index.ts',
    '@scope/c/build/deep/thing.js': 'packages/c/source/deep/thing.ts',
    '@tools/lint': 'tools/config/lint/src/index.ts',
    '@scope/ignored': 'unresolved',
    '@scope/b/missing': 'unresolved',
    './local.ts': 'packages/a/src/local.ts',
    'lodash/chunk': 'external',
  };

  it('finds workspace packages from pnpm-workspace.yaml without node_modules and maps dist/ to source', () => {
    expectResolved(join(fixtures, 'pnpm-monorepo'), 'packages/a/src/index.ts', expected);
  });

  it('gives the same answers with pnpm symlinks and built output present, and follows linked folders', () => {
    const root = tempCopy('pnpm-monorepo');
    link(root, 'packages/a/node_modules/@scope/b', '../../../b');
    link(root, 'packages/a/node_modules/@scope/c', '../../../c');
    write(root, 'packages/b/dist/index.js', "export const b = 'built';\n");
    write(root, 'packages/b/dist/index.d.ts', 'export declare const b: string;\n');
    write(root, 'packages/c/build/index.js', "exports.c = 'built';\n");
    write(root, 'packages/a/node_modules/lodash/package.json', '{ "name": "lodash", "main": "lodash.js" }');
    write(root, 'packages/a/node_modules/lodash/chunk.js', 'module.exports = () => [];\n');
    // A package linked into node_modules (link: / file: dependency) that no workspace glob lists.
    write(root, 'vendor/linked/package.json', '{ "name": "linked-local", "main": "dist/index.js" }');
    write(root, 'vendor/linked/src/index.ts', 'export const linked = 1;\n');
    link(root, 'packages/a/node_modules/linked-local', '../../../vendor/linked');
    write(root, 'vendor/built/package.json', '{ "name": "built-local", "main": "dist/index.js" }');
    write(root, 'vendor/built/dist/index.js', 'export const built = 1;\n');
    write(root, 'vendor/built/src/index.ts', 'export const built = 1;\n');
    link(root, 'packages/a/node_modules/built-local', '../../../vendor/built');
    expectResolved(root, 'packages/a/src/index.ts', {
      ...expected,
      'linked-local': 'vendor/linked/src/index.ts',
      'built-local': 'vendor/built/src/index.ts',
    });
  });

  it('reads the pnpm-workspace.yaml packages list in block and flow form', () => {
    expect(
      parsePnpmWorkspace("packages:\n  - 'a/*'\n  - \"b/**\"  # c\n  - '!a/x'\ncatalog:\n  - no\n"),
    ).toEqual(['a/*', 'b/**', '!a/x']);
    expect(parsePnpmWorkspace('# x\npackages: [\'a/*\', "b"]\n')).toEqual(['a/*', 'b']);
  });
});

describe('createResolver: npm-workspaces', () => {
  it('finds packages from the workspaces field and maps main/lib and deep imports to source', () => {
    expectResolved(join(fixtures, 'npm-workspaces'), 'apps/web/src/main.ts', {
      'shared-ui': 'packages/shared-ui/src/index.tsx',
      'shared-utils/lib/strings.js': 'packages/shared-utils/src/strings.ts',
      'shared-utils': 'packages/shared-utils/src/index.ts',
      './sibling.js': 'apps/web/src/sibling.ts',
      react: 'external',
      'undeclared-pkg': 'unresolved',
    });
  });

  it('calls a package declared only through its @types package external, not unresolved', () => {
    // `import type { X } from 'typed-only/lib'` with only @types/typed-only installed loads nothing.
    expectResolved(join(fixtures, 'npm-workspaces'), 'apps/web/src/main.ts', {
      'typed-only/lib': 'external',
      '@scope/typed': 'external',
      '@scope/other': 'unresolved',
      'typed-only-not': 'unresolved',
    });
  });

  it('gives the same answers through npm-style node_modules symlinks', () => {
    const root = tempCopy('npm-workspaces');
    link(root, 'node_modules/shared-ui', '../packages/shared-ui');
    link(root, 'node_modules/shared-utils', '../packages/shared-utils');
    write(root, 'packages/shared-ui/dist/index.js', 'export const Button = 1;\n');
    expectResolved(root, 'apps/web/src/main.ts', {
      'shared-ui': 'packages/shared-ui/src/index.tsx',
      'shared-utils/lib/strings.js': 'packages/shared-utils/src/strings.ts',
      'shared-utils': 'packages/shared-utils/src/index.ts',
    });
  });
});

describe('createResolver: aliases', () => {
  const root = join(fixtures, 'aliases');
  const aliases: Alias[] = [
    { find: '@', replacement: join(root, 'src') },
    { find: '@components', replacement: join(root, 'src/components') },
    { find: '^~/(.*)$', regex: true, replacement: '<rootDir>/src/$1' },
    { find: '^config$', regex: true, replacement: join(root, 'src/config/index.ts') },
    { find: '\\.(css|less)$', regex: true, replacement: 'identity-obj-proxy' },
    { find: 'multi', replacement: join(root, 'missing') },
    { find: 'multi', replacement: join(root, 'src/utils') },
  ];

  it('applies vite prefix aliases and jest regex aliases with $1, in order, before resolution', () => {
    expectResolved(
      root,
      'test/app.test.ts',
      {
        '@/utils/format': 'src/utils/format.ts',
        '@components/Button': 'src/components/Button.tsx',
        '~/utils/format': 'src/utils/format.ts',
        config: 'src/config/index.ts',
        'config/other': 'unresolved',
        './x.module.css': 'external',
        '@scope/pkg': 'external',
        '@componentsX/near': 'unresolved',
        'multi/format': 'src/utils/format.ts',
      },
      { aliases },
    );
  });
});

describe('createResolver: workspace entries that are not built', () => {
  it('a member sharing the root package’s name wins, and its unbuilt dist/ maps to src/index.ts', () => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), 'testloop-resolve-same-name-')));
    temps.push(root);
    write(root, 'package.json', '{ "name": "lib", "private": true, "workspaces": ["packages/*"] }');
    write(
      root,
      'packages/lib/package.json',
      '{ "name": "lib", "main": "dist/index.cjs", "exports": { ".": { "import": "./dist/index.js" } } }',
    );
    write(root, 'packages/lib/src/index.ts', "export * from './chunk';\n");
    write(root, 'packages/lib/src/chunk.ts', 'export const chunk = 1;\n');
    write(root, 'packages/app/src/main.ts', "import { chunk } from 'lib';\n");
    expectResolved(root, 'packages/app/src/main.ts', { lib: 'packages/lib/src/index.ts' });
  });

  it('a root entry that only requires its dist/ by NODE_ENV stands for src/index.ts', () => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), 'testloop-resolve-stub-')));
    temps.push(root);
    write(root, 'package.json', '{ "name": "mono", "private": true, "workspaces": ["packages/*"] }');
    write(root, 'packages/shared/package.json', '{ "name": "@s/shared", "main": "index.js" }');
    write(
      root,
      'packages/shared/index.js',
      "if (process.env.NODE_ENV === 'production') module.exports = require('./dist/shared.cjs.prod.js');\nelse module.exports = require('./dist/shared.cjs.js');\n",
    );
    write(root, 'packages/shared/src/index.ts', 'export const shared = 1;\n');
    write(root, 'packages/other/package.json', '{ "name": "@s/other", "main": "index.js" }');
    // A real entry that also requires build output is not a stub: it stays what it is.
    write(
      root,
      'packages/other/index.js',
      "const a = require('./dist/a.js');\nmodule.exports = { a, b: require('./helpers.js') };\n",
    );
    write(root, 'packages/other/helpers.js', 'module.exports = 2;\n');
    write(root, 'packages/other/src/index.ts', 'export const other = 1;\n');
    write(root, 'packages/app/src/main.ts', '');
    expectResolved(root, 'packages/app/src/main.ts', {
      '@s/shared': 'packages/shared/src/index.ts',
      '@s/other': 'packages/other/index.js',
    });
  });
});

describe('createResolver: build output stands for its source', () => {
  it('a relative import of lib/ maps to src/, built or not; a lib/ that is the source stays', () => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), 'testloop-resolve-built-')));
    temps.push(root);
    write(root, 'package.json', '{ "name": "mono", "private": true, "workspaces": ["packages/*"] }');
    write(root, 'packages/parser/package.json', '{ "name": "@m/parser", "main": "lib/index.js" }');
    write(root, 'packages/parser/src/index.ts', "export * from './tokenizer';\n");
    write(root, 'packages/parser/src/tokenizer.ts', 'export const tokenize = 1;\n');
    // Built: lib/tokenizer.js exists beside its source.
    write(root, 'packages/parser/lib/tokenizer.js', 'exports.tokenize = 1;\n');
    write(root, 'packages/parser/test/helpers.ts', '');
    // A package whose lib/ is its source (no src/), with an index.js at its root.
    write(root, 'packages/old/package.json', '{ "name": "@m/old", "main": "index.js" }');
    write(root, 'packages/old/index.js', "module.exports = require('./lib/index.js');\n");
    write(root, 'packages/old/lib/index.js', 'module.exports = 1;\n');
    expectResolved(root, 'packages/parser/test/helpers.ts', {
      '../lib/tokenizer.js': 'packages/parser/src/tokenizer.ts',
      '../lib/index.js': 'packages/parser/src/index.ts',
      '../lib/index': 'packages/parser/src/index.ts',
    });
    expectResolved(root, 'packages/old/index.js', { './lib/index.js': 'packages/old/lib/index.js' });
  });
});
