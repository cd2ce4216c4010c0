import { dirname, join } from 'node:path';
import { inputExists } from './inputs.ts';
import type { ProjectInfo } from './types.ts';

/**
 * The manifest of `name` as installed for the package (node_modules of its folder or one above), noting
 * every place looked at: a cached discovery is stale once the package is installed, removed or upgraded.
 */
export function installedManifest(project: ProjectInfo, name: string): string | undefined {
  for (let dir = project.dir; ; dir = dirname(dir)) {
    const manifest = join(dir, 'node_modules', name, 'package.json');
    if (inputExists(manifest)) return manifest;
    if (dirname(dir) === dir) return undefined;
  }
}
