import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestloopError } from '../errors.ts';
import type { ExecResult } from '../util/exec.ts';
import { DiffSections, followFile } from './diff-sections.ts';
import { firstLine, git, prefetchGit } from './git.ts';
import { parseUnifiedDiff } from './parse-diff.ts';
import type { ChangedFile } from './types.ts';

/** Above this a diff is almost certainly generated or vendored content; the user can raise it. */
const DEFAULT_MAX_DIFF_BYTES = 512 * 1024 * 1024;

const DIFF_ARGS = [
  'diff',
  '--no-color',
  '--no-ext-diff',
  '--no-textconv',
  '--find-renames',
  '--ignore-submodules',
  '--unified=0',
];

export interface DiffOptions {
  maxBytes?: number;
  /** Called with each batch of files as git writes them, before the whole diff is done. */
  onFiles?: (files: ChangedFile[]) => void;
}

/**
 * Changes from the merge base to the working tree: committed, staged and unstaged, as diff-cover counts them.
 * git writes the diff to a temporary file rather than a pipe, so it never waits for this process: the caller
 * reads coverage reports meanwhile, and the files are parsed as git writes them.
 */
export async function diffAgainst(
  root: string,
  base: string,
  options: DiffOptions = {},
): Promise<ChangedFile[]> {
  return diffToWorkingTree(root, [base], `git diff ${base}`, options);
}

/**
 * The same diff for the named files only (an editor asking about the file it just saved): small, so it
 * comes through git's pipe rather than a followed temporary file.
 */
export async function diffFilesAgainst(
  root: string,
  base: string,
  files: readonly string[],
  maxBytes = DEFAULT_MAX_DIFF_BYTES,
): Promise<ChangedFile[]> {
  const what = `git diff ${base}`;
  const result = await git(root, [...DIFF_ARGS, base, '--', ...files.map((f) => `:(literal)${f}`)]);
  if (result.code !== 0) throw gitFailed(what, result.stderr);
  checkSize(result.stdout.length, what, maxBytes);
  return parseUnifiedDiff(result.stdout, what);
}

/**
 * The same diff, from the merge base of `baseRef` and HEAD, in one git call that needs no resolved base:
 * it can start before the revisions are known. Fails on a git older than 2.30 or where there are several
 * merge bases; the caller then diffs from the one it resolved.
 */
export async function diffFromMergeBase(
  cwd: string,
  baseRef: string,
  options: DiffOptions = {},
): Promise<ChangedFile[]> {
  const early = prefetched?.cwd === cwd && prefetched.baseRef === baseRef ? prefetched.diff : undefined;
  if (early) prefetched = undefined;
  return diffToWorkingTree(
    cwd,
    ['--merge-base', '--end-of-options', baseRef, '--'],
    `git diff --merge-base ${baseRef}`,
    options,
    early,
  );
}

let prefetched: { cwd: string; baseRef: string; diff: StartedDiff } | undefined;

/** Starts listing the files before trackedFiles asks (see prefetchGit). */
export function prefetchTrackedFiles(cwd: string): void {
  prefetchGit(cwd, TRACKED_FILES);
}

/**
 * Starts `git diff --merge-base <baseRef>` before it is asked for: the CLI calls this before loading the
 * command's code, so git diffs while Node compiles ours. The next diffFromMergeBase with the same folder
 * and base reads it; one never asked for is dropped when the command ends (discardPrefetchedDiff).
 */
export function prefetchDiffFromMergeBase(cwd: string, baseRef: string): void {
  discardPrefetchedDiff();
  prefetched = { cwd, baseRef, diff: startDiff(cwd, ['--merge-base', '--end-of-options', baseRef, '--']) };
}

/** Folders of diffs started and never taken (a usage error, say): removed once git is done, or at exit. */
const untakenDirs = new Set<string>();

/**
 * Drops a diff started and never asked for: in a process that runs several commands, a later one must
 * diff the repository as it is then.
 */
export function discardPrefetchedDiff(): void {
  const untaken = prefetched?.diff;
  prefetched = undefined;
  const dir = untaken?.dir;
  if (untaken === undefined || dir === undefined) return;
  if (untakenDirs.size === 0) process.once('exit', removeUntakenDirs);
  untakenDirs.add(dir);
  untaken.running
    .catch(() => undefined)
    .finally(() => {
      untakenDirs.delete(dir);
      removeQuietly(dir);
      if (untakenDirs.size === 0) process.off('exit', removeUntakenDirs);
    });
}

function removeUntakenDirs(): void {
  for (const dir of untakenDirs) removeQuietly(dir);
}

/** A leftover temp folder is not worth failing a command that has already answered. */
function removeQuietly(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // Left to the system's temp cleaning.
  }
}

/** git writing a diff into a temporary file (`output`), or into its pipe where there is no temporary folder. */
interface StartedDiff {
  dir: string | undefined;
  output: string | undefined;
  running: Promise<ExecResult>;
}

function startDiff(cwd: string, revisionArgs: string[]): StartedDiff {
  let dir: string | undefined;
  let output: string | undefined;
  try {
    dir = mkdtempSync(join(tmpdir(), 'testloop-diff-'));
    output = join(dir, 'changes.diff');
    writeFileSync(output, '', { mode: 0o600 });
  } catch {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
    output = undefined;
  }
  const args =
    output === undefined
      ? [...DIFF_ARGS, ...revisionArgs]
      : [...DIFF_ARGS, `--output=${output}`, ...revisionArgs];
  const running = git(cwd, args);
  running.catch(() => undefined);
  return { dir, output, running };
}

async function diffToWorkingTree(
  cwd: string,
  revisionArgs: string[],
  what: string,
  { maxBytes = DEFAULT_MAX_DIFF_BYTES, onFiles }: DiffOptions,
  started: StartedDiff = startDiff(cwd, revisionArgs),
): Promise<ChangedFile[]> {
  const { dir, output, running } = started;
  try {
    if (output === undefined) {
      // No writable temporary folder: the diff comes through the pipe instead, parsed at the end.
      const result = await running;
      if (result.code !== 0) throw gitFailed(what, result.stderr);
      checkSize(result.stdout.length, what, maxBytes);
      return parseUnifiedDiff(result.stdout, what);
    }
    const sections = new DiffSections(what, maxBytes, onFiles);
    await followFile(output, running, (chunk) => sections.push(chunk));
    const result = await running;
    if (result.code !== 0) throw gitFailed(what, result.stderr);
    checkSize(sections.bytes, what, maxBytes);
    return await sections.finish(() => readFile(output));
  } finally {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }
}

function gitFailed(what: string, stderr: string): TestloopError {
  return new TestloopError('TESTLOOP_GIT_FAILED', `${what} failed: ${firstLine(stderr)}`);
}

/** A unified diff from a file, or from standard input with "-". */
export async function readDiffFile(
  path: string,
  stdin: () => Promise<Buffer>,
  maxBytes = DEFAULT_MAX_DIFF_BYTES,
): Promise<ChangedFile[]> {
  let bytes: Buffer;
  try {
    bytes = path === '-' ? await stdin() : await readFile(path);
  } catch (error) {
    throw new TestloopError(
      'TESTLOOP_USAGE',
      `--diff-file ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? error}). Check the path`,
    );
  }
  checkSize(bytes.length, path === '-' ? 'the diff on stdin' : path, maxBytes);
  return parseUnifiedDiff(bytes, path === '-' ? '<stdin>' : path);
}

function checkSize(bytes: number, what: string, maxBytes: number): void {
  if (bytes > maxBytes) {
    throw new TestloopError(
      'TESTLOOP_DIFF_TOO_LARGE',
      `${what} is ${Math.round(bytes / 1048576)} MiB, over the ${Math.round(maxBytes / 1048576)} MiB limit. Diff a narrower range, or raise --max-diff-mb`,
    );
  }
}

// From any folder of the repository: `:/` and --full-name list the whole tree relative to its root.
const TRACKED_FILES = [
  'ls-files',
  '-z',
  '--cached',
  '--others',
  '--exclude-standard',
  '--full-name',
  '--',
  ':/',
];

export async function trackedFiles(cwd: string): Promise<string[]> {
  const result = await git(cwd, TRACKED_FILES);
  if (result.code !== 0) return [];
  return result.stdout.toString('utf8').split('\0').filter(Boolean);
}
