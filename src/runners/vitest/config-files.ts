// What the vitest adapter needs to detect a package and build its command line, without the static
// config evaluator (and its parser) that discovery loads.
import { join, resolve } from 'node:path';
import type { ProjectFiles } from '../project-files.ts';
import { flagValue, type Invocation, testInvocations } from '../scripts.ts';
import type { ProjectInfo } from '../types.ts';

const CONFIG_NAMES = ['vitest.config', 'vite.config'];
export const CONFIG_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];
export const VITEST_CONFIG_FILES = CONFIG_NAMES.flatMap((name) => CONFIG_EXTENSIONS.map((ext) => name + ext));
/** The vitest command of the package's test script, if any: its flags are carried into commandLine. */
export function vitestInvocation(project: ProjectInfo): Invocation | undefined {
  return testInvocations(project.packageJson).find((inv) => inv.program === 'vitest');
}

/** The CLI flags of the package's test script that change what vitest runs. */
export function scriptFlags(project: ProjectInfo): { config?: string; root?: string; dir?: string } {
  const args = vitestInvocation(project)?.args ?? [];
  const flags: { config?: string; root?: string; dir?: string } = {};
  const config = flagValue(args, ['--config', '-c']);
  const root = flagValue(args, ['--root', '-r']);
  const dir = flagValue(args, ['--dir']);
  if (config !== undefined) flags.config = config;
  if (root !== undefined) flags.root = root;
  if (dir !== undefined) flags.dir = dir;
  return flags;
}

export function findVitestConfig(project: ProjectInfo, files: ProjectFiles): string | undefined {
  const flags = scriptFlags(project);
  if (flags.config !== undefined) return resolve(project.dir, flags.config);
  const root = resolve(project.dir, flags.root ?? '.');
  return VITEST_CONFIG_FILES.map((name) => join(root, name)).find((file) => files.has(file));
}
