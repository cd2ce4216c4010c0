import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, extname, join, resolve as resolvePath } from 'node:path';
import { type NapiResolveOptions, type ResolveResult, ResolverFactory } from 'oxc-resolver';
import type { Alias, ModuleResolver } from './types.ts';
import {
  createFileExists,
  createPackageReader,
  exportsTarget,
  findWorkspacePackages,
  isBuildOutput,
  isBuildStub,
  mapsPaths,
  type PackageInfo,
  sourceCandidates,
} from './workspaces.ts';

export interface ResolverOptions {
  /**
   * Repository root: results inside it (and outside node_modules) are returned as absolute paths that
   * start with this root as given, even when it is reached through a symlink.
   */
  root: string;
  /** vite `resolve.alias` / jest `moduleNameMapper`, tried in order before normal resolution. */
  aliases?: Alias[];
  /** package.json `exports`/`imports` conditions; `types` is always tried last, as a fallback. */
  conditions?: string[];
  /** 'auto' (default): the nearest tsconfig.json of each importing file; or one tsconfig path. */
  tsconfig?: 'auto' | string;
  /**
   * The repository's files (git ls-files), relative to root: a relative specifier that names one of
   * them, with no other candidate before it on disk, is answered without asking oxc.
   */
  files?: ReadonlySet<string>;
}

const DEFAULT_CONDITIONS = ['source', 'development', 'import', 'require', 'node', 'default'];

const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs', '.json', '.node', '.d.ts'];
const EXTENSION_ALIAS = {
  '.js': ['.ts', '.tsx', '.js', '.d.ts'],
  '.jsx': ['.tsx', '.jsx'],
  '.mjs': ['.mts', '.mjs', '.d.mts'],
  '.cjs': ['.cts', '.cjs', '.d.cts'],
};
const DOT = 0x2e;
const SLASH = 0x2f;
const HASH = 0x23;
/** `node:fs`, `bun:test`, `virtual:x`, `https://…`: never a repository file. */
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * Resolves import specifiers the way the project's tools do: tsconfig paths (per file, following
 * `extends` and project references), package `exports`/`imports`, workspaces mapped to their source,
 * and vite/jest aliases. Results are cached per (directory, specifier).
 */
export function createResolver(options: ResolverOptions): ModuleResolver {
  return new Resolver(options);
}

class Resolver implements ModuleResolver {
  /** The root as the caller spells it; results are answered in this spelling. */
  private readonly givenRoot: string;
  /** The real root: oxc resolves symlinks, so the work is done on real paths. */
  private readonly root: string;
  private readonly auto: boolean;
  private readonly oxc: ResolverFactory;
  private readonly oxcTypes: ResolverFactory;
  private readonly conditionSets: Set<string>[];
  private readonly readPackage = createPackageReader();
  private readonly packageDirs = new Map<string, PackageInfo | null>();
  private readonly fileExists = createFileExists();
  private readonly workspaces: Map<string, PackageInfo>;
  private readonly aliases: ((request: string) => string | undefined)[];
  private readonly cache = new Map<string, Map<string, string | null>>();
  private lastFile: string | undefined;
  private lastAnswers: Map<string, string | null> | undefined;
  private readonly workspaceCache = new Map<string, string | null>();
  private readonly realDirs = new Map<string, string>();
  private readonly listed: ReturnType<typeof createListedFiles> | undefined;
  /** A workspace's `exports` are read here only when no tsconfig can map a bare specifier elsewhere first. */
  private readonly plainWorkspaces: boolean;
  private readonly plainExports = new Map<PackageInfo, boolean>();

  constructor(options: ResolverOptions) {
    this.givenRoot = resolvePath(options.root);
    this.root = realpathSync(this.givenRoot);
    const conditions = options.conditions ?? DEFAULT_CONDITIONS;
    this.auto = (options.tsconfig ?? 'auto') === 'auto';
    const base: NapiResolveOptions = {
      extensions: EXTENSIONS,
      extensionAlias: EXTENSION_ALIAS,
      conditionNames: conditions,
      mainFields: ['main', 'module'],
      builtinModules: true,
      nodePath: false,
      roots: [this.root],
      tsconfig: this.auto
        ? 'auto'
        : { configFile: resolvePath(this.root, options.tsconfig!), references: 'auto' },
    };
    this.oxc = new ResolverFactory(base);
    this.oxcTypes = this.oxc.cloneWithOptions({ ...base, conditionNames: [...conditions, 'types'] });
    this.conditionSets = [new Set(conditions), new Set([...conditions, 'types'])];
    this.workspaces = findWorkspacePackages(this.root, this.readPackage);
    this.aliases = (options.aliases ?? []).map((a) => compileAlias(a, this.givenRoot));
    this.listed = options.files ? createListedFiles(this.root, options.files) : undefined;
    this.plainWorkspaces =
      this.listed !== undefined && this.auto && !anyPathMapping(this.root, options.files!);
  }

  resolve(fromFile: string, specifier: string): string | 'external' | undefined {
    // A file's imports are resolved one after another: its folder's answers are looked up once for all.
    let perDir = fromFile === this.lastFile ? this.lastAnswers : undefined;
    if (perDir === undefined) {
      const dir = dirname(fromFile);
      perDir = this.cache.get(dir);
      if (perDir === undefined) {
        perDir = new Map();
        this.cache.set(dir, perDir);
      }
      this.lastFile = fromFile;
      this.lastAnswers = perDir;
    }
    let hit = perDir.get(specifier);
    if (hit === undefined) {
      const result = this.compute(this.real(fromFile), specifier);
      hit = result === undefined ? null : result === 'external' ? result : this.answer(result);
      perDir.set(specifier, hit);
    }
    return hit ?? undefined;
  }

  private answer(path: string): string {
    return this.givenRoot === this.root ? path : this.givenRoot + path.slice(this.root.length);
  }

  private real(path: string): string {
    return this.givenRoot !== this.root && path.startsWith(`${this.givenRoot}/`)
      ? this.root + path.slice(this.givenRoot.length)
      : path;
  }

  private inside(path: string): boolean {
    return path.startsWith(`${this.root}/`) && !path.includes('/node_modules/', this.root.length);
  }

  private call(factory: ResolverFactory, fromFile: string, request: string): ResolveResult {
    return this.auto ? factory.resolveFileSync(fromFile, request) : factory.sync(dirname(fromFile), request);
  }

  private compute(fromFile: string, specifier: string): string | 'external' | undefined {
    const q = specifier.indexOf('?');
    const request = q > 0 ? specifier.slice(0, q) : specifier;
    let matched = false;
    for (const alias of this.aliases) {
      const replaced = alias(request);
      if (replaced === undefined) continue;
      matched = true;
      const result = this.resolveRequest(fromFile, replaced, true);
      if (result !== undefined) return result;
    }
    return matched ? undefined : this.resolveRequest(fromFile, request, false);
  }

  private resolveRequest(
    fromFile: string,
    request: string,
    viaAlias: boolean,
  ): string | 'external' | undefined {
    const found = this.resolveAsWritten(fromFile, request, viaAlias);
    if (found === 'external' || !request.startsWith('.')) return found;
    return this.builtToSource(found ?? resolvePath(dirname(fromFile), request)) ?? found;
  }

  private resolveAsWritten(
    fromFile: string,
    request: string,
    viaAlias: boolean,
  ): string | 'external' | undefined {
    // Character tests, not regular expressions: this runs for every import of a cold build.
    if (request.includes(':') && SCHEME.test(request)) return 'external';
    const first = request.charCodeAt(0);
    const bare = first !== DOT && first !== SLASH && first !== HASH;
    const name = bare ? packageName(request) : '';
    const workspace = bare ? this.workspaces.get(name) : undefined;
    if (workspace) {
      let hit = this.workspaceCache.get(request);
      if (hit === undefined) {
        hit = this.resolveWorkspace(workspace, request, name) ?? null;
        this.workspaceCache.set(request, hit);
      }
      return hit ?? undefined;
    }
    const listed = bare ? undefined : this.listed?.relative(fromFile, request);
    if (listed !== undefined) return listed;
    const result = this.call(this.oxc, fromFile, request);
    if (result.path) return this.classify(result, bare);
    if (result.builtin) return 'external';
    if (bare || request.startsWith('#')) {
      const typed = this.call(this.oxcTypes, fromFile, request);
      if (typed.path) return this.classify(typed, bare);
    }
    const linked = bare ? this.linkedPackage(fromFile, name) : undefined;
    if (linked) return this.resolveWorkspace(linked, request, name);
    return bare && (viaAlias || this.isPackage(fromFile, name)) ? 'external' : undefined;
  }

  private resolveWorkspace(pkg: PackageInfo, request: string, name: string): string | undefined {
    const subpath = `.${request.slice(name.length)}`;
    let target: string | undefined;
    if (pkg.exports !== undefined) {
      // Self-reference from inside the package applies its `exports`, with or without node_modules.
      target =
        this.listedExport(pkg, subpath) ?? this.call(this.oxc, join(pkg.dir, 'package.json'), request).path;
      for (const set of target === undefined ? this.conditionSets : []) {
        const rel = exportsTarget(pkg.exports, subpath, set);
        if (rel === null) return undefined;
        if (rel !== undefined) {
          target = join(pkg.dir, rel);
          break;
        }
      }
    } else {
      const rel = subpath === '.' ? (pkg.main ?? pkg.module ?? 'index.js') : subpath;
      target = this.oxc.sync(pkg.dir, rel.startsWith('.') ? rel : `./${rel}`).path ?? join(pkg.dir, rel);
    }
    const path = target && this.preferSource(pkg, target, subpath === '.');
    return path && this.inside(path) ? path : undefined;
  }

  /** The listed regular file `exports` names for a subpath, when the map has neither arrays nor nulls. */
  private listedExport(pkg: PackageInfo, subpath: string): string | undefined {
    if (!this.plainWorkspaces) return undefined;
    let plain = this.plainExports.get(pkg);
    if (plain === undefined) {
      plain = isPlainExports(pkg.exports);
      this.plainExports.set(pkg, plain);
    }
    const rel = plain ? exportsTarget(pkg.exports, subpath, this.conditionSets[0]!) : undefined;
    if (typeof rel !== 'string' || !isValidTarget(rel)) return undefined;
    const path = join(pkg.dir, rel);
    return this.listed!.isRegularFile(path) ? path : undefined;
  }

  /** A file a workspace (or symlinked) package's build would write is replaced by its source. */
  private preferSource(pkg: PackageInfo, path: string, isRoot: boolean): string | undefined {
    const exists = this.listed?.isRegularFile(path) === true || this.fileExists(path);
    const rel = path.slice(pkg.dir.length + 1);
    if (exists && !isBuildOutput(pkg, rel) && !(isRoot && forwardsToBuild(pkg, path, rel))) return path;
    for (const candidate of sourceCandidates(pkg, rel, isRoot)) {
      const abs = join(pkg.dir, candidate);
      if (abs !== path && this.fileExists(abs)) return abs;
    }
    return exists ? path : undefined;
  }

  private classify(result: ResolveResult, bare: boolean): string | 'external' {
    const path = result.path!;
    if (!this.inside(path)) return 'external';
    if (!bare || !result.packageJsonPath) return path;
    // A package import that landed on build output (a symlinked package, a paths alias into dist/).
    const pkg = this.readPackage(this.realDir(result.packageJsonPath));
    if (!pkg || !path.startsWith(`${pkg.dir}/`) || !isBuildOutput(pkg, path.slice(pkg.dir.length + 1)))
      return path;
    return this.preferSource(pkg, path, false) ?? path;
  }

  /** The real folder of a package.json that oxc may report through a node_modules symlink. */
  private realDir(packageJsonPath: string): string {
    const dir = dirname(packageJsonPath);
    let real = this.realDirs.get(dir);
    if (real === undefined) {
      real = realpathSync(dir);
      this.realDirs.set(dir, real);
    }
    return real;
  }

  /**
   * A bare specifier nothing resolves: a package when it or its DefinitelyTyped package (`@types/x`, which
   * TypeScript reads for `import type … from 'x/lib'`) is declared or installed, else a broken local alias.
   */
  private isPackage(fromFile: string, name: string): boolean {
    const typed = typesPackageName(name);
    for (let dir = dirname(fromFile); ; dir = dirname(dir)) {
      const deps = this.readPackage(dir)?.deps;
      if (deps?.has(name) || deps?.has(typed)) return true;
      if (existsSync(join(dir, 'node_modules', name)) || existsSync(join(dir, 'node_modules', typed)))
        return true;
      if (dir === this.root || !dir.startsWith(`${this.root}/`)) return false;
    }
  }

  /** node_modules/<name> linked to a folder of the repository that is not a declared workspace. */
  private linkedPackage(fromFile: string, name: string): PackageInfo | undefined {
    for (
      let dir = dirname(fromFile);
      dir.startsWith(`${this.root}/`) || dir === this.root;
      dir = dirname(dir)
    ) {
      const link = join(dir, 'node_modules', name);
      if (!existsSync(link)) continue;
      const real = realpathSync(link);
      return this.inside(real) ? this.readPackage(real) : undefined;
    }
    return undefined;
  }

  /**
   * A file of a package's build output (`../lib/parser.js`, built or not) stands for the source it is built
   * from: a change to `src/parser.ts` must reach whoever imports the built file.
   */
  private builtToSource(path: string): string | undefined {
    if (!BUILD_SEGMENT.test(path)) return undefined;
    const pkg = this.packageOf(dirname(path));
    if (pkg === undefined) return undefined;
    const rel = path.slice(pkg.dir.length + 1);
    if (!isBuildOutput(pkg, rel)) return undefined;
    const buildFolder = rel.slice(0, rel.indexOf('/') + 1);
    for (const candidate of sourceCandidates(pkg, rel, false)) {
      // Only a source folder's file (src/…, the tsconfig rootDir): a file at the package root or in the
      // build folder itself is no source of this one.
      if (!candidate.includes('/') || (buildFolder !== '' && candidate.startsWith(buildFolder))) continue;
      const abs = join(pkg.dir, candidate);
      if (this.fileExists(abs)) return abs;
    }
    return undefined;
  }

  /** The package a folder of the repository belongs to: the nearest package.json above it. */
  private packageOf(dir: string): PackageInfo | undefined {
    let found = this.packageDirs.get(dir);
    if (found !== undefined) return found ?? undefined;
    const info = this.readPackage(dir);
    found =
      info ??
      (dir === this.root || !dir.startsWith(`${this.root}/`) ? null : (this.packageOf(dirname(dir)) ?? null));
    this.packageDirs.set(dir, found);
    return found ?? undefined;
  }
}

/** A package entry that only requires its build output, which is not built (see isBuildStub). */
function forwardsToBuild(pkg: PackageInfo, path: string, rel: string): boolean {
  if (!/\.[cm]?js$/.test(rel)) return false;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return false;
  }
  return isBuildStub(pkg, rel, text);
}

/** A path through a folder a build usually writes, or a declaration file: worth asking for its source. */
const BUILD_SEGMENT = /\/(?:dist|build|lib|out|es|esm|cjs)(?:[-_.][^/]*)?\/|\.d\.[cm]?ts$/;

/** A relative specifier without `.`/`..` segments past its leading ones: `./a/b`, `../../a`. */
const PLAIN_RELATIVE = /^(?:\.\/|(?:\.\.\/)+)(?!\.{1,2}(?:\/|$))(?:[^/]+\/)*[^/]+$/;

/**
 * The fast path for `./x` and `../x`: oxc tries the path itself, then each extension in order, before
 * any folder (index, package.json). Reading each folder once tells which of those candidates exist, so
 * the first one that exists is the answer when it is a regular file git lists (git never lists a path
 * through a symlinked folder, so the folder is real and oxc's answer, a real path, is the same).
 * Anything else (a folder or symlink first, a name that exists only in another case on a
 * case-insensitive disk, a `.js` specifier that maps to `.ts`) returns undefined, for oxc to decide.
 */
function createListedFiles(
  root: string,
  files: ReadonlySet<string>,
): {
  relative: (fromFile: string, request: string) => string | undefined;
  isRegularFile: (path: string) => boolean;
} {
  const rootSlash = `${root}/`;
  const folders = new Map<string, Folder | null>();
  let listedByFolder: Map<string, Set<string>> | undefined;
  /** A folder of the repository as read from disk, or null when it cannot be read (or is outside). */
  const folder = (dir: string): Folder | null => {
    let found = folders.get(dir);
    if (found === undefined) {
      listedByFolder ??= namesByFolder(files);
      found =
        dir === root || dir.startsWith(rootSlash)
          ? readFolder(
              dir,
              root,
              listedByFolder.get(dir === root ? '' : dir.slice(rootSlash.length)) ?? EMPTY,
            )
          : null;
      folders.set(dir, found);
    }
    return found;
  };
  const isRegularFile = (path: string): boolean => {
    if (!path.startsWith(rootSlash)) return false;
    const slash = path.lastIndexOf('/');
    const name = path.slice(slash + 1);
    const listing = folder(path.slice(0, slash));
    return listing?.listed.has(name) === true && listing.files.has(name);
  };
  const relative = (fromFile: string, request: string): string | undefined => {
    if (!PLAIN_RELATIVE.test(request) || Object.hasOwn(EXTENSION_ALIAS, extname(request))) return undefined;
    // The request is plain (see PLAIN_RELATIVE): joining it is string work, without path.resolve's scan.
    let base = fromFile.slice(0, fromFile.lastIndexOf('/'));
    let rest = request;
    if (rest.startsWith('./')) rest = rest.slice(2);
    else
      while (rest.startsWith('../')) {
        base = base.slice(0, Math.max(0, base.lastIndexOf('/')));
        rest = rest.slice(3);
      }
    const slash = rest.lastIndexOf('/');
    const dir = slash < 0 ? base : `${base}/${rest.slice(0, slash)}`;
    const name = slash < 0 ? rest : rest.slice(slash + 1);
    const listing = folder(dir);
    if (!listing || listing.modules) return undefined;
    for (let i = -1; i < EXTENSIONS.length; i++) {
      const candidate = i < 0 ? name : name + EXTENSIONS[i];
      if (!listing.names.has(candidate)) {
        // Absent here, unless a case-insensitive disk would find it under another case: oxc decides then.
        if (listing.lower.has(candidate.toLowerCase())) return undefined;
        continue;
      }
      return listing.files.has(candidate) && listing.listed.has(candidate)
        ? `${dir}/${candidate}`
        : undefined;
    }
    return undefined;
  };
  return { relative, isRegularFile };
}

const EMPTY: ReadonlySet<string> = new Set();

/** What one folder holds, read once: on disk (every name, the regular files, lower-cased) and as listed. */
interface Folder {
  names: Set<string>;
  files: Set<string>;
  lower: Set<string>;
  /** The names git lists in this folder. */
  listed: ReadonlySet<string>;
  /** Inside node_modules (below the root): no relative answer is given there. */
  modules: boolean;
}

function readFolder(dir: string, root: string, listed: ReadonlySet<string>): Folder | null {
  try {
    const entries = readdirSync(dir, { withFileTypes: true });
    return {
      names: new Set(entries.map((e) => e.name)),
      files: new Set(entries.filter((e) => e.isFile()).map((e) => e.name)),
      lower: new Set(entries.map((e) => e.name.toLowerCase())),
      listed,
      modules: `${dir}/`.includes('/node_modules/', root.length),
    };
  } catch {
    return null;
  }
}

/** The listed names of each folder (relative to root, '' for root itself), grouped once. */
function namesByFolder(files: ReadonlySet<string>): Map<string, Set<string>> {
  const byFolder = new Map<string, Set<string>>();
  for (const file of files) {
    const slash = file.lastIndexOf('/');
    const key = slash < 0 ? '' : file.slice(0, slash);
    let names = byFolder.get(key);
    if (names === undefined) {
      names = new Set();
      byFolder.set(key, names);
    }
    names.add(file.slice(slash + 1));
  }
  return byFolder;
}

/** An `exports` target Node accepts: `./` and then no empty, `.`, `..` or node_modules segment. */
function isValidTarget(rel: string): boolean {
  return (
    rel.startsWith('./') &&
    rel
      .slice(2)
      .split('/')
      .every((segment) => segment !== '' && segment !== '.' && segment !== '..' && segment !== 'node_modules')
  );
}

/** Strings and condition objects only: arrays (fallback lists) and nulls are left to oxc. */
function isPlainExports(value: unknown): boolean {
  if (typeof value === 'string') return true;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value).every(isPlainExports);
}

/**
 * Whether some tsconfig or jsconfig of the repository (or one it extends) sets `paths` or `baseUrl`,
 * which oxc applies to a bare specifier before any package; unreadable or non-relative `extends` count
 * as yes.
 */
function anyPathMapping(root: string, files: ReadonlySet<string>): boolean {
  for (const file of files) {
    if (/(?:^|\/)[tj]sconfig[^/]*\.json$/.test(file) && !file.includes('node_modules/')) {
      if (mapsPaths(join(root, file), 0)) return true;
    }
  }
  return false;
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageName(specifier: string): string {
  const first = specifier.indexOf('/');
  if (!specifier.startsWith('@') || first < 0) return first < 0 ? specifier : specifier.slice(0, first);
  const second = specifier.indexOf('/', first + 1);
  return second < 0 ? specifier : specifier.slice(0, second);
}

/**
 * vite: `find` matches the specifier itself or as a prefix followed by `/`. `regex: true` is jest's
 * moduleNameMapper: the whole specifier becomes the replacement, `$1`… taken from the match (a vite
 * regex alias that matches a prefix and has no `$n` replaces only that prefix). `<rootDir>` is the root.
 */
function compileAlias(alias: Alias, root: string): (request: string) => string | undefined {
  const replacement = alias.replacement.replaceAll('<rootDir>', root);
  if (alias.regex) {
    const re = new RegExp(alias.find);
    const hasGroups = /\$\d/.test(replacement);
    return (request) => {
      const m = re.exec(request);
      if (!m) return undefined;
      // vite (`/^~\//` → '/abs/src/'): a prefix match without $n replaces just the prefix.
      if (!hasGroups && m.index === 0 && m[0].length < request.length)
        return replacement + request.slice(m[0].length);
      // jest: the whole name becomes the replacement, with $1… taken from the match.
      return replacement.replace(/\$(\d+)/g, (_, n: string) => m[Number(n)] ?? '');
    };
  }
  const { find } = alias;
  const prefix = find.endsWith('/') ? find : `${find}/`;
  return (request) =>
    request === find || request.startsWith(prefix) ? replacement + request.slice(find.length) : undefined;
}

/** `x` → `@types/x`, `@scope/x` → `@types/scope__x`: where DefinitelyTyped publishes a package's types. */
function typesPackageName(name: string): string {
  return `@types/${name.startsWith('@') ? name.slice(1).replace('/', '__') : name}`;
}
