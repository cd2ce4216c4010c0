import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { runnerByName } from '../runners/registry.ts';
import type { RunnerName } from '../runners/types.ts';

/**
 * How relative imports name a TypeScript file in this repository:
 * - 'js': `./sum.js` for `sum.ts` (NodeNext / Node16 resolution);
 * - 'ts': `./sum.ts` (allowImportingTsExtensions, Node type stripping);
 * - 'none': `./sum` (bundler resolution: vitest, jest, ts-node);
 * - 'keep': the file's own extension (plain Node ESM).
 */
export type ExtensionStyle = 'js' | 'ts' | 'none' | 'keep';
export type ModuleStyle = 'esm' | 'cjs';

const RELATIVE_IMPORT =
  /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+|\bjest\.mock\s*\(\s*|\bvi\.mock\s*\(\s*)['"](\.{1,2}\/[^'"\n]+)['"]/gm;
const TS_FILE = /\.([cm]?)tsx?$/i;
const CODE_EXTENSION = /\.(?:[cm]?[jt]sx?)$/i;

/** The import specifier of `source` as seen from `testFile` (both repository-relative). */
export function importSpecifier(
  testFile: string,
  source: string,
  style: ExtensionStyle,
  runner: RunnerName,
  moduleStyle: ModuleStyle,
): string {
  let rel = posix.relative(posix.dirname(testFile), source);
  if (!rel.startsWith('.')) rel = `./${rel}`;
  const ts = TS_FILE.exec(source);
  if (style === 'js' && ts) return rel.replace(TS_FILE, `.${ts[1]!.toLowerCase()}js`);
  // Node loads ESM only by its full name; bundlers cannot guess .mjs/.cjs/.mts/.cts.
  const mustKeep = /\.[cm][jt]s$/i.test(source) || (!extensionless(runner) && moduleStyle === 'esm');
  if (style === 'none' && !mustKeep) return rel.replace(/\.[jt]sx?$/i, '');
  return rel;
}

/** Reads the style from the example test's own relative imports; else from tsconfig and the runner. */
export function inferExtensionStyle(
  example: { file: string; content: string } | undefined,
  files: ReadonlySet<string>,
  tsconfigDirs: readonly string[],
  root: string,
  runner: RunnerName,
): ExtensionStyle {
  if (example) {
    for (const match of example.content.matchAll(RELATIVE_IMPORT)) {
      const specifier = match[1]!;
      const target = posix.normalize(posix.join(posix.dirname(example.file), specifier));
      if (TS_FILE.test(specifier)) return 'ts';
      if (/\.[cm]?jsx?$/i.test(specifier)) {
        if (files.has(target)) return 'keep';
        const base = target.replace(/\.([cm]?)jsx?$/i, '');
        if (['.ts', '.tsx', '.mts', '.cts'].some((ext) => files.has(base + ext))) return 'js';
        continue;
      }
      if (!CODE_EXTENSION.test(specifier) && !/\.\w+$/.test(specifier)) return 'none';
    }
  }
  for (const dir of tsconfigDirs) {
    let text: string;
    try {
      text = readFileSync(join(root, dir, 'tsconfig.json'), 'utf8');
    } catch {
      continue;
    }
    if (/"allowImportingTsExtensions"\s*:\s*true/.test(text)) return 'ts';
    if (/"module(?:Resolution)?"\s*:\s*"node(?:16|next)"/i.test(text)) return 'js';
    return extensionless(runner) ? 'none' : 'keep';
  }
  return extensionless(runner) ? 'none' : 'keep';
}

/** ESM or CommonJS for the generated test: as the example test is written, else from the file and package. */
export function inferModuleStyle(
  example: { content: string } | undefined,
  testFile: string,
  packageType: unknown,
  runner: RunnerName,
): ModuleStyle {
  if (example) {
    const esm = /^\s*(?:import\s|export\s)/m.test(example.content);
    const cjs = /\brequire\s*\(/.test(example.content);
    if (esm !== cjs) return esm ? 'esm' : 'cjs';
  }
  if (/\.c[jt]s$/i.test(testFile)) return 'cjs';
  if (/\.(?:m[jt]s|tsx?)$/i.test(testFile)) return 'esm';
  if (packageType === 'module') return 'esm';
  return runnerByName(runner)?.authoring.moduleStyle ?? 'cjs';
}

/** Whether the runner resolves an import that leaves out the file's extension (see TestAuthoring). */
function extensionless(runner: RunnerName): boolean {
  return runnerByName(runner)?.authoring.extensionlessImports ?? true;
}
