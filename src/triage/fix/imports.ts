import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parseImports } from '../../graph/parse-imports.ts';

const CANDIDATES = ['', '.ts', '.tsx', '.mts', '.js', '.jsx', '.mjs', '.cjs', '/index.ts', '/index.js'];

/**
 * The repository files `file` imports by relative path (`./lib.js` → `lib.ts` where TypeScript spells it
 * so): the modules a model fixing the test should see after the test and its stack frames.
 */
export function relativeImports(root: string, file: string): string[] {
  let source: string;
  try {
    source = readFileSync(join(root, file), 'utf8');
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const { specifier } of parseImports(file, source).imports) {
    if (!specifier.startsWith('./') && !specifier.startsWith('../')) continue;
    const base = posix.normalize(posix.join(posix.dirname(file), specifier));
    if (base.startsWith('../')) continue;
    const stem = base.replace(/\.[cm]?js$/, '');
    const hit = [
      ...CANDIDATES.map((ext) => base + ext),
      ...CANDIDATES.slice(1).map((ext) => stem + ext),
    ].find((path) => /\.[cm]?[jt]sx?$/.test(path) && existsSync(join(root, path)));
    if (hit !== undefined) found.push(hit);
  }
  return found;
}
