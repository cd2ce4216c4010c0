import { createHash } from 'node:crypto';
import { TestloopError } from '../errors.ts';
import { git } from './git.ts';

export interface WorkingTree {
  /**
   * Hash of git's listing as printed: equal digests mean equal `files` and `blobIds` (the content of the
   * files git does not vouch for is not in it). Known without parsing the listing, which waits until
   * `files` or `blobIds` is first read.
   */
  digest: string;
  /** Tracked and untracked (not ignored) files, repository-relative, as `git ls-files -co` lists them. */
  files: string[];
  /**
   * The blob id of each file whose working-tree content git vouches for: a regular tracked file with no
   * unstaged change. Any other file (modified, untracked, a symlink, assume-unchanged or skip-worktree,
   * in a merge conflict) is absent and must be read to know its content.
   */
  blobIds: Map<string, string>;
}

/** Regular files only: a symlink's blob is its target path, a gitlink's a commit. */
const REGULAR = /^100(?:644|755)$/;

/**
 * One `git ls-files` call for the file list and what each file holds. Git checks the working tree
 * against the index's stat data in C (re-reading racily clean files itself), which costs a fraction of
 * one statSync per file from JavaScript. Any folder of the repository will do as `cwd` (`:/` and
 * --full-name list the whole tree from the root), so this can run before the root is known.
 */
export function workingTree(cwd: string): Promise<WorkingTree> {
  if (prefetched?.cwd === cwd) {
    const { listing } = prefetched;
    prefetched = undefined;
    return listing;
  }
  return listWorkingTree(cwd);
}

let prefetched: { cwd: string; listing: Promise<WorkingTree> } | undefined;

/**
 * Starts listing the working tree before it is asked for: the CLI calls this before loading a command's
 * code, so git checks the tree while Node compiles ours. The next workingTree(cwd) takes it; a call for
 * another folder lists anew.
 */
export function prefetchWorkingTree(cwd: string): void {
  const listing = listWorkingTree(cwd);
  // Awaited by whoever takes it; until then a failure must not count as unhandled.
  listing.catch(() => undefined);
  prefetched = { cwd, listing };
}

async function listWorkingTree(cwd: string): Promise<WorkingTree> {
  const result = await git(
    cwd,
    ['ls-files', '-z', '-v', '-s', '-c', '-o', '-m', '--exclude-standard', '--full-name', '--', ':/'],
    // About 100 bytes a file: megabytes in a large repository, printed while this process loads its code.
    { largeOutput: true },
  );
  // An empty list would select nothing: a listing that failed (a broken index, a full temporary folder)
  // stops the run instead.
  if (result.code !== 0) {
    const why = result.stderr.trim().split('\n')[0] || `exit code ${result.code}`;
    throw new TestloopError(
      'TESTLOOP_GIT_FAILED',
      `git ls-files failed in ${cwd}: ${why}. Check the repository with git status`,
    );
  }
  const output = result.stdout;
  let parsed: Omit<WorkingTree, 'digest'> | undefined;
  return {
    digest: createHash('sha1').update(output).digest('base64'),
    get files() {
      parsed ??= parseLsFiles(output.toString('utf8'));
      return parsed.files;
    },
    get blobIds() {
      parsed ??= parseLsFiles(output.toString('utf8'));
      return parsed.blobIds;
    },
  };
}

/** Parses `git ls-files -z -v -s -c -o -m` output: `<tag> [<mode> <blob> <stage>\t]<path>` records. */
function parseLsFiles(output: string): Omit<WorkingTree, 'digest'> {
  const seen = new Set<string>();
  const files: string[] = [];
  const trusted = new Map<string, string>();
  const untrusted = new Set<string>();
  for (const record of output.split('\0')) {
    if (record.length < 3) continue;
    const tag = record[0];
    const tab = record.indexOf('\t');
    // Untracked files come without the stage fields: `? path`.
    const path = tab < 0 ? record.slice(2) : record.slice(tab + 1);
    if (!seen.has(path)) {
      seen.add(path);
      files.push(path);
    }
    if (tab < 0) continue;
    // `<mode> <blob> <stage>`: the mode is six octal digits, the stage one digit before the tab.
    if (tag === 'H' && record[tab - 1] === '0' && REGULAR.test(record.slice(2, 8)))
      trusted.set(path, record.slice(9, tab - 2));
    else untrusted.add(path);
  }
  for (const path of untrusted) trusted.delete(path);
  return { files, blobIds: trusted };
}

/** Git's blob id of some content, so a file read here and one git vouches for share one cache key. */
export function blobId(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}
