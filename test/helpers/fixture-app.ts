import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const NODE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));

export interface App {
  dir: string;
  git(...args: string[]): string;
  /** `git status --porcelain` with untracked files listed one by one. */
  status(): string[];
  remove(): void;
}

/**
 * A fixture copied into a fresh git repository (committed; node_modules linked in entry by entry and
 * ignored), as a CI checkout would look.
 */
export function copyFixtureApp(fixtures: string, name: string, extra: Record<string, string> = {}): App {
  const dir = mkdtempSync(join(tmpdir(), `testloop-app-${name}-`));
  cpSync(join(fixtures, name), dir, { recursive: true });
  for (const [file, content] of Object.entries(extra)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), content);
  }
  mkdirSync(join(dir, 'node_modules'));
  for (const entry of readdirSync(NODE_MODULES)) {
    if (!entry.startsWith('.vite') && entry !== '.cache')
      symlinkSync(join(NODE_MODULES, entry), join(dir, 'node_modules', entry));
  }
  writeFileSync(join(dir, '.gitignore'), 'node_modules/\ncoverage/\n');
  const git = (...args: string[]) =>
    execFileSync(
      'git',
      ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'commit.gpgsign=false', ...args],
      {
        cwd: dir,
        encoding: 'utf8',
      },
    ).trim();
  git('init', '-q', '--initial-branch=main');
  git('add', '-A');
  git('commit', '-qm', 'fixture');
  return {
    dir,
    git,
    status: () => git('status', '--porcelain', '--untracked-files=all').split('\n').filter(Boolean),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
