import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Packages the Action loads from its own folder: native parsers and stores cannot be bundled. */
export const NATIVE_DEPENDENCIES = [
  'oxc-parser',
  'oxc-resolver',
  'es-module-lexer',
  'better-sqlite3',
] as const;

export type Install = (
  command: string,
  args: readonly string[],
  cwd: string,
) => { status: number | null; output: string };

const npm: Install = (command, args, cwd) => {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
};

/**
 * The Action's `pre` step: a release tag carries the bundled dist/ but not node_modules, so the packages
 * that stay external are installed into the Action's folder once per job, from its own lockfile.
 * Returns the exit status and what to print.
 */
export function ensureDependencies(
  actionPath: string,
  install: Install = npm,
): { status: number; message: string } {
  const missing = NATIVE_DEPENDENCIES.filter((name) => !existsSync(join(actionPath, 'node_modules', name)));
  if (missing.length === 0) return { status: 0, message: 'testloop: dependencies present' };
  const args = ['ci', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'];
  const result = install('npm', args, actionPath);
  if (result.status === 0)
    return { status: 0, message: `testloop: installed ${missing.join(', ')} and their dependencies` };
  const last = result.output.trim().split('\n').slice(-5).join('\n');
  return {
    status: 1,
    message: `::error::testloop could not install its dependencies in ${actionPath} (npm ${args.join(' ')} exited ${result.status}). Check the runner's network access to the npm registry\n${last}`,
  };
}
