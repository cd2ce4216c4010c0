import { basename, join, resolve } from 'node:path';
import { summaryCounts } from '../console-summary.ts';
import { escapeGlob, fullNamePattern, localBin, ProjectFiles, projectRelative } from '../project-files.ts';
import { envOf, hasDependency, testInvocations } from '../scripts.ts';
import type { ProjectInfo, RunnerAdapter } from '../types.ts';
import { vitestVerdicts } from './batch-verdicts.ts';
import { findVitestConfig, scriptFlags, vitestInvocation } from './config-files.ts';
import { DriverPool } from './driver/pool.ts';

export const vitestRunner: RunnerAdapter = {
  name: 'vitest',
  handCommand: { all: ['npx', 'vitest', 'run'], some: ['npx', 'vitest', 'run'] },
  coverage: { report: 'lcov', listsUnloadedFiles: true },
  junitNamesFiles: true,
  assertionStyle: 'expect',
  authoring: {
    // vitest transforms every test file as an ES module.
    moduleStyle: 'esm',
    extensionlessImports: true,
    frameworkImports(esm, names) {
      const list = names === 'stub' ? 'describe, it' : 'describe, expect, it, vi';
      return [esm ? `import { ${list} } from 'vitest';` : `const { ${list} } = require('vitest');`];
    },
    todo: 'it.todo',
  },
  console: {
    counts(output) {
      const summary = /^\s*Tests\s{2,}(.+)$/m.exec(output)?.[1];
      return summary === undefined ? undefined : summaryCounts(summary);
    },
    // The file failed with no test collected ("Tests  no tests").
    loadError(output, counts) {
      const none = counts === undefined || counts.passed + counts.failed + counts.skipped === 0;
      return (
        none && /Failed Suites|Failed to load|Transform failed|Cannot find (?:module|package)/.test(output)
      );
    },
    batchVerdicts: vitestVerdicts,
  },
  // Validation processes that load the project's vitest once (./driver/), one per core at most.
  persistentRuns: { createPool: (options) => new DriverPool(options) },

  detect(project) {
    let score = 0;
    if (hasDependency(project.packageJson, 'vitest')) score += 30;
    if (testInvocations(project.packageJson).some((inv) => inv.program === 'vitest')) score += 60;
    const config = findVitestConfig(project, ProjectFiles.of(project));
    if (config !== undefined) score += basename(config).startsWith('vitest.') ? 50 : score > 0 ? 10 : 0;
    return score;
  },

  async discover(project) {
    const discovery = (await import('./discover.ts')).discoverVitest(project);
    // Whatever the static reader could not evaluate, vitest itself can.
    if (discovery.warnings.length === 0) return discovery;
    const configFile = findVitestConfig(project, ProjectFiles.of(project));
    const { completeWithRunner } = await import('../config-loader/complete.ts');
    return completeWithRunner(project, discovery, {
      runner: 'vitest',
      configFile,
      args: [project.dir, ...(configFile ? [configFile] : [])],
      // An alias may send a bare name (`lodash`, `react`) to a file of the repository: left unread, the
      // graph resolves that name into node_modules instead, which no unresolved-import rule can see.
      unreadAliasesWiden: true,
    });
  },

  commandLine(project, tests, options) {
    const argv = [...localBin(project.dir, 'vitest'), 'run'];
    const flags = scriptFlags(project);
    if (flags.config !== undefined) argv.push('--config', flags.config);
    if (flags.root !== undefined) argv.push('--root', flags.root);
    if (flags.dir !== undefined) argv.push('--dir', flags.dir);
    if (tests !== 'all') {
      if (tests.length === 0)
        throw new Error('vitest: no test files to run (pass "all" for the whole suite)');
      argv.push(...tests.map((test) => projectRelative(project, test)));
      for (const file of overMatched(project, tests)) argv.push('--exclude', escapeGlob(file));
    }
    if (options?.isolated) argv.push('--isolate', '--no-file-parallelism');
    if (options?.testName) argv.push('--testNamePattern', fullNamePattern(options.testName));
    if (options?.shuffleSeed !== undefined)
      argv.push('--sequence.shuffle', `--sequence.seed=${options.shuffleSeed}`);
    if (options?.workers !== undefined) argv.push(`--maxWorkers=${options.workers}`);
    if (options?.coverage) {
      argv.push(
        '--coverage.enabled',
        '--coverage.reporter=lcov',
        '--coverage.reporter=json',
        `--coverage.reportsDirectory=${resolve(project.dir, options.coverageDir ?? 'coverage')}`,
        // vitest writes no coverage when a test fails unless told to: the gaps of a red run still matter.
        '--coverage.reportOnFailure',
      );
      if (options.cobertura) argv.push('--coverage.reporter=cobertura');
      for (const file of options.coverageInclude ?? []) {
        argv.push(`--coverage.include=${escapeGlob(projectRelative(project, file))}`);
      }
    }
    if (options?.junit !== undefined) {
      // Reporters given on the command line replace the configured ones: keep the default one for the log.
      argv.push('--reporter=default', '--reporter=junit', `--outputFile.junit=${options.junit}`);
    }
    const env = envOf(vitestInvocation(project)?.env);
    return env ? { argv, env } : { argv };
  },
};

/**
 * vitest reads file arguments as filters: a test runs when its path relative to the project contains
 * the argument (`a.test.ts` also runs `src/a.test.ts` and `ba.test.ts`; absolute paths are no better).
 * Every other listed module file whose path contains a selected file's name is excluded by its exact,
 * escaped absolute path, which never matches a selected file.
 */
function overMatched(project: ProjectInfo, tests: readonly string[]): string[] {
  const files = ProjectFiles.of(project);
  const selected = new Set(tests.map((test) => join(project.root, test)));
  const names = [...selected].map((file) => basename(file).toLowerCase());
  return files.absolute.filter((file) => {
    if (selected.has(file) || !/\.[cm]?[jt]sx?$/.test(file)) return false;
    const lower = file.toLowerCase();
    return names.some((name) => lower.includes(name));
  });
}
