import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A file this package builds into dist/ (a worker or child process entry), found from the bundle or
 * from the sources alike; undefined when the package has not been built.
 */
export function distScript(relativePath: string): string | undefined {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) {
      const script = join(dir, 'dist', relativePath);
      return existsSync(script) ? script : undefined;
    }
    if (dirname(dir) === dir) return undefined;
  }
}
