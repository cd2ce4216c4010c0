import { resolve } from 'node:path';
import { type CoverageArg, loadCoverage, toCoverageInput } from '../coverage/load.ts';
import { type MappedCoverage, mapCoverageToRepository } from '../coverage/paths.ts';
import type { CoverageReport, FileCoverage } from '../coverage/types.ts';
import { TestloopError } from '../errors.ts';
import { type Revisions, repositoryRoot, resolveRevisions } from '../git/base.ts';
import { diffAgainst, diffFromMergeBase, readDiffFile, trackedFiles } from '../git/diff.ts';
import { ownOutputMatcher, withoutOwnOutputs } from '../git/own-outputs.ts';
import type { ChangedFile } from '../git/types.ts';
import { now } from '../util/clock.ts';
import { readStdin } from '../util/stdin.ts';
import { fileGaps, gapsOf, totalsOf } from './compute.ts';
import { isCoverageSource } from './source-files.ts';
import type { FileGaps, GapsResult } from './types.ts';

export interface FindGapsOptions {
  cwd?: string;
  /** Base ref; default: the CI's pull-request base, else the remote default branch. */
  base?: string;
  /** A unified diff file, or "-" for standard input, instead of asking git. */
  diffFile?: string;
  /**
   * Coverage reports, each "path" or "format:path" (or an input naming the folder its runner ran in);
   * default: the usual locations.
   */
  coverage?: CoverageArg[];
  include?: string[];
  exclude?: string[];
  /** Source roots for package-relative report paths (JaCoCo). */
  srcRoots?: string[];
  /** An empty diff is an error unless this is set (a rerun on the base branch itself, say). */
  allowEmpty?: boolean;
  /** Refuse diffs larger than this many MiB (default 512), as `--max-diff-mb`. */
  maxDiffMb?: number;
  /** The older spelling of maxDiffMb, in bytes; it wins when both are set. */
  maxDiffBytes?: number;
  /**
   * Files and folders this run writes (relative to cwd): never counted as changes, nor is anything
   * testloop writes by default (see git/own-outputs.ts).
   */
  ownOutputs?: string[];
  /**
   * The diff coverage gate, percent. When set, a changed source file no report mentions counts as not
   * covered (every changed line), since no report vouches for it; without a gate it is only warned about.
   */
  failUnder?: number;
  env?: NodeJS.ProcessEnv;
  readStdin?: () => Promise<Buffer>;
  /**
   * Coverage already measured, by repository-relative path, used instead of reading reports: `generate`
   * runs a change's own tests with coverage when there is no report. A changed source file missing here
   * ran in no test: its changed lines count as not covered.
   */
  measured?: ReadonlyMap<string, FileCoverage>;
}

/** `testloop gaps` as a library call: the changed lines, branches and functions no test runs. */
export async function findGaps(options: FindGapsOptions = {}): Promise<GapsResult> {
  const started = now();
  const cwd = options.cwd ?? process.cwd();
  const prebuild = new Prebuild();
  const inputs = startInputs(options, cwd, prebuild);
  const change = await diffOf(options, cwd, inputs, prebuild);
  const { root, base, head, baseRef } = change;
  const repoFiles = inputs.listing.then((listed) => new Set(listed));
  // The coverage mapped onto the listed files, ready before git's diff is done unless it is quick.
  const mapOnto = (reports: CoverageReport[], files: ReadonlySet<string>): MappedCoverage =>
    options.measured
      ? { files: new Map(options.measured), unmatched: [], bySuffix: [] }
      : mapCoverageToRepository(reports, root, cwd, files);
  const mapping = Promise.all([inputs.loading, repoFiles]).then(([reports, files]) => {
    const mapped = mapOnto(reports, files);
    prebuild.ready(mapped);
    return mapped;
  });
  mapping.catch(() => {});
  const changes = withoutOwnOutputs(await change.diffing, ownOutputMatcher(root, cwd, options.ownOutputs));
  if (changes.length === 0 && !options.allowEmpty) {
    throw new TestloopError(
      'TESTLOOP_EMPTY_DIFF',
      `no changes between ${baseRef ?? base} and ${head}. Check --base (is this the base branch itself?), or pass --allow-empty`,
    );
  }

  const selected = changes
    .filter(await filterFor(options.include, options.exclude))
    .filter((c) => c.status !== 'deleted' && !c.binary);
  const reports = await inputs.loading;
  const listed = await repoFiles;
  const unlisted = selected.filter((change) => !listed.has(change.path));
  for (const change of unlisted) listed.add(change.path);
  // A changed file git did not list (ignored, say) may be what a report's path means: map again with it.
  const mapped = unlisted.length === 0 ? await mapping : mapOnto(reports, listed);

  // Under a gate, or when the coverage was measured for this change, a file nothing measured ran nothing.
  const gated = options.failUnder !== undefined || options.measured !== undefined;
  const files = selected.map((change) =>
    fileGaps(
      change,
      (unlisted.length === 0 ? prebuild.built(change) : undefined) ?? mapped.files.get(change.path),
      gated && isCoverageSource(change.path),
    ),
  );
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    base,
    head,
    ...(baseRef === undefined ? {} : { baseRef }),
    files,
    totals: totalsOf(files),
    gaps: files.flatMap(gapsOf),
    warnings: warningsOf(files, mapped),
    unmatchedCoveragePaths: mapped.unmatched,
    stats: {
      ms: Math.round(now() - started),
      changedFiles: selected.length,
      reports: reports.length,
      coveredFiles: files.filter((f) => f.measured).length,
    },
  };
}

/** What a run reads besides the diff, each started at once (see startInputs). */
interface StartedInputs {
  listing: Promise<string[]>;
  /** `git diff --merge-base`, when a base is named. */
  early: Promise<ChangedFile[]> | undefined;
  revising: Promise<Revisions> | undefined;
  loading: Promise<CoverageReport[]>;
}

/**
 * Every git process starts before a report is read: forking a process that holds a large report in
 * memory takes several times longer. The reports are read while git resolves, diffs and lists.
 */
function startInputs(options: FindGapsOptions, cwd: string, prebuild: Prebuild): StartedInputs {
  const listing = trackedFiles(cwd).catch(() => []);
  const early =
    options.diffFile !== undefined || options.base === undefined || options.base.startsWith('-')
      ? undefined
      : diffFromMergeBase(cwd, options.base, diffOptionsOf(options, prebuild));
  early?.catch(() => {});
  const revising =
    options.diffFile === undefined
      ? resolveRevisions(cwd, options.base, options.env ?? process.env)
      : undefined;
  revising?.catch(() => {});
  const loading = options.measured
    ? Promise.resolve([])
    : loadCoverage((options.coverage ?? []).map(toCoverageInput), { cwd, srcRoots: options.srcRoots ?? [] });
  loading.catch(() => {}); // its error is reported when awaited, after any git or diff error
  return { listing, early, revising, loading };
}

function diffOptionsOf(options: FindGapsOptions, prebuild: Prebuild) {
  return { maxBytes: maxDiffBytesOf(options), onFiles: prebuild.changed };
}

function maxDiffBytesOf(options: FindGapsOptions): number | undefined {
  return (
    options.maxDiffBytes ?? (options.maxDiffMb === undefined ? undefined : options.maxDiffMb * 1024 * 1024)
  );
}

/** The change: a diff file's, or git's from the base's merge base, with the revisions it names. */
async function diffOf(
  options: FindGapsOptions,
  cwd: string,
  inputs: StartedInputs,
  prebuild: Prebuild,
): Promise<{ root: string; base: string; head: string; baseRef?: string; diffing: Promise<ChangedFile[]> }> {
  if (options.diffFile !== undefined) {
    const diffPath = options.diffFile === '-' ? '-' : resolve(cwd, options.diffFile);
    return {
      root: await repositoryRoot(cwd).catch(() => cwd),
      diffing: readDiffFile(diffPath, options.readStdin ?? readStdin, maxDiffBytesOf(options)),
      base: options.diffFile === '-' ? 'stdin' : options.diffFile,
      head: 'working tree',
    };
  }
  // With a named base, git diffs from the merge base at once, while the revisions for the report resolve.
  const revisions = await inputs.revising!;
  const { root, base, head, baseRef } = revisions;
  const diffOptions = diffOptionsOf(options, prebuild);
  const diffing =
    inputs.early?.catch((error: unknown) => {
      // An old git without --merge-base, or several merge bases: diff from the one resolved above.
      if ((error as TestloopError).code !== 'TESTLOOP_GIT_FAILED') throw error;
      return diffAgainst(root, base, diffOptions);
    }) ?? diffAgainst(root, base, diffOptions);
  return { root, base, head, baseRef, diffing };
}

/** What the result should tell beside the gaps: files no report mentions, paths mapped loosely or not at all. */
function warningsOf(files: readonly FileGaps[], mapped: MappedCoverage): string[] {
  const warnings = files
    .filter((f) => !f.measured && f.changedLines > 0 && isCoverageSource(f.path))
    .map(
      (f) =>
        `${f.path}: changed, but no coverage report mentions it${f.assumedUncovered ? ' (counted as not covered for --fail-under)' : ''}; make your runner report all source files (vitest coverage.include, jest collectCoverageFrom)`,
    );
  if (mapped.bySuffix.length > 0) {
    const first = mapped.bySuffix[0]!;
    warnings.push(
      `${mapped.bySuffix.length} relative coverage path(s) resolved from no known folder were mapped to the one repository file ending with them (first: ${first.from} → ${first.to}); pass --src-roots with the folder the runner ran in to map them exactly`,
    );
  }
  if (mapped.unmatched.length > 0) {
    warnings.push(
      `${mapped.unmatched.length} coverage path(s) match no file in this repository (first: ${mapped.unmatched[0]}); generate the report from this checkout or pass --src-roots`,
    );
  }
  return warnings;
}

/** picomatch loads only when a glob is given. */
async function filterFor(
  include: string[] | undefined,
  exclude: string[] | undefined,
): Promise<(change: ChangedFile) => boolean> {
  if (!include?.length && !exclude?.length) return () => true;
  const { default: picomatch } = await import('picomatch');
  const included = include && include.length > 0 ? picomatch(include, { dot: true }) : () => true;
  const excluded = exclude && exclude.length > 0 ? picomatch(exclude, { dot: true }) : () => false;
  return (change) => included(change.path) && !excluded(change.path);
}

/**
 * Builds the coverage of each changed file's changed lines as git reports it, while git is still diffing
 * the rest: readers may build a file's data on first use (lcov does), and that is most of the work.
 */
class Prebuild {
  #mapped: MappedCoverage | undefined;
  #waiting: ChangedFile[] = [];
  readonly #built = new Map<ChangedFile, FileCoverage>();

  readonly changed = (files: ChangedFile[]): void => {
    if (this.#mapped === undefined) this.#waiting.push(...files);
    else for (const file of files) this.#build(file);
  };

  ready(mapped: MappedCoverage): void {
    this.#mapped = mapped;
    for (const file of this.#waiting.splice(0)) this.#build(file);
  }

  /** The coverage of this change's lines, if built from the first mapping. */
  built(change: ChangedFile): FileCoverage | undefined {
    return this.#built.get(change);
  }

  #build(file: ChangedFile): void {
    if (file.status === 'deleted' || file.binary) return;
    const coverage = this.#mapped!.files.get(file.path);
    if (coverage?.within) this.#built.set(file, coverage.within(file.hunks));
  }
}
