// A new test runner: copy this folder, add the name to RunnerName in ../types.ts, fill in the three
// functions, add the adapter to ../registry.ts, and give it a fixture under test/fixtures/runners/.
// - detect: score from package.json (dependencies, the test script via ../scripts.ts) and config files;
//   the obvious runner of a package must win. 0 means "not this runner".
// - discover: read the config with ../static-config.ts (never execute it), match the `files` list with
//   picomatch (never walk the disk), and report what could not be read through ConfigReader warnings.
// - commandLine: the package's own binary (localBin), paths relative to project.dir, and an argv that
//   runs exactly the given files: check how the runner reads file arguments (filters? globs? paths?).
// - commandLine also maps RunOptions: coverage, junit (write JUnit, or convert the runner's own results in
//   collectJUnit), testName, shuffleSeed and workers (leave out what the runner cannot do).
// - coverage: set it when the runner measures coverage (its report format, and whether it lists files no
//   test loaded); leave it out when it measures none, and ci will not ask for any.
// - authoring: how generate writes a test for it (imports of the test API, module style, todo call).
// Optional capabilities (see ../types.ts; leave out what the runner cannot do, and callers do without):
// - console: read its default reporter's output for one file (summary counts, a file that did not load);
//   console.batchVerdicts when RunOptions.isolated runs each file in a fresh worker and the output names each
//   failing file: generate then reruns several candidates in one runner process.
// - persistentRuns: processes that load the runner once and run many small runs (generate's validation),
//   each run in a fresh worker; without it every run is a runner process of its own.
// - junitNamesFiles: its JUnit names each test's file, so that generate judges a candidate's mutants file by
//   file from one run (../file-verdicts.ts); leave it out when the report cannot say which file failed.
// - collectJUnit, failedOnlyElsewhere, alongside: see their comments in ../types.ts.
import { localBin } from '../project-files.ts';
import type { RunnerAdapter, RunnerName } from '../types.ts';

export const templateRunner: RunnerAdapter = {
  name: 'template' as RunnerName,
  handCommand: { all: ['npx', 'template'], some: ['npx', 'template'] },
  assertionStyle: 'expect',
  authoring: {
    moduleStyle: 'esm',
    extensionlessImports: true,
    frameworkImports: (esm) => [
      esm ? "import { expect, test } from 'template';" : "const { expect, test } = require('template');",
    ],
    todo: 'test.todo',
  },

  detect(_project) {
    return 0;
  },

  async discover(_project) {
    return {
      runner: 'template' as RunnerName,
      tests: [],
      configFiles: [],
      setupFiles: [],
      aliases: [],
      warnings: [],
    };
  },

  commandLine(project, tests) {
    if (tests !== 'all' && tests.length === 0) throw new Error('template: no test files to run');
    return { argv: [...localBin(project.dir, 'template'), ...(tests === 'all' ? [] : tests)] };
  },
};
