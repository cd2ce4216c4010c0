import { posix } from 'node:path';

/** Files the module graph cannot see through: a change to one may affect every test of its package. */
export const OPAQUE_TO_GRAPH = [
  '**/package.json',
  '**/package-lock.json',
  '**/npm-shrinkwrap.json',
  '**/yarn.lock',
  '**/pnpm-lock.yaml',
  '**/pnpm-workspace.yaml',
  '**/bun.lock',
  '**/bun.lockb',
  '**/tsconfig*.json',
  '**/jsconfig*.json',
  '**/babel.config.*',
  '**/.babelrc*',
  '**/.swcrc',
  '**/.env',
  '**/.env.*',
  '**/.nvmrc',
  '**/.node-version',
  '**/.npmrc',
  '**/.yarnrc*',
  '**/vite.config.*',
  '**/vitest.config.*',
  '**/vitest.workspace.*',
  '**/vitest.setup.*',
  '**/jest.config.*',
  '**/jest.setup.*',
  '**/jest.preset.*',
];

/** Changes that cannot change a test's outcome: documentation, editor and lint settings, CI files. */
export const INERT = [
  '**/*.md',
  '**/*.mdx',
  '**/*.markdown',
  '**/LICENSE*',
  '**/CHANGELOG*',
  '**/CODEOWNERS',
  '.github/**',
  '.gitlab-ci.yml',
  '.circleci/**',
  '.buildkite/**',
  '**/docs/**',
  '**/.vscode/**',
  '**/.idea/**',
  '**/.gitignore',
  '**/.gitattributes',
  '**/.editorconfig',
  '**/.prettierrc*',
  '**/prettier.config.*',
  '**/.prettierignore',
  '**/biome.json',
  '**/biome.jsonc',
  '**/.eslintrc*',
  '**/eslint.config.*',
  '**/.eslintignore',
  '**/.oxlintrc*',
  '**/.husky/**',
  '**/.lintstagedrc*',
  '**/.commitlintrc*',
  '**/commitlint.config.*',
  // Tool caches, testloop's own graph cache among them: untracked when node_modules is not ignored.
  '**/node_modules/.cache/**',
  // testloop's own test history (SQLite), untracked when .testloop/ is not ignored.
  '**/.testloop/**',
];

// Compiled on first use: most runs test a few changed files against one list or the other.
let opaqueToGraph: RegExp | undefined;
let inert: RegExp | undefined;

export function isOpaqueToGraph(file: string): boolean {
  opaqueToGraph ??= globsToRegExp(OPAQUE_TO_GRAPH);
  return opaqueToGraph.test(file);
}

export function isInert(file: string): boolean {
  inert ??= globsToRegExp(INERT);
  return inert.test(file);
}

/**
 * The lists above as one regular expression, matching as picomatch with `dot: true` does. They use only
 * `**` as a whole segment and `*` within one, which a few replacements cover: loading and compiling
 * picomatch for them cost more than the rest of a warm `testloop select` outside git.
 */
export function globsToRegExp(globs: readonly string[]): RegExp {
  const sources = globs.map((glob) => {
    const segments = glob
      .split('/')
      .map((segment) =>
        segment === '**' ? '**' : segment.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'),
      );
    // `a/**` also matches `a` itself, `**/b` also `b` at the root.
    let source = segments.join('/');
    if (source.endsWith('/**')) source = `${source.slice(0, -3)}(?:/.*)?`;
    return source.replace(/(?:^|\/)\*\*\//g, (found) => (found === '/**/' ? '/(?:.*/)?' : '(?:.*/)?'));
  });
  return new RegExp(`^(?:${sources.join('|')})$`);
}

/** `__snapshots__/sum.test.ts.snap` belongs to `sum.test.ts` beside the snapshot folder. */
export function snapshotOwner(file: string): string | undefined {
  if (!file.endsWith('.snap')) return undefined;
  const dir = posix.dirname(file);
  if (posix.basename(dir) !== '__snapshots__') return undefined;
  return posix.join(posix.dirname(dir), posix.basename(file, '.snap'));
}
