import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProjectInfo } from '../../src/runners/types.ts';

export const FIXTURES = fileURLToPath(new URL('../fixtures/runners/', import.meta.url));
const NODE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter(
      (entry) => entry.isFile() && !join(entry.parentPath, entry.name).includes(`${sep}node_modules${sep}`),
    )
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * A fixture as select sees it: `root` is the repository (the fixture itself, or `root` when given, for a
 * package inside a monorepo), `files` the package's files relative to it, as git would list them.
 */
export function fixtureProject(name: string, options: { dir?: string; root?: string } = {}): ProjectInfo {
  const base = options.dir ?? join(FIXTURES, name);
  const root = options.root ?? base;
  const packageJson = JSON.parse(readFileSync(join(base, 'package.json'), 'utf8')) as Record<string, unknown>;
  const files = listFiles(base)
    .map((file) => relative(root, file).split(sep).join('/'))
    .sort();
  return { root, dir: base, packageJson, files };
}

/**
 * Copies a fixture to a temp folder for a real run, with the project's node_modules linked in entry by
 * entry: the runners' caches (node_modules/.vite) then stay in the temp folder.
 */
export function copyFixture(name: string): { dir: string; project: ProjectInfo; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `testloop-${name}-`));
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  linkNodeModules(dir);
  return {
    dir,
    project: fixtureProject(name, { dir }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * A node_modules in `dir` with this project's packages linked in entry by entry: the runners' caches
 * (node_modules/.vite) then stay in `dir`.
 */
export function linkNodeModules(dir: string): void {
  mkdirSync(join(dir, 'node_modules'));
  for (const entry of readdirSync(NODE_MODULES)) {
    if (!entry.startsWith('.vite') && entry !== '.cache')
      symlinkSync(join(NODE_MODULES, entry), join(dir, 'node_modules', entry));
  }
}
