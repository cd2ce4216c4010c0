// What the jest adapter needs to detect a package and build its command line, without the static
// config evaluator (and its parser) that discovery loads.
import { join, resolve } from 'node:path';
import type { ProjectFiles } from '../project-files.ts';
import { flagValue, type Invocation, testInvocations } from '../scripts.ts';
import { loadJson } from '../static/json.ts';
import { isObject, type StaticValue } from '../static/values.ts';
import type { ProjectInfo } from '../types.ts';

export const JEST_CONFIG_FILES = ['.js', '.ts', '.mjs', '.mts', '.cjs', '.cts', '.json'].map(
  (ext) => `jest.config${ext}`,
);
/** The jest command of the package's test script, if any. */
export function jestInvocation(project: ProjectInfo): Invocation | undefined {
  return testInvocations(project.packageJson).find((inv) => inv.program === 'jest');
}

/** `--config <file>` of the package's jest script: carried into commandLine too. */
export function scriptConfig(project: ProjectInfo): string | undefined {
  const invocation = jestInvocation(project);
  const config = invocation && flagValue(invocation.args, ['--config', '-c']);
  return config === undefined || config.trim().startsWith('{') ? undefined : config;
}

/** Where the package's jest config lives: --config, jest.config.*, or package.json#jest. */
export function findJestConfig(project: ProjectInfo, files: ProjectFiles): string | undefined {
  const flag = scriptConfig(project);
  if (flag !== undefined) return resolve(project.dir, flag);
  return configIn(project.dir, files, project.packageJson);
}

export function configIn(
  dir: string,
  files: ProjectFiles,
  packageJson?: Record<string, unknown>,
): string | undefined {
  const file = JEST_CONFIG_FILES.map((name) => join(dir, name)).find((path) => files.has(path));
  if (file !== undefined) return file;
  const manifest = join(dir, 'package.json');
  const pkg =
    packageJson ?? (files.has(manifest) ? (loadJson(manifest) as Record<string, unknown>) : undefined);
  const jest = isObject(pkg as StaticValue) ? pkg?.jest : undefined;
  if (typeof jest === 'string') return resolve(dir, jest);
  return jest !== undefined ? manifest : undefined;
}
