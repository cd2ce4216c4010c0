import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prefetchRepositoryRoot, repositoryRoot, resolveRevisions } from '../../src/git/base.ts';
import { diffAgainst } from '../../src/git/diff.ts';
import { TempRepo } from '../helpers/git-repo.ts';

const repos: TempRepo[] = [];
function repo(): TempRepo {
  const r = new TempRepo();
  repos.push(r);
  return r;
}
afterAll(() => {
  for (const r of repos) r.remove();
});

describe('resolveRevisions', () => {
  it('diffs from the merge base, not from the tip of the base branch', async () => {
    const r = repo();
    r.write('a.txt', 'a\n');
    const root = r.commit('root');
    r.git('checkout', '--quiet', '-b', 'feature');
    r.write('a.txt', 'a\nfeature\n');
    r.commit('feature work');
    r.git('checkout', '--quiet', 'main');
    r.write('b.txt', 'main moved on\n');
    r.commit('main work');
    r.git('checkout', '--quiet', 'feature');
    const revisions = await resolveRevisions(r.dir, 'main', {});
    expect(revisions.base).toBe(root);
    const changes = await diffAgainst(revisions.root, revisions.base);
    expect(changes.map((c) => [c.path, c.hunks])).toEqual([['a.txt', [{ start: 2, end: 2 }]]]);
  });

  it('detects the base from GITHUB_BASE_REF, then origin/HEAD, then main', async () => {
    const r = repo();
    r.write('a.txt', 'a\n');
    const first = r.commit('one');
    r.git('branch', 'release');
    r.write('a.txt', 'b\n');
    const second = r.commit('two');
    r.git('checkout', '--quiet', '-b', 'topic');
    r.write('a.txt', 'c\n');
    r.commit('three');
    expect((await resolveRevisions(r.dir, undefined, { GITHUB_BASE_REF: 'release' })).base).toBe(first);
    expect((await resolveRevisions(r.dir, undefined, {})).base).toBe(second);
    expect((await resolveRevisions(r.dir, undefined, {})).baseRef).toBe('main');
  });

  it('names an unknown ref with exit code 2 and a fix', async () => {
    const r = repo();
    r.write('a.txt', 'a\n');
    r.commit('one');
    await expect(resolveRevisions(r.dir, 'nope', {})).rejects.toMatchObject({
      code: 'TESTLOOP_UNKNOWN_REF',
      exitCode: 2,
      message: expect.stringMatching(/unknown base ref nope\. Pass --base/),
    });
  });

  it('refuses a folder that is not a git repository', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'testloop-nogit-'));
    await expect(resolveRevisions(dir, 'main', {})).rejects.toMatchObject({
      code: 'TESTLOOP_NOT_A_GIT_REPO',
    });
  });

  it('reports a shallow clone without the base as TESTLOOP_NO_MERGE_BASE with the fetch-depth fix', async () => {
    const upstream = repo();
    upstream.write('a.txt', '1\n');
    upstream.commit('one');
    upstream.write('a.txt', '2\n');
    upstream.commit('two');
    upstream.git('checkout', '--quiet', '-b', 'feature');
    upstream.write('a.txt', '3\n');
    upstream.commit('three');
    upstream.write('a.txt', '4\n');
    upstream.commit('four');
    const clone = mkdtempSync(join(tmpdir(), 'testloop-shallow-'));
    execFileSync('git', [
      'clone',
      '--quiet',
      '--depth=1',
      '--branch=feature',
      `file://${upstream.dir}`,
      clone,
    ]);
    await expect(resolveRevisions(clone, 'origin/main', {})).rejects.toMatchObject({
      code: 'TESTLOOP_NO_MERGE_BASE',
      message: expect.stringMatching(/shallow clone.*fetch-depth: 0/),
    });
    execFileSync('git', ['fetch', '--quiet', '--depth=1', 'origin', 'main:refs/remotes/origin/main'], {
      cwd: clone,
    });
    await expect(resolveRevisions(clone, 'origin/main', {})).rejects.toMatchObject({
      code: 'TESTLOOP_NO_MERGE_BASE',
      message: expect.stringMatching(
        /no merge base between origin\/main and HEAD: this is a shallow clone.*git fetch --deepen/,
      ),
    });
  });
});

describe('repositoryRoot', () => {
  it('takes a prefetched answer once: git ran when it was prefetched, and the next call asks git again', async () => {
    const r = repo();
    r.write('pkg/a.txt', 'a\n');
    r.commit('root');
    const sub = join(r.dir, 'pkg');
    const root = rootOf(r.dir);
    const before = process.env.GIT_DIR;
    prefetchRepositoryRoot(sub);
    // From here on, a git started anew finds no repository; the prefetched one started before.
    process.env.GIT_DIR = join(r.dir, 'no-such-git-dir');
    try {
      expect(await repositoryRoot(sub)).toBe(root);
      await expect(repositoryRoot(sub)).rejects.toMatchObject({ code: 'TESTLOOP_NOT_A_GIT_REPO' });
    } finally {
      if (before === undefined) delete process.env.GIT_DIR;
      else process.env.GIT_DIR = before;
    }
  });

  it('gives a prefetched failure its error when taken', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'testloop-not-a-repo-'));
    prefetchRepositoryRoot(dir);
    await expect(repositoryRoot(dir)).rejects.toMatchObject({ code: 'TESTLOOP_NOT_A_GIT_REPO' });
  });
});

/** The root as git prints it (the temp folder may be reached through a symlink). */
function rootOf(dir: string): string {
  return execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: dir, encoding: 'utf8' }).trim();
}
