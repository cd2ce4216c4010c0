import { join, posix } from 'node:path';
import picomatch from 'picomatch';
import { parsePnpmWorkspace } from '../graph/workspaces.ts';
import { readInput } from '../runners/inputs.ts';

/**
 * The package folders (repository-relative) that the workspace settings of the package at `dir` name:
 * npm/yarn/bun `workspaces` (array or `{ packages }`), pnpm-workspace.yaml and lerna.json, `!` globs
 * leaving folders out. Matched against the folders that hold a listed package.json, so nothing is walked.
 */
export function workspaceMembers(
  root: string,
  dir: string,
  packageJson: Record<string, unknown>,
  packageDirs: readonly string[],
  listed: ReadonlySet<string>,
): string[] {
  const prefix = dir === '' ? '' : `${dir}/`;
  const patterns = [...npmPatterns(packageJson)];
  const pnpm = ['pnpm-workspace.yaml', 'pnpm-workspace.yml'].find((name) => listed.has(prefix + name));
  if (pnpm !== undefined) patterns.push(...parsePnpmWorkspace(readInput(join(root, prefix + pnpm))));
  if (listed.has(`${prefix}lerna.json`)) patterns.push(...lernaPatterns(join(root, `${prefix}lerna.json`)));
  if (patterns.length === 0) return [];
  const clean = (pattern: string) => posix.normalize(pattern).replace(/^\.\//, '').replace(/\/+$/, '');
  const include = patterns.filter((p) => !p.startsWith('!')).map(clean);
  const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => clean(p.slice(1)));
  if (include.length === 0) return [];
  const isIncluded = picomatch(include);
  const isExcluded = exclude.length > 0 ? picomatch(exclude) : () => false;
  return packageDirs.filter((candidate) => {
    if (prefix !== '' && !candidate.startsWith(prefix)) return false;
    const rel = candidate.slice(prefix.length);
    return rel !== '' && !rel.split('/').includes('node_modules') && isIncluded(rel) && !isExcluded(rel);
  });
}

function npmPatterns(packageJson: Record<string, unknown>): string[] {
  const ws = packageJson.workspaces;
  const list =
    typeof ws === 'object' && ws !== null && !Array.isArray(ws)
      ? (ws as { packages?: unknown }).packages
      : ws;
  return Array.isArray(list) ? list.filter((p): p is string => typeof p === 'string') : [];
}

function lernaPatterns(path: string): string[] {
  try {
    const packages = (JSON.parse(readInput(path)) as { packages?: unknown }).packages;
    // lerna's default when the file names no packages.
    if (packages === undefined) return ['packages/*'];
    return Array.isArray(packages) ? packages.filter((p): p is string => typeof p === 'string') : [];
  } catch {
    return [];
  }
}
