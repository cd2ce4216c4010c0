import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestloopError } from '../errors.ts';
import { firstLine, git } from './git.ts';
import { parseUnifiedDiff } from './parse-diff.ts';
import type { ChangedFile } from './types.ts';

/** Above this a diff is almost certainly generated or vendored content; the user can raise it. */
export const DEFAULT_MAX_DIFF_BYTES = 512 * 1024 * 1024;

const DIFF_ARGS = [
  'diff',
  '--no-color',
  '--no-ext-diff',
  '--no-textconv',
  '--find-renames',
  '--ignore-submodules',
  '--unified=0',
];

/**
 * Changes from the merge base to the working tree: committed, staged and unstaged, as diff-cover counts them.
 * git writes the diff to a temporary file rather than a pipe, so it never waits for this process: the caller
 * reads coverage reports meanwhile, and a diff over the size limit is refused without being read.
 */
export async function diffAgainst(
  root: string,
  base: string,
  maxBytes = DEFAULT_MAX_DIFF_BYTES,
): Promise<ChangedFile[]> {
  return diffToWorkingTree(root, [base], `git diff ${base}`, maxBytes);
}

/**
 * The same diff, from the merge base of `baseRef` and HEAD, in one git call that needs no resolved base:
 * it can start before the revisions are known. Fails on a git older than 2.30 or where there are several
 * merge bases; the caller then diffs from the one it resolved.
 */
export async function diffFromMergeBase(
  cwd: string,
  baseRef: string,
  maxBytes = DEFAULT_MAX_DIFF_BYTES,
): Promise<ChangedFile[]> {
  return diffToWorkingTree(
    cwd,
    ['--merge-base', '--end-of-options', baseRef, '--'],
    `git diff --merge-base ${baseRef}`,
    maxBytes,
  );
}

async function diffToWorkingTree(
  cwd: string,
  revisionArgs: string[],
  what: string,
  maxBytes: number,
): Promise<ChangedFile[]> {
  const dir = await mkdtemp(join(tmpdir(), 'testloop-diff-')).catch(() => undefined);
  try {
    const output = dir === undefined ? undefined : join(dir, 'changes.diff');
    const result = await git(cwd, [...DIFF_ARGS, ...(output ? [`--output=${output}`] : []), ...revisionArgs]);
    if (result.code !== 0) {
      throw new TestloopError('TESTLOOP_GIT_FAILED', `${what} failed: ${firstLine(result.stderr)}`);
    }
    if (output === undefined) {
      // No writable temporary folder: the diff came through the pipe instead.
      checkSize(result.stdout.length, what, maxBytes);
      return parseUnifiedDiff(result.stdout, what);
    }
    checkSize((await stat(output)).size, what, maxBytes);
    return parseUnifiedDiff(await readFile(output), what);
  } finally {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }
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

export async function trackedFiles(root: string): Promise<string[]> {
  const result = await git(root, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']);
  if (result.code !== 0) return [];
  return result.stdout.toString('utf8').split('\0').filter(Boolean);
}
