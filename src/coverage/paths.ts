import { isAbsolute, posix, relative, resolve } from 'node:path';
import { mergeFileCoverage } from './merge.ts';
import type { CoverageReport, FileCoverage, LineRange } from './types.ts';

export interface MappedCoverage {
  /** Repository-relative POSIX path → coverage merged over every report that covers it. */
  files: Map<string, FileCoverage>;
  /** Report paths that match no file of the repository. */
  unmatched: string[];
  /**
   * Relative report paths that resolved against no root and were mapped because their segments are the
   * trailing segments of exactly one repository file (`src/a.ts` → `packages/x/src/a.ts`): a guess worth
   * a warning.
   */
  bySuffix: { from: string; to: string }[];
}

/**
 * Maps the paths reports were written with (absolute on another machine, Windows, relative to a
 * source root) onto repository files: exact resolution first, then the longest matching path suffix.
 */
export function mapCoverageToRepository(
  reports: readonly CoverageReport[],
  repoRoot: string,
  cwd: string,
  repoFiles: ReadonlySet<string>,
): MappedCoverage {
  const files = new Map<string, FileCoverage>();
  /** Merged copies made here; anything else in `files` is a report's own object, seen through a view. */
  const merged = new WeakSet<FileCoverage>();
  const unmatched: string[] = [];
  const bySuffix: MappedCoverage['bySuffix'] = [];
  const suffixIndex = new SuffixIndex(repoFiles);
  for (const report of reports) {
    const roots = report.roots.map((root) => normalize(root));
    for (const file of report.files) {
      const resolved = resolveOne(file.path, roots, repoRoot, cwd, repoFiles, suffixIndex);
      if (resolved === undefined) {
        unmatched.push(file.path);
        continue;
      }
      const repoPath = resolved.path;
      if (resolved.bySuffix) bySuffix.push({ from: file.path, to: repoPath });
      const existing = files.get(repoPath);
      if (!existing) files.set(repoPath, new FileView(repoPath, file));
      else {
        let into = existing;
        if (!merged.has(into)) {
          into = copyAt(existing, repoPath);
          merged.add(into);
          files.set(repoPath, into);
        }
        mergeFileCoverage(into, file);
      }
    }
  }
  return { files, unmatched, bySuffix };
}

/**
 * A report's file under its repository path, read through rather than copied: readers may build a file's
 * data on first access (lcov does), and only the changed files are ever looked at.
 */
class FileView implements FileCoverage {
  constructor(
    public path: string,
    private readonly file: FileCoverage,
  ) {}

  get lines(): FileCoverage['lines'] {
    return this.file.lines;
  }

  get branches(): FileCoverage['branches'] {
    return this.file.branches;
  }

  get functions(): FileCoverage['functions'] {
    return this.file.functions;
  }

  within(ranges: readonly LineRange[]): FileCoverage {
    const part = this.file.within?.(ranges) ?? this.file;
    return part === this.file ? this : new FileView(this.path, part);
  }
}

/** A copy to merge other reports into, so that merging never changes a report's own data. */
function copyAt(file: FileCoverage, path: string): FileCoverage {
  return {
    path,
    lines: new Map(file.lines),
    branches: new Map([...file.branches].map(([line, b]) => [line, { ...b }])),
    functions: file.functions.map((fn) => ({ ...fn })),
  };
}

function resolveOne(
  reportPath: string,
  roots: readonly string[],
  repoRoot: string,
  cwd: string,
  repoFiles: ReadonlySet<string>,
  suffixIndex: SuffixIndex,
): { path: string; bySuffix?: true } | undefined {
  const path = normalize(reportPath);
  const candidates: string[] = [];
  if (isAbsolute(path)) candidates.push(path);
  else {
    for (const root of roots)
      candidates.push(isAbsolute(root) ? joinClean(root, path) : resolve(cwd, root, path));
    candidates.push(joinClean(cwd, path), joinClean(repoRoot, path));
  }
  for (const candidate of candidates) {
    const rel = repoRelative(repoRoot, candidate);
    if (!rel.startsWith('..') && !isAbsolute(rel) && repoFiles.has(rel)) return { path: rel };
  }
  const whole = suffixIndex.longestMatch(path);
  if (whole !== undefined) return { path: whole };
  // A path relative to a folder testloop was not told about (a package's own root in a monorepo).
  if (isAbsolute(path)) return undefined;
  const trailing = suffixIndex.uniqueEndingWith(path);
  return trailing === undefined ? undefined : { path: trailing, bySuffix: true };
}

/** A path with `.`/`..` segments, doubled or trailing slashes or backslashes: one for path.resolve. */
const UNCLEAN = /(?:^|\/)\.\.?(?:\/|$)|\/\/|\/$|\\/;

/**
 * resolve(dir, path) for an absolute dir, by concatenation when both are clean: a report lists thousands of
 * files, and path.resolve/relative are most of the cost of mapping them.
 */
function joinClean(dir: string, path: string): string {
  return dir === '/' || UNCLEAN.test(dir) || UNCLEAN.test(path) ? resolve(dir, path) : `${dir}/${path}`;
}

/** relative(repoRoot, candidate) with POSIX separators; a slice when candidate is clean and inside. */
function repoRelative(repoRoot: string, candidate: string): string {
  if (
    candidate.length > repoRoot.length + 1 &&
    candidate.charCodeAt(repoRoot.length) === 47 &&
    candidate.startsWith(repoRoot) &&
    !UNCLEAN.test(candidate)
  )
    return candidate.slice(repoRoot.length + 1);
  return relative(repoRoot, candidate).split('\\').join('/');
}

/** POSIX separators, no file:// scheme, no Windows drive letter. */
function normalize(path: string): string {
  let p = path.startsWith('file://') ? decodeURIComponent(path.slice(7)) : path;
  p = p.replace(/\\/g, '/');
  if (/^\/?[A-Za-z]:\//.test(p)) p = p.slice(p.indexOf(':') + 1);
  return p;
}

/** Built on first use: when every report path resolves exactly, it is never needed. */
class SuffixIndex {
  private byBasename: Map<string, string[]> | undefined;

  constructor(private readonly repoFiles: ReadonlySet<string>) {}

  private index(): Map<string, string[]> {
    if (this.byBasename) return this.byBasename;
    this.byBasename = new Map();
    for (const file of this.repoFiles) {
      const name = posix.basename(file);
      const list = this.byBasename.get(name);
      if (list) list.push(file);
      else this.byBasename.set(name, [file]);
    }
    return this.byBasename;
  }

  /** The repository file sharing the most trailing path segments; ties or a bare basename must be unique. */
  longestMatch(path: string): string | undefined {
    const segments = path.split('/').filter((s) => s !== '' && s !== '.');
    const candidates = this.index().get(segments[segments.length - 1] ?? '');
    if (!candidates) return undefined;
    let best: string | undefined;
    let bestScore = 0;
    let tie = false;
    for (const candidate of candidates) {
      const parts = candidate.split('/');
      let score = 0;
      while (
        score < parts.length &&
        score < segments.length &&
        parts[parts.length - 1 - score] === segments[segments.length - 1 - score]
      ) {
        score++;
      }
      // The whole repository path must match, else a/x.ts could claim b/x.ts.
      if (score < parts.length) continue;
      if (score > bestScore) {
        best = candidate;
        bestScore = score;
        tie = false;
      } else if (score === bestScore) tie = true;
    }
    return tie ? undefined : best;
  }

  /**
   * The one repository file whose trailing segments are all of `path`'s (`src/a.ts` →
   * `packages/x/src/a.ts`); none when two or more end that way, or when `path` climbs out with `..`.
   */
  uniqueEndingWith(path: string): string | undefined {
    const segments = path.split('/').filter((s) => s !== '' && s !== '.');
    if (segments.length === 0 || segments.includes('..')) return undefined;
    const suffix = `/${segments.join('/')}`;
    const matches = (this.index().get(segments[segments.length - 1]!) ?? []).filter((file) =>
      file.endsWith(suffix),
    );
    return matches.length === 1 ? matches[0] : undefined;
  }
}
