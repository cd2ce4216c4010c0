// What the Playwright adapter needs to detect a package and build its command line, without the static
// config evaluator that discovery loads.
import { join, resolve } from 'node:path';
import type { ProjectFiles } from '../project-files.ts';
import { flagValue, type Invocation, testInvocations } from '../scripts.ts';
import type { ProjectInfo } from '../types.ts';

const EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];
const PLAYWRIGHT_CONFIG_FILES = EXTENSIONS.map((ext) => `playwright.config${ext}`);

/** `playwright test …` in one of the package's scripts (end-to-end suites often live in `test:e2e`). */
export function playwrightInvocation(project: ProjectInfo): Invocation | undefined {
  const scripts = Object.keys((project.packageJson.scripts ?? {}) as Record<string, unknown>);
  for (const name of ['test', ...scripts.filter((script) => script !== 'test')]) {
    const found = testInvocations(project.packageJson, name).find(
      (inv) => inv.program === 'playwright' && inv.args[0] === 'test',
    );
    if (found) return found;
  }
  return undefined;
}

/** The config the package's script names (`-c`/`--config`), else playwright.config.* beside package.json. */
export function findPlaywrightConfig(project: ProjectInfo, files: ProjectFiles): string | undefined {
  const flag = flagValue(playwrightInvocation(project)?.args ?? [], ['--config', '-c']);
  if (flag !== undefined) return resolve(project.dir, flag);
  return PLAYWRIGHT_CONFIG_FILES.map((name) => join(project.dir, name)).find((file) => files.has(file));
}
