import { TestloopError } from '../errors.ts';
import { firstLine, git } from './git.ts';
import type { ChangeStatus } from './types.ts';

export interface ChangedPath {
  path: string;
  oldPath?: string;
  status: ChangeStatus;
}

const STATUS: Record<string, ChangeStatus> = {
  A: 'added',
  M: 'modified',
  D: 'deleted',
  R: 'renamed',
  C: 'copied',
  T: 'modified',
};

/**
 * Paths changed since `base` in the working tree (committed, staged, unstaged) plus untracked files:
 * what an editor or a CI job is about to test. Names only: select needs no hunks.
 */
export async function changedPathsSince(root: string, base: string): Promise<ChangedPath[]> {
  const [diff, untracked] = await Promise.all([
    git(root, [
      'diff',
      '--name-status',
      '-z',
      '--find-renames',
      '--no-ext-diff',
      '--ignore-submodules',
      base,
    ]),
    git(root, ['ls-files', '-z', '--others', '--exclude-standard']),
  ]);
  if (diff.code !== 0)
    throw new TestloopError('TESTLOOP_GIT_FAILED', `git diff ${base} failed: ${firstLine(diff.stderr)}`);
  const fields = diff.stdout.toString('utf8').split('\0');
  const changes: ChangedPath[] = [];
  for (let i = 0; i < fields.length - 1; ) {
    const code = fields[i++]!;
    const status = STATUS[code[0]!] ?? 'modified';
    if (status === 'renamed' || status === 'copied') {
      const oldPath = fields[i++]!;
      changes.push({ path: fields[i++]!, oldPath, status });
    } else changes.push({ path: fields[i++]!, status });
  }
  for (const path of untracked.stdout.toString('utf8').split('\0')) {
    if (path !== '') changes.push({ path, status: 'added' });
  }
  return changes;
}
