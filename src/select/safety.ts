import { posix } from 'node:path';
import picomatch from 'picomatch';

/** Files the module graph cannot see through: a change to one may affect every test of its package. */
const OPAQUE_TO_GRAPH = [
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
const INERT = [
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
let opaqueToGraph: ((file: string) => boolean) | undefined;
let inert: ((file: string) => boolean) | undefined;

export function isOpaqueToGraph(file: string): boolean {
  opaqueToGraph ??= picomatch(OPAQUE_TO_GRAPH, { dot: true });
  return opaqueToGraph(file);
}

export function isInert(file: string): boolean {
  inert ??= picomatch(INERT, { dot: true });
  return inert(file);
}

/** `__snapshots__/sum.test.ts.snap` belongs to `sum.test.ts` beside the snapshot folder. */
export function snapshotOwner(file: string): string | undefined {
  if (!file.endsWith('.snap')) return undefined;
  const dir = posix.dirname(file);
  if (posix.basename(dir) !== '__snapshots__') return undefined;
  return posix.join(posix.dirname(dir), posix.basename(file, '.snap'));
}
