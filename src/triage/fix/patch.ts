// The accepted fix as a unified diff (what `git apply` reads), and `--write`: the same files written into
// the working tree.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../util/fs.ts';
import type { FileChange } from './types.ts';

/** The current content of `path` under `root`, undefined when there is no such file. */
export function currentContent(root: string, path: string): string | undefined {
  try {
    return readFileSync(join(root, path), 'utf8');
  } catch {
    return undefined;
  }
}

/** A git-style unified diff from the files under `root` to `changes`, one section per file. */
export function unifiedDiff(root: string, changes: readonly FileChange[]): string {
  const scratch = mkdtempSync(join(tmpdir(), 'testloop-fix-diff-'));
  try {
    return changes.map((change) => fileDiff(scratch, change, currentContent(root, change.path))).join('');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function fileDiff(scratch: string, change: FileChange, before: string | undefined): string {
  const write = (side: string, text: string): void => {
    mkdirSync(dirname(join(scratch, side, change.path)), { recursive: true });
    writeFileSync(join(scratch, side, change.path), text);
  };
  if (before !== undefined) write('a', before);
  write('b', change.code);
  const from = before === undefined ? '/dev/null' : `a/${change.path}`;
  const result = spawnSync(
    'git',
    [
      '-c',
      'core.quotepath=off',
      'diff',
      '--no-index',
      '--no-color',
      '--no-ext-diff',
      from,
      `b/${change.path}`,
    ],
    { cwd: scratch, encoding: 'utf8', maxBuffer: 1 << 28 },
  );
  // 1: the files differ (the diff is on stdout); anything else is git failing.
  if (result.status !== 1) throw new Error(`git diff failed: ${result.stderr || result.error?.message}`);
  // git names both sides with their folder (a/a/x, b/b/x): the patch names the repository path.
  return result.stdout
    .split('\n')
    .map((line) =>
      /^(?:diff --git |--- |\+\+\+ )/.test(line) ? line.replace(/(^| )([ab])\/[ab]\//g, '$1$2/') : line,
    )
    .join('\n');
}

/** Writes the changes into the working tree at `root` (atomically per file). */
export async function applyChanges(root: string, changes: readonly FileChange[]): Promise<void> {
  for (const change of changes) await writeFileAtomic(join(root, change.path), change.code);
}
