import { escapeRegExp } from '../../util/regexp.ts';
import { fullNamePattern, localBin, ProjectFiles, projectRelative } from '../project-files.ts';
import { envOf, hasDependency } from '../scripts.ts';
import type { RunnerAdapter } from '../types.ts';
import { findPlaywrightConfig, playwrightInvocation } from './config-files.ts';

export const playwrightRunner: RunnerAdapter = {
  name: 'playwright',
  handCommand: { all: ['npx', 'playwright', 'test'], some: ['npx', 'playwright', 'test'] },
  alongside: true,
  assertionStyle: 'expect',
  authoring: {
    // Playwright Test transforms its specs as ES modules.
    moduleStyle: 'esm',
    extensionlessImports: true,
    frameworkImports: (esm) => [
      esm
        ? "import { expect, test } from '@playwright/test';"
        : "const { expect, test } = require('@playwright/test');",
    ],
    todo: 'test.fixme',
  },

  detect(project) {
    let score = 0;
    if (hasDependency(project.packageJson, '@playwright/test')) score += 30;
    if (playwrightInvocation(project) !== undefined) score += 40;
    if (findPlaywrightConfig(project, ProjectFiles.of(project)) !== undefined) score += 40;
    return score;
  },

  async discover(project) {
    return (await import('./discover.ts')).discoverPlaywright(project);
  },

  commandLine(project, tests, options) {
    const argv = [...localBin(project.dir, 'playwright'), 'test'];
    const invocation = playwrightInvocation(project);
    const config = invocation === undefined ? undefined : configFlag(invocation.args);
    if (config !== undefined) argv.push('--config', config);
    const extra: Record<string, string> = {};
    if (options?.junit !== undefined) {
      // Retries written as <flakyFailure> elements: a test that passed on retry is a same-run flip.
      argv.push('--reporter=line,junit');
      extra.PLAYWRIGHT_JUNIT_OUTPUT_FILE = options.junit;
      extra.PLAYWRIGHT_JUNIT_INCLUDE_RETRIES = '1';
    }
    // --grep is matched against the whole title (project, file, describes, name): not anchored at the start.
    if (options?.testName) argv.push('--grep', fullNamePattern(options.testName).replace(/^\^/, ''));
    // Playwright Test cannot shuffle: its files run in the order it lists them.
    if (options?.workers !== undefined) argv.push(`--workers=${options.workers}`);
    if (tests !== 'all') {
      if (tests.length === 0)
        throw new Error('playwright: no test files to run (pass "all" for the whole suite)');
      // Playwright reads each argument as a regular expression over the spec's path: escaped and anchored
      // at the end, a path matches itself (and a deeper path ending the same way, which only runs more).
      argv.push(...tests.map((test) => `${escapeRegExp(projectRelative(project, test))}$`));
    }
    const env = envOf(invocation?.env, extra);
    return env ? { argv, env } : { argv };
  },
};

function configFlag(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if ((arg === '--config' || arg === '-c') && i + 1 < args.length) return args[i + 1];
    if (arg.startsWith('--config=')) return arg.slice('--config='.length);
  }
  return undefined;
}
