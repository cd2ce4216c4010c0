import { isAbsolute, posix, relative, resolve } from 'node:path';
import { mergeFileCoverage } from './merge.ts';
import type { CoverageReport, FileCoverage } from './types.ts';

export interface MappedCoverage {
  /** Repository-relative POSIX path → coverage merged over every report that covers it. */
  files: Map<string, FileCoverage>;
  /** Report paths that match no file of the repository. */
  unmatched: string[];
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
  const unmatched: string[] = [];
  const suffixIndex = new SuffixIndex(repoFiles);
  for (const report of reports) {
    const roots = report.roots.map((root) => normalize(root));
    for (const file of report.files) {
      const repoPath = resolveOne(file.path, roots, repoRoot, cwd, repoFiles, suffixIndex);
      if (repoPath === undefined) {
        unmatched.push(file.path);
        continue;
      }
      const existing = files.get(repoPath);
      if (existing) mergeFileCoverage(existing, file);
      else files.set(repoPath, { ...file, path: repoPath, functions: [...file.functions] });
    }
  }
  return { files, unmatched };
}

function resolveOne(
  reportPath: string,
  roots: readonly string[],
  repoRoot: string,
  cwd: string,
  repoFiles: ReadonlySet<string>,
  suffixIndex: SuffixIndex,
): string | undefined {
  const path = normalize(reportPath);
  const candidates: string[] = [];
  if (isAbsolute(path)) candidates.push(path);
  else {
    for (const root of roots)
      candidates.push(isAbsolute(root) ? posix.join(root, path) : resolve(cwd, root, path));
    candidates.push(resolve(cwd, path), resolve(repoRoot, path));
  }
  for (const candidate of candidates) {
    const rel = relative(repoRoot, candidate).split('\\').join('/');
    if (!rel.startsWith('..') && !isAbsolute(rel) && repoFiles.has(rel)) return rel;
  }
  return suffixIndex.longestMatch(path);
}

/** POSIX separators, no file:// scheme, no Windows drive letter. */
function normalize(path: string): string {
  let p = path.startsWith('file://') ? decodeURIComponent(path.slice(7)) : path;
  p = p.replace(/\\/g, '/');
  if (/^\/?[A-Za-z]:\//.test(p)) p = p.slice(p.indexOf(':') + 1);
  return p;
}

class SuffixIndex {
  private readonly byBasename = new Map<string, string[]>();

  constructor(repoFiles: ReadonlySet<string>) {
    for (const file of repoFiles) {
      const name = posix.basename(file);
      const list = this.byBasename.get(name);
      if (list) list.push(file);
      else this.byBasename.set(name, [file]);
    }
  }

  /** The repository file sharing the most trailing path segments; ties or a bare basename must be unique. */
  longestMatch(path: string): string | undefined {
    const segments = path.split('/').filter((s) => s !== '' && s !== '.');
    const candidates = this.byBasename.get(segments[segments.length - 1] ?? '');
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
}
