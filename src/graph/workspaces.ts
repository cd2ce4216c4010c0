import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import picomatch from 'picomatch';

/** What the resolver needs from one package.json. */
export interface PackageInfo {
  dir: string;
  name?: string;
  exports?: unknown;
  main?: string;
  module?: string;
  source?: string;
  types?: string;
  /** Names in dependencies, devDependencies, peerDependencies and optionalDependencies. */
  deps: Set<string>;
  /** tsconfig `outDir` → `rootDir` pairs, relative to `dir`, from tsconfig{,.build,.lib}.json. */
  outDirs: { outDir: string; rootDir: string }[];
}

/**
 * Workspace packages by name: npm/yarn/bun `workspaces` (array or `{ packages }`), pnpm-workspace.yaml
 * and lerna.json, found from the globs alone so no node_modules is needed.
 */
export function findWorkspacePackages(
  root: string,
  readPackage: (dir: string) => PackageInfo | undefined,
): Map<string, PackageInfo> {
  const patterns: string[] = [];
  const rootPkg = readJson(join(root, 'package.json'));
  const ws = rootPkg?.workspaces;
  if (Array.isArray(ws)) patterns.push(...ws.filter(isString));
  else if (isObject(ws) && Array.isArray(ws.packages)) patterns.push(...ws.packages.filter(isString));
  const pnpm = readText(join(root, 'pnpm-workspace.yaml')) ?? readText(join(root, 'pnpm-workspace.yml'));
  if (pnpm) patterns.push(...parsePnpmWorkspace(pnpm));
  const lerna = readJson(join(root, 'lerna.json'))?.packages;
  if (Array.isArray(lerna)) patterns.push(...lerna.filter(isString));

  const byName = new Map<string, PackageInfo>();
  const clean = (p: string) => p.replace(/^\.\//, '').replace(/\/+$/, '');
  const include = patterns.filter((p) => !p.startsWith('!')).map(clean);
  const excluded = patterns.filter((p) => p.startsWith('!')).map((p) => clean(p.slice(1)));
  const isExcluded = excluded.length > 0 ? picomatch(excluded, { dot: false }) : () => false;
  for (const rel of expandDirs(root, include)) {
    if (isExcluded(rel)) continue;
    const info = readPackage(join(root, rel));
    if (info?.name && !byName.has(info.name)) byName.set(info.name, info);
  }
  // A private root may share its name with a member (remeda's root and packages/remeda): the package
  // managers link the member, so the member wins.
  const rootInfo = readPackage(root);
  if (rootInfo?.name && !byName.has(rootInfo.name)) byName.set(rootInfo.name, rootInfo);
  return byName;
}

/** The `packages:` list of pnpm-workspace.yaml: block (`- 'a/*'`) or flow (`['a/*']`) form. */
export function parsePnpmWorkspace(text: string): string[] {
  const out: string[] = [];
  let inPackages = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '');
    if (!line.trim()) continue;
    if (/^\S/.test(line)) {
      const m = /^packages\s*:\s*(.*)$/.exec(line);
      inPackages = m !== null && !m[1];
      if (m?.[1]?.startsWith('['))
        out.push(
          ...m[1]
            .replace(/^\[|\]$/g, '')
            .split(',')
            .map(unquote),
        );
      continue;
    }
    const item = inPackages ? /^\s*-\s*(.+?)\s*$/.exec(line)?.[1] : undefined;
    if (item) out.push(unquote(item));
  }
  return out.filter(Boolean);
}

function unquote(s: string): string {
  return s.trim().replace(/^(['"])(.*)\1$/, '$2');
}

const SKIP_DIRS = new Set(['node_modules', '.git']);

/** Directories (relative to root) matching any of the patterns, walking only where they can match. */
function expandDirs(root: string, patterns: string[]): string[] {
  const out = new Set<string>();
  for (const pattern of patterns) {
    const segments = pattern.split('/');
    const firstGlob = segments.findIndex((s) => picomatch.scan(s).isGlob);
    if (firstGlob < 0) {
      out.add(pattern);
      continue;
    }
    const base = segments.slice(0, firstGlob).join('/');
    const deep = segments.slice(firstGlob).includes('**');
    const maxDepth = deep ? 6 : segments.length - firstGlob;
    const isMatch = picomatch(pattern);
    walk(join(root, base), base, maxDepth, (rel) => {
      if (isMatch(rel)) out.add(rel);
    });
  }
  return [...out];
}

function walk(abs: string, rel: string, depth: number, visit: (rel: string) => void): void {
  if (depth <= 0) return;
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(abs, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (!e.isDirectory() || SKIP_DIRS.has(e.name) || e.name.startsWith('.')) continue;
    const childRel = rel ? `${rel}/${e.name}` : e.name;
    visit(childRel);
    walk(join(abs, e.name), childRel, depth - 1, visit);
  }
}

/** Reads package.json of a directory (not its parents), with the fields the resolver uses; cached. */
export function createPackageReader(): (dir: string) => PackageInfo | undefined {
  const cache = new Map<string, PackageInfo | undefined>();
  return (dir) => {
    if (!cache.has(dir)) cache.set(dir, readPackage(dir));
    return cache.get(dir);
  };
}

function readPackage(dir: string): PackageInfo | undefined {
  const pkg = readJson(join(dir, 'package.json'));
  const info: PackageInfo | undefined = pkg && {
    dir,
    name: str(pkg.name),
    exports: pkg.exports,
    main: str(pkg.main),
    module: str(pkg.module),
    source: str(pkg.source),
    types: str(pkg.types) ?? str(pkg.typings),
    deps: new Set(
      ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'].flatMap((field) =>
        isObject(pkg[field]) ? Object.keys(pkg[field]) : [],
      ),
    ),
    outDirs: readOutDirs(dir),
  };
  return info;
}

function readOutDirs(dir: string): PackageInfo['outDirs'] {
  const pairs: PackageInfo['outDirs'] = [];
  for (const name of ['tsconfig.build.json', 'tsconfig.lib.json', 'tsconfig.json']) {
    const options = compilerOptions(join(dir, name), 0);
    const outDir = options.outDir && relativeTo(dir, options.outDir);
    if (outDir && !pairs.some((p) => p.outDir === outDir)) {
      pairs.push({ outDir, rootDir: (options.rootDir && relativeTo(dir, options.rootDir)) ?? 'src' });
    }
  }
  return pairs;
}

/** outDir/rootDir (as absolute paths) from a tsconfig and its relative `extends` chain. */
function compilerOptions(file: string, depth: number): { outDir?: string; rootDir?: string } {
  const config = readJson(file);
  if (!config || depth > 5) return {};
  const options = isObject(config.compilerOptions) ? config.compilerOptions : {};
  const own = {
    outDir: str(options.outDir) && join(dirname(file), str(options.outDir)!),
    rootDir: str(options.rootDir) && join(dirname(file), str(options.rootDir)!),
  };
  const ext = str(config.extends);
  const parent = ext?.startsWith('.')
    ? compilerOptions(
        ext.endsWith('.json') ? join(dirname(file), ext) : `${join(dirname(file), ext)}.json`,
        depth + 1,
      )
    : {};
  return { outDir: own.outDir ?? parent.outDir, rootDir: own.rootDir ?? parent.rootDir };
}

/**
 * Whether a tsconfig, or one it extends, sets `paths` or `baseUrl` (which steer bare specifiers before
 * any package). What cannot be followed (unreadable, a package's config, too deep) counts as yes.
 */
export function mapsPaths(file: string, depth = 0): boolean {
  const config = readJson(file);
  if (!config || depth > 5) return true;
  const options = isObject(config.compilerOptions) ? config.compilerOptions : {};
  if (Object.hasOwn(options, 'paths') || Object.hasOwn(options, 'baseUrl')) return true;
  if (config.extends === undefined) return false;
  const parents = Array.isArray(config.extends) ? config.extends : [config.extends];
  return parents.some(
    (ext) =>
      typeof ext !== 'string' ||
      !ext.startsWith('.') ||
      mapsPaths(
        ext.endsWith('.json') ? join(dirname(file), ext) : `${join(dirname(file), ext)}.json`,
        depth + 1,
      ),
  );
}

function relativeTo(dir: string, abs: string): string | undefined {
  if (abs === dir || !abs.startsWith(`${dir}/`)) return undefined;
  return abs.slice(dir.length + 1);
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** JSON with comments and trailing commas (tsconfig style). */
function readJson(file: string): Record<string, unknown> | undefined {
  const text = readText(file);
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(stripJsonComments(text));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function stripJsonComments(text: string): string {
  return text
    .replace(/("(?:[^"\\]|\\.)*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (_m, s: string | undefined) => s ?? '')
    .replace(
      /("(?:[^"\\]|\\.)*")|,(\s*[}\]])/g,
      (m, s: string | undefined, close: string | undefined) => s ?? close ?? m,
    );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function isString(v: unknown): v is string {
  return typeof v === 'string';
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Whether a path exists as a file. Cached for the life of the process: the graph is built once. */
export function createFileExists(): (path: string) => boolean {
  const cache = new Map<string, boolean>();
  return (path) => {
    let hit = cache.get(path);
    if (hit === undefined) {
      hit = statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
      cache.set(path, hit);
    }
    return hit;
  };
}

/**
 * The target the `exports` map gives a subpath ('.' or './x'), without checking that the file exists:
 * relative to the package, null when the subpath is blocked (`null` target), undefined when unmatched.
 */
export function exportsTarget(
  exports: unknown,
  subpath: string,
  conditions: ReadonlySet<string>,
): string | null | undefined {
  const isMap = isObject(exports) && Object.keys(exports).some((k) => k.startsWith('.'));
  const map: Record<string, unknown> = isMap ? exports : { '.': exports };
  if (Object.hasOwn(map, subpath)) return exportTarget(map[subpath], undefined, conditions);
  let best: string | undefined;
  let bestPrefix = -1;
  for (const key of Object.keys(map)) {
    const star = key.indexOf('*');
    if (star < 0 || key.indexOf('*', star + 1) >= 0 || subpath.length < key.length) continue;
    if (!subpath.startsWith(key.slice(0, star)) || !subpath.endsWith(key.slice(star + 1))) continue;
    if (star > bestPrefix || (star === bestPrefix && key.length > (best?.length ?? 0))) {
      best = key;
      bestPrefix = star;
    }
  }
  if (best === undefined) return undefined;
  const match = subpath.slice(bestPrefix, subpath.length - (best.length - bestPrefix - 1));
  return exportTarget(map[best], match, conditions);
}

function exportTarget(
  value: unknown,
  star: string | undefined,
  conditions: ReadonlySet<string>,
): string | null | undefined {
  if (typeof value === 'string') return star === undefined ? value : value.replaceAll('*', star);
  if (value === null) return null;
  if (Array.isArray(value)) {
    for (const item of value) {
      const target = exportTarget(item, star, conditions);
      if (typeof target === 'string') return target;
    }
    return undefined;
  }
  if (!isObject(value)) return undefined;
  for (const [condition, item] of Object.entries(value)) {
    if (condition !== 'default' && !conditions.has(condition)) continue;
    const target = exportTarget(item, star, conditions);
    if (target !== undefined) return target;
  }
  return undefined;
}

const OUTPUT_DIRS = new Set([
  'dist',
  'build',
  'lib',
  'out',
  'output',
  'esm',
  'cjs',
  'es',
  'types',
  'typings',
]);
/** Second-level folders of a build: dist/esm/…, dist/cjs/…, dist/types/…, dist/src/…. */
const FLAVOR_DIRS = new Set([
  'esm',
  'cjs',
  'es',
  'mjs',
  'module',
  'commonjs',
  'umd',
  'node',
  'browser',
  'types',
  'src',
]);
const CODE_EXT = /\.(?:d\.[mc]?ts|[mc]?[jt]sx?)$/;
const SOURCE_EXTS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];

function isOutputDir(pkg: PackageInfo, first: string): boolean {
  return OUTPUT_DIRS.has(first) || /^dist[-_.]/.test(first) || pkg.outDirs.some((p) => p.outDir === first);
}

/** A file a build writes: under dist/, build/, lib/, out/, the tsconfig outDir, or a declaration file. */
export function isBuildOutput(pkg: PackageInfo, rel: string): boolean {
  if (/\.d\.[mc]?ts$/.test(rel)) return true;
  if (pkg.outDirs.some((p) => rel.startsWith(`${p.outDir}/`))) return true;
  const slash = rel.indexOf('/');
  return slash > 0 && isOutputDir(pkg, rel.slice(0, slash));
}

/**
 * Source files a built (or declaration) file of a package may come from, most likely first, relative
 * to the package: the tsconfig outDir→rootDir pair, the `source` field (for the package root), the same
 * path under src/ or at the package root with the build folder(s) dropped, then `types` mapped the same way.
 */
export function sourceCandidates(pkg: PackageInfo, rel: string, isRoot: boolean): string[] {
  const bases = sourceBases(pkg, rel);
  const out: string[] = [];
  if (isRoot && pkg.source) out.push(pkg.source.replace(/^\.\//, ''));
  if (isRoot && pkg.types) bases.push(...sourceBases(pkg, pkg.types.replace(/^\.\//, '')));
  for (const base of new Set(bases)) {
    for (const ext of SOURCE_EXTS) out.push(base + ext);
    for (const ext of SOURCE_EXTS) out.push(`${base}/index${ext}`);
  }
  // The convention when the entry's name says nothing of its source (dist/shared.cjs.js).
  if (isRoot) for (const ext of SOURCE_EXTS) out.push(`src/index${ext}`);
  return out;
}

/** `require('./dist/x.cjs.js')`, `export * from './lib/index.js'`: the relative requests of an entry file. */
const ENTRY_REQUEST = /(?:require\s*\(\s*|from\s*|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

/**
 * An entry that only forwards to build output (`module.exports = require('./dist/x.cjs.js')`, chosen by
 * NODE_ENV): what it loads is the package's build, so it stands for the package's source. True when the
 * file is small and every relative request it makes is a build output file of the package.
 */
export function isBuildStub(pkg: PackageInfo, entryRel: string, text: string): boolean {
  if (text.length > 4096) return false;
  const base = entryRel.includes('/') ? entryRel.slice(0, entryRel.lastIndexOf('/') + 1) : '';
  let requests = 0;
  for (const match of text.matchAll(ENTRY_REQUEST)) {
    const target = posix.normalize(base + match[1]!);
    if (target.startsWith('../') || !isBuildOutput(pkg, target)) return false;
    requests++;
  }
  return requests > 0;
}

function sourceBases(pkg: PackageInfo, rel: string): string[] {
  const base = rel.replace(CODE_EXT, '');
  const bases: string[] = [];
  for (const p of pkg.outDirs) {
    if (base.startsWith(`${p.outDir}/`)) bases.push(p.rootDir + base.slice(p.outDir.length));
  }
  const segments = base.split('/');
  if (segments.length > 1 && isOutputDir(pkg, segments[0]!)) {
    const rest = segments.slice(1);
    const variants = rest.length > 1 && FLAVOR_DIRS.has(rest[0]!) ? [rest.slice(1), rest] : [rest];
    for (const v of variants) bases.push(`src/${v.join('/')}`, v.join('/'));
  } else {
    bases.push(`src/${base}`, base);
  }
  return bases;
}
