import { findBiome } from './biome.ts';
import { findEslint } from './eslint.ts';
import type { Linter } from './types.ts';

export type { Linter } from './types.ts';

/** The linters the package has configured and installed, each applied in turn (Biome, then ESLint). */
export function findLinters(root: string, projectDir: string): Linter[] {
  return [findBiome(root, projectDir), findEslint(root, projectDir)].filter(
    (linter): linter is Linter => linter !== undefined,
  );
}
