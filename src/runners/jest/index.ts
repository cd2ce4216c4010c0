import { dirname, join, relative, resolve, sep } from 'node:path';
import { summaryCounts } from '../console-summary.ts';
import { escapeGlob, fullNamePattern, localBin, ProjectFiles, projectRelative } from '../project-files.ts';
import { envOf, hasDependency, testInvocations } from '../scripts.ts';
import type { ProjectInfo, RunnerAdapter } from '../types.ts';
import { findJestConfig, jestInvocation, scriptConfig } from './config-files.ts';
import { onlyObsoleteSnapshotsOfOthers } from './obsolete-snapshots.ts';

export const jestRunner: RunnerAdapter = {
  name: 'jest',
  handCommand: { all: ['npx', 'jest', '--ci'], some: ['npx', 'jest', '--ci', '--runTestsByPath'] },
  coverage: { report: 'lcov', listsUnloadedFiles: true, v8Fallback: true },
  junitNamesFiles: true,
  assertionStyle: 'expect',
  authoring: {
    moduleStyle: 'cjs',
    extensionlessImports: true,
    // jest's globals need no import, unless the project's tests import them from @jest/globals.
    frameworkImports(esm, names, example) {
      if (!example?.includes('@jest/globals')) return [];
      const list = names === 'stub' ? 'describe, it' : 'describe, expect, it, jest';
      return [
        esm ? `import { ${list} } from '@jest/globals';` : `const { ${list} } = require('@jest/globals');`,
      ];
    },
    todo: 'it.todo',
  },
  console: {
    counts(output) {
      const summary = /^Tests:\s+(.+)$/m.exec(output)?.[1];
      return summary === undefined ? undefined : summaryCounts(summary);
    },
    loadError: (output) => /Test suite failed to run/.test(output),
  },

  detect(project) {
    let score = 0;
    if (hasDependency(project.packageJson, 'jest')) score += 30;
    const programs = testInvocations(project.packageJson).map((inv) => `${inv.program} ${inv.args[0] ?? ''}`);
    if (programs.some((program) => program.startsWith('jest '))) score += 60;
    else if (programs.some((program) => program === 'react-scripts test')) score += 40;
    if (findJestConfig(project, ProjectFiles.of(project)) !== undefined) score += 50;
    return score;
  },

  async discover(project) {
    const discovery = (await import('./discover.ts')).discoverJest(project);
    // Whatever the static reader could not evaluate, jest itself can.
    if (discovery.warnings.length === 0) return discovery;
    const files = ProjectFiles.of(project);
    const flag = scriptConfig(project);
    const { completeWithRunner } = await import('../config-loader/complete.ts');
    return completeWithRunner(project, discovery, {
      runner: 'jest',
      configFile: findJestConfig(project, files),
      // jest finds the config from its working directory unless the test script names one.
      args: [project.dir, ...(flag === undefined ? [] : [resolve(project.dir, flag)])],
      input: JSON.stringify(files.absolute),
      unreadAliasesWiden: true,
    });
  },

  commandLine(project, tests, options) {
    const argv = [...localBin(project.dir, 'jest')];
    const config = scriptConfig(project);
    if (config !== undefined) argv.push('--config', config);
    argv.push('--ci');
    if (options?.testName) argv.push('--testNamePattern', fullNamePattern(options.testName));
    if (options?.shuffleSeed !== undefined) argv.push('--randomize', `--seed=${options.shuffleSeed}`);
    if (options?.workers !== undefined) argv.push(`--maxWorkers=${options.workers}`);
    if (options?.coverage) {
      argv.push(
        '--coverage',
        '--coverageReporters=lcov',
        '--coverageReporters=json',
        `--coverageDirectory=${resolve(project.dir, options.coverageDir ?? 'coverage')}`,
      );
      if (options.cobertura) argv.push('--coverageReporters=cobertura');
      if (options.v8Coverage) argv.push('--coverageProvider=v8');
      for (const file of options.coverageInclude ?? [])
        for (const pattern of coveragePatterns(project, config, file))
          argv.push(`--collectCoverageFrom=${pattern}`);
    }
    // jest writes JUnit only through the jest-junit plugin; its own JSON results are converted after the run.
    const results = options?.junit === undefined ? options?.resultsFile : jestResultsPath(options.junit);
    if (results !== undefined) argv.push('--json', `--outputFile=${results}`);
    if (tests !== 'all') {
      if (tests.length === 0) throw new Error('jest: no test files to run (pass "all" for the whole suite)');
      // Exact paths, not patterns; jest still drops a path that its testMatch/testRegex does not accept.
      argv.push('--runTestsByPath', ...tests.map((test) => projectRelative(project, test)));
    }
    const env = envOf(jestInvocation(project)?.env);
    return env ? { argv, env } : { argv };
  },

  failedOnlyElsewhere: onlyObsoleteSnapshotsOfOthers,

  async collectJUnit(project, junit) {
    // The JUnit writer loads only after a run: selecting tests never needs it.
    const { jestJsonToJUnit } = await import('./json-results.ts');
    await jestJsonToJUnit(jestResultsPath(junit), junit, project);
  },
};

/**
 * jest matches collectCoverageFrom against paths relative to the config's rootDir, which defaults to the
 * config file's folder: a config kept in `scripts/jest/` measures `src/x.ts` only as `../../src/x.ts`. The
 * file is named from the package folder and from the config's folder; a pattern naming no file is inert.
 */
function coveragePatterns(project: ProjectInfo, config: string | undefined, file: string): string[] {
  const fromPackage = projectRelative(project, file);
  const configDir = config === undefined ? project.dir : dirname(resolve(project.dir, config));
  const fromConfig = relative(configDir, join(project.root, file)).split(sep).join('/');
  return [...new Set([fromPackage, fromConfig])].map(escapeGlob);
}

function jestResultsPath(junit: string): string {
  return `${junit}.jest.json`;
}
