import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { escapeRegExp } from '../util/regexp.ts';
import type { ProjectInfo, TestName } from './types.ts';

/** Extensions tried, in order, for a setup file or config import written without one. */
export const MODULE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs', '.json'];

const cache = new WeakMap<ProjectInfo, ProjectFiles>();

/**
 * The package's files as git lists them, answered without touching the disk: absolute paths in,
 * repository-relative POSIX paths out.
 */
export class ProjectFiles {
  readonly root: string;
  /** Absolute paths of every listed file. */
  readonly absolute: readonly string[];
  /** The root with its trailing separator: what every absolute path here starts with. */
  private readonly prefix: string;
  /** Built on the first lookup: most projects' discovery only walks the list. */
  private set: Set<string> | undefined;
  private dirs: Set<string> | undefined;

  /** One instance per project: detection and discovery of every runner share it. */
  static of(project: ProjectInfo): ProjectFiles {
    let files = cache.get(project);
    if (!files) {
      files = new ProjectFiles(project);
      cache.set(project, files);
    }
    return files;
  }

  private constructor(project: ProjectInfo) {
    this.root = project.root;
    // Listed paths are already clean and relative: a plain concatenation is join() without the cost.
    const prefix = project.root.endsWith(sep) ? project.root : project.root + sep;
    this.prefix = prefix;
    this.absolute =
      sep === '/'
        ? project.files.map((file) => prefix + file)
        : project.files.map((file) => join(project.root, file));
  }

  has(path: string): boolean {
    this.set ??= new Set(this.absolute);
    return this.set.has(path);
  }

  /** True when some listed file lives under `path`. */
  isDir(path: string): boolean {
    if (this.dirs === undefined) {
      this.dirs = new Set();
      for (const file of this.absolute) {
        for (let dir = dirname(file); !this.dirs.has(dir) && dir !== dirname(dir); dir = dirname(dir)) {
          this.dirs.add(dir);
        }
      }
    }
    return this.dirs.has(path);
  }

  /** Every listed directory (absolute), for globs that name folders (vitest `projects: ['packages/*']`). */
  directories(): string[] {
    this.isDir(this.root);
    return [...(this.dirs ?? [])];
  }

  /** Listed files under `dir` (absolute). */
  under(dir: string): string[] {
    const prefix = dir.endsWith(sep) ? dir : dir + sep;
    return this.absolute.filter((file) => file.startsWith(prefix));
  }

  /** Repository-relative POSIX path, or undefined outside the repository. */
  rel(path: string): string | undefined {
    const { prefix } = this;
    if (sep === '/' && path.startsWith(prefix) && !path.includes('/.')) return path.slice(prefix.length);
    const rel = relative(this.root, path);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
    return rel.split(sep).join('/');
  }

  /** `path`, `path` + an extension, or `path/index` + an extension: the first that is listed. */
  resolveFile(path: string): string | undefined {
    if (this.has(path)) return path;
    for (const ext of MODULE_EXTENSIONS) if (this.has(path + ext)) return path + ext;
    for (const ext of MODULE_EXTENSIONS)
      if (this.has(join(path, `index${ext}`))) return join(path, `index${ext}`);
    return undefined;
  }
}

/** True for `./x`, `../x` and absolute paths; false for package names (`@testing-library/jest-dom`). */
export function isPathLike(specifier: string): boolean {
  return (
    specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || isAbsolute(specifier)
  );
}

/**
 * The package's own binary (`node_modules/.bin/<name>`, looked up from the package folder upwards as
 * npm scripts see it), or `npx --no-install <name>` so nothing is ever downloaded.
 */
export function localBin(dir: string, name: string): string[] {
  for (let current = resolve(dir); ; current = dirname(current)) {
    const candidate = join(current, 'node_modules', '.bin', name);
    if (existsSync(candidate)) return [candidate];
    if (dirname(current) === current) return ['npx', '--no-install', name];
  }
}

/** Escapes glob syntax so a file path matches only itself (picomatch / tinyglobby / minimatch). */
export function escapeGlob(path: string): string {
  return path.replace(/[\\*?[\]{}()!+@|]/g, '\\$&');
}

/** A name filter's expression for one name: its pattern, or the name itself escaped. */
export function namePart(part: { name: string; pattern?: string }): string {
  return part.pattern ?? escapeRegExp(part.name);
}

/**
 * A `-t` pattern (vitest, jest) for exactly one test: both match it against the test's full name, the
 * names of its describe blocks and its own joined by spaces.
 */
export function fullNamePattern(test: TestName): string {
  return `^${[...test.ancestors, test].map(namePart).join(' ')}$`;
}

export function uniqueSorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/** A repository-relative path as the package's runner sees it: relative to the package folder, POSIX. */
export function projectRelative(project: ProjectInfo, path: string): string {
  return relative(project.dir, join(project.root, path)).split(sep).join('/');
}
