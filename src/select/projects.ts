import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { detectRunner } from '../runners/registry.ts';
import type { ProjectInfo, RunnerAdapter, TestDiscovery } from '../runners/types.ts';

export interface Project {
  /** Package folder relative to the repository root, '' for the root. */
  dir: string;
  info: ProjectInfo;
  runner?: RunnerAdapter;
  discovery?: TestDiscovery;
}

/** Every folder with a package.json is a package; its runner and tests are read from its own config. */
export async function discoverProjects(root: string, files: readonly string[]): Promise<Project[]> {
  const dirs = files
    .filter((f) => (f === 'package.json' || f.endsWith('/package.json')) && !f.includes('node_modules/'))
    .map((f) => posix.dirname(f))
    .map((d) => (d === '.' ? '' : d));
  if (!dirs.includes('')) dirs.push('');
  const projects: Project[] = [];
  for (const dir of dirs.sort()) {
    const prefix = dir === '' ? '' : `${dir}/`;
    const info: ProjectInfo = {
      root,
      dir: join(root, dir),
      packageJson: readPackageJson(join(root, dir, 'package.json')),
      files: prefix === '' ? files : files.filter((f) => f.startsWith(prefix)),
    };
    const runner = detectRunner(info);
    const project: Project = { dir, info };
    if (runner) {
      project.runner = runner;
      project.discovery = await runner.discover(info);
    }
    projects.push(project);
  }
  return projects;
}

/** The innermost package containing `file`. */
export function projectOf(projects: readonly Project[], file: string): Project {
  let best = projects.find((p) => p.dir === '')!;
  for (const project of projects) {
    if (project.dir !== '' && file.startsWith(`${project.dir}/`) && project.dir.length > best.dir.length)
      best = project;
  }
  return best;
}

function readPackageJson(path: string): Record<string, unknown> {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}
