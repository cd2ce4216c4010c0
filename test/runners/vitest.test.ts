import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { detectRunner } from '../../src/runners/registry.ts';
import { runTests } from '../../src/runners/run.ts';
import { discoverVitest } from '../../src/runners/vitest/discover.ts';
import { vitestRunner } from '../../src/runners/vitest/index.ts';
import { copyFixture, FIXTURES, fixtureProject } from './fixture.ts';

const VITEST_BIN = join(FIXTURES, '../../../node_modules/.bin/vitest');

describe('vitest discovery', () => {
  test('vitest-basic: include, exclude, setupFiles, globalSetup and both alias forms', async () => {
    const dir = join(FIXTURES, 'vitest-basic');
    expect(await vitestRunner.discover(fixtureProject('vitest-basic'))).toEqual({
      runner: 'vitest',
      tests: [
        'src/advanced-math.test.ts',
        'src/failing.test.ts',
        'src/legacy/src/math.test.ts',
        'src/math.test.ts',
        'src/utils/strings.test.ts',
        'tests/api.spec.ts',
      ],
      configFiles: ['package.json', 'vitest.config.ts'],
      setupFiles: ['tests/global-setup.ts', 'tests/setup.ts'],
      aliases: [
        { find: '@', replacement: join(dir, 'src') },
        { find: '~utils', replacement: join(dir, 'src/utils') },
      ],
      warnings: [],
    });
  });

  test('paths are relative to the repository when the package is one folder of it', async () => {
    const project = fixtureProject('vitest-basic', { root: FIXTURES });
    const discovery = await vitestRunner.discover(project);
    expect(discovery.tests[0]).toBe('vitest-basic/src/advanced-math.test.ts');
    expect(discovery.configFiles).toEqual(['vitest-basic/package.json', 'vitest-basic/vitest.config.ts']);
    expect(discovery.setupFiles).toEqual([
      'vitest-basic/tests/global-setup.ts',
      'vitest-basic/tests/setup.ts',
    ]);
  });

  test('vitest-projects: folder globs, project config files, inline projects with and without extends', async () => {
    const dir = join(FIXTURES, 'vitest-projects');
    expect(await vitestRunner.discover(fixtureProject('vitest-projects'))).toEqual({
      runner: 'vitest',
      // root.test.ts is not run: with test.projects the root config is no project of its own.
      tests: [
        'packages/a/test/a.test.ts',
        'packages/b/src/b.test.ts',
        'packages/b/src/c.spec.js',
        'scripts/build.test.mjs',
        'tools/lint.check.ts',
      ],
      configFiles: ['package.json', 'packages/a/vitest.config.ts', 'vitest.config.mts'],
      // setup.root.ts reaches the `extends: true` project only.
      setupFiles: ['packages/a/setup.ts', 'setup.root.ts'],
      aliases: [{ find: '^#a\\/(.*)$', regex: true, replacement: join(dir, 'packages/a/src/$1') }],
      warnings: [],
      // The folders the projects live in: a package.json there makes a package the runner reaches.
      projectDirs: ['packages/a', 'packages/b', 'tools'],
    });
  });

  test('vitest-computed: read statically, computed values fall back to the defaults with a warning naming file and line', () => {
    expect(discoverVitest(fixtureProject('vitest-computed'))).toEqual({
      runner: 'vitest',
      // The default include (test.include is computed), minus the literal exclude of vitest.config.ts.
      tests: ['src/x.test.ts', 'src/y.spec.tsx'],
      configFiles: ['aliases.ts', 'package.json', 'vite.config.ts', 'vitest.config.ts'],
      setupFiles: ['src/setup.ts'],
      aliases: [],
      warnings: [
        'vite.config.ts:4: cannot read test.include statically (reads process.env); using the default',
        'aliases.ts:5: cannot read resolve.alias statically ("aliases" is changed after it is declared (line 2)); using the default',
      ],
      // The include decides which files are tests; the alias only how imports resolve.
      incomplete:
        'vite.config.ts:4: cannot read test.include statically (reads process.env); using the default',
    });
  });

  test("vitest-computed: the adapter reads what the static reader could not through vitest's own loader", async () => {
    // The config picks its include by process.env.CI, which the loader sees as the runner would.
    const ci = process.env.CI;
    try {
      delete process.env.CI;
      expect(await vitestRunner.discover(fixtureProject('vitest-computed'))).toEqual({
        runner: 'vitest',
        tests: ['src/x.test.ts', 'src/y.spec.tsx'],
        configFiles: ['aliases.ts', 'package.json', 'vite.config.ts', 'vitest.config.ts'],
        setupFiles: ['src/setup.ts'],
        // As vite resolved it: the computed alias, no longer unknown.
        aliases: [{ find: '@', replacement: '/src' }],
        warnings: [
          "vite.config.ts:4: cannot read test.include statically (reads process.env); read through vitest's own loader instead",
          'aliases.ts:5: cannot read resolve.alias statically ("aliases" is changed after it is declared (line 2)); read through vitest\'s own loader instead',
        ],
      });
      process.env.CI = 'true';
      expect((await vitestRunner.discover(fixtureProject('vitest-computed'))).tests).toEqual([
        'src/x.test.ts',
      ]);
    } finally {
      if (ci === undefined) delete process.env.CI;
      else process.env.CI = ci;
    }
  });
});

describe('vitest regex aliases', () => {
  test("a regex alias only vitest's own loader sees is kept as a regex alias, not dropped", async () => {
    const dir = join(FIXTURES, 'vitest-regex-alias');
    const discovery = await vitestRunner.discover(fixtureProject('vitest-regex-alias'));
    expect(discovery.aliases).toEqual([
      { find: '^#lib\\/(.*)$', regex: true, replacement: join(dir, 'src/$1') },
    ]);
    expect(discovery.incomplete).toBeUndefined();
  });
});

describe("vitest's own loader", () => {
  test("a config loaded through it cannot read testloop's credentials", async () => {
    const names = ['TESTLOOP_GITHUB_TOKEN', 'TESTLOOP_GITLAB_TOKEN', 'TESTLOOP_LLM_API_KEY'];
    const before = names.map((name) => process.env[name]);
    try {
      for (const name of names) process.env[name] = 'secret';
      expect((await vitestRunner.discover(fixtureProject('vitest-env-config'))).tests).toEqual([
        'src/a.test.ts',
      ]);
    } finally {
      names.forEach((name, i) => {
        if (before[i] === undefined) delete process.env[name];
        else process.env[name] = before[i];
      });
    }
  });
});

describe('vitest detection and command line', () => {
  test('detects every vitest fixture', () => {
    for (const name of ['vitest-basic', 'vitest-projects', 'vitest-computed']) {
      expect(detectRunner(fixtureProject(name))?.name, name).toBe('vitest');
    }
  });

  test('runs files by path and excludes the other files a substring filter would also run', () => {
    const project = fixtureProject('vitest-basic');
    expect(vitestRunner.commandLine(project, ['src/math.test.ts'])).toEqual({
      argv: [
        VITEST_BIN,
        'run',
        'src/math.test.ts',
        '--exclude',
        join(project.dir, 'src/advanced-math.test.ts'),
        '--exclude',
        join(project.dir, 'src/legacy/src/math.test.ts'),
      ],
    });
    expect(vitestRunner.commandLine(project, 'all', { coverage: true, coverageDir: 'out/cov' })).toEqual({
      argv: [
        VITEST_BIN,
        'run',
        '--coverage.enabled',
        '--coverage.reporter=lcov',
        '--coverage.reporter=json',
        `--coverage.reportsDirectory=${join(project.dir, 'out/cov')}`,
        '--coverage.reportOnFailure',
      ],
    });
    // A change's files listed in coverage even when unloaded (glob-escaped), and a JUnit report beside the log.
    expect(
      vitestRunner
        .commandLine(project, 'all', {
          coverage: true,
          coverageDir: 'cov',
          coverageInclude: ['src/[slug].ts'],
          junit: '/tmp/out/junit.xml',
        })
        .argv.slice(-5),
    ).toEqual([
      '--coverage.reportOnFailure',
      '--coverage.include=src/\\[slug\\].ts',
      '--reporter=default',
      '--reporter=junit',
      '--outputFile.junit=/tmp/out/junit.xml',
    ]);
    expect(() => vitestRunner.commandLine(project, [])).toThrow(/no test files/);
  });

  test('carries --config and environment assignments over from the test script', () => {
    const project = {
      ...fixtureProject('vitest-basic'),
      packageJson: { scripts: { test: 'TZ=UTC vitest run --config ./vitest.config.ts' } },
    };
    expect(vitestRunner.commandLine(project, 'all')).toEqual({
      argv: [VITEST_BIN, 'run', '--config', './vitest.config.ts'],
      env: { TZ: 'UTC' },
    });
  });
});

describe('vitest run (end to end)', () => {
  let fixture: ReturnType<typeof copyFixture>;
  beforeAll(() => {
    fixture = copyFixture('vitest-basic');
  });
  afterAll(() => fixture.remove());

  test('runs exactly the selected file, through its alias and setup files', async () => {
    const result = await runTests(fixture.project, vitestRunner, ['src/math.test.ts'], { output: 'capture' });
    const output = stripVTControlCharacters(result.output ?? '');
    expect(result.exitCode, output).toBe(0);
    expect(output).toContain('src/math.test.ts (1 test)');
    expect(output).not.toContain('legacy');
    expect(output).not.toContain('advanced-math');
    expect(output).toMatch(/Test Files\s+1 passed \(1\)/);
  });

  test('the exit code follows a failing file', async () => {
    const result = await runTests(fixture.project, vitestRunner, ['src/failing.test.ts'], {
      output: 'capture',
    });
    const output = stripVTControlCharacters(result.output ?? '');
    expect(result.exitCode, output).toBe(1);
    expect(output).toContain('failing on purpose');
    expect(output).toMatch(/Test Files\s+1 failed \(1\)/);
  });
});
