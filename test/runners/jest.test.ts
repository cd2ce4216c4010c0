import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { discoverJest } from '../../src/runners/jest/discover.ts';
import { jestRunner } from '../../src/runners/jest/index.ts';
import { detectRunner } from '../../src/runners/registry.ts';
import { runTests } from '../../src/runners/run.ts';
import type { ProjectInfo } from '../../src/runners/types.ts';
import { copyFixture, FIXTURES, fixtureProject, linkNodeModules } from './fixture.ts';

const JEST_BIN = join(FIXTURES, '../../../node_modules/.bin/jest');

describe('jest discovery', () => {
  test('jest-basic: roots, testMatch with <rootDir>, testPathIgnorePatterns, setup files, moduleNameMapper', async () => {
    const dir = join(FIXTURES, 'jest-basic');
    expect(await jestRunner.discover(fixtureProject('jest-basic'))).toEqual({
      runner: 'jest',
      // lib/outside.test.js is outside `roots`; test/fixtures/ is ignored.
      tests: ['src/advanced-math.test.js', 'src/failing.test.js', 'src/math.test.js', 'test/api.check.js'],
      configFiles: ['jest.config.js', 'package.json'],
      setupFiles: ['test/setup-after-env.js', 'test/setup.js'],
      aliases: [
        { find: '^@/(.*)$', regex: true, replacement: join(dir, 'src/$1') },
        // Not anchored: wrapped so that replacing the match replaces the whole specifier, as jest does.
        { find: '^(?:.*?)(?:\\.css$)(?:.*)$', regex: true, replacement: join(dir, 'test/style-mock.js') },
      ],
      warnings: [],
    });
  });

  test('jest-regex: package.json#jest with a testRegex array replaces the default testMatch', async () => {
    const dir = join(FIXTURES, 'jest-regex');
    expect(await jestRunner.discover(fixtureProject('jest-regex'))).toEqual({
      runner: 'jest',
      tests: ['__checks__/a.js', 'src/b.unit.js', 'src/broken.unit.js'],
      configFiles: ['package.json'],
      setupFiles: ['setup.js'],
      aliases: [{ find: '^lib$', regex: true, replacement: join(dir, 'lib/index.js') }],
      warnings: [],
    });
  });

  test('testRegex is matched against the absolute path, as jest does', async () => {
    const project = fixtureProject('jest-regex', { root: FIXTURES });
    const discovery = await jestRunner.discover({
      ...project,
      packageJson: { jest: { testRegex: 'jest-regex/src/.*\\.js$' } },
    });
    expect(discovery.tests).toEqual([
      'jest-regex/src/b.unit.js',
      'jest-regex/src/broken.unit.js',
      'jest-regex/src/d.test.js',
    ]);
  });

  test('read statically, a computed setting and an unknown preset produce warnings', () => {
    const project = fixtureProject('jest-regex');
    const discovery = discoverJest({
      ...project,
      packageJson: { jest: { preset: 'react-native', testMatch: 5 } },
    });
    expect(discovery.tests).toEqual(['src/d.test.js']);
    expect(discovery.warnings).toEqual([
      'package.json: cannot read testMatch statically (is not a string or a list of strings); using the default',
      'package.json: cannot read preset "react-native" statically (its testMatch, roots and setup files are not seen); using the default',
    ]);
  });
});

/** A package in a temp folder holding only `config` as its jest.config.js. */
async function withJestConfig(config: string, check: (project: ProjectInfo) => unknown): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'testloop-jest-config-'));
  try {
    writeFileSync(join(dir, 'package.json'), '{ "name": "configured" }\n');
    writeFileSync(join(dir, 'jest.config.js'), config);
    await check(fixtureProject('configured', { dir }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("jest discovery through jest's own loader", () => {
  const dir = join(FIXTURES, '../select-safety/jest-mapped');
  const project = () => fixtureProject('jest-mapped', { dir });
  const warning = (ending: string) =>
    `scripts/aliases.js:5: cannot read moduleNameMapper statically (calls Object.fromEntries()); ${ending}`;

  test('jest-mapped: the static reader cannot evaluate the moduleNameMapper built from readdirSync', () => {
    expect(discoverJest(project()).warnings).toEqual([warning('using the default')]);
  });

  test('a moduleNameMapper with an unknown spread is not read as complete', async () => {
    const config =
      "const { mapped } = require('./mapped.js');\n\nmodule.exports = { moduleNameMapper: { ...mapped(), '^x$': '<rootDir>/x.js' } };\n";
    await withJestConfig(config, (project) => {
      const discovery = discoverJest(project);
      expect(discovery.aliases).toEqual([]);
      expect(discovery.warnings).toEqual([
        'jest.config.js:3: cannot read moduleNameMapper statically (calls mapped()); using the default',
      ]);
    });
  });

  test('jest-mapped: the adapter takes test files, projects and moduleNameMapper from jest-config', async () => {
    const mapped = (name: string) => ({
      find: `^@acme/${name}$`,
      regex: true,
      replacement: join(dir, `packages/${name}/src/index.js`),
    });
    const aliases = [mapped('dates'), mapped('numbers'), mapped('strings')];
    expect(await jestRunner.discover(project())).toEqual({
      runner: 'jest',
      // As `jest --listTests` lists them: legacy/old.test.js is matched by neither project's testMatch.
      tests: [
        'apps/web/page.spec.js',
        'packages/dates/test/format.test.js',
        'packages/numbers/test/sum.test.js',
        'packages/strings/test/pad.test.js',
      ],
      // The helper the config imported is a config file too: a change to it may change every test.
      configFiles: ['jest.config.js', 'package.json', 'scripts/aliases.js'],
      setupFiles: [],
      // Once per project, as jest-config normalized each.
      aliases: [...aliases, ...aliases],
      warnings: [warning("read through jest's own loader instead")],
    });
  });

  test('a package reached through a symlink: jest works from the real path, the answer keeps the given one', async () => {
    const link = join(mkdtempSync(join(tmpdir(), 'testloop-jest-link-')), 'jest-mapped');
    symlinkSync(dir, link);
    try {
      const discovery = await jestRunner.discover(fixtureProject('jest-mapped', { dir: link }));
      expect(discovery.tests).toEqual((await jestRunner.discover(project())).tests);
      expect(discovery.configFiles).toEqual(['jest.config.js', 'package.json', 'scripts/aliases.js']);
      expect(discovery.aliases[0]?.replacement).toBe(join(link, 'packages/dates/src/index.js'));
    } finally {
      rmSync(dirname(link), { recursive: true, force: true });
    }
  });

  test('jest-esm: an ES module config, and the modules it imported are config files too', async () => {
    expect(await jestRunner.discover(fixtureProject('jest-esm'))).toEqual({
      runner: 'jest',
      tests: ['packages/strings/test/upper.test.js'],
      // The static reader cannot follow the computed import(): jest's module loading names the helper.
      configFiles: ['jest.config.mjs', 'package.json', 'scripts/aliases.mjs'],
      setupFiles: [],
      aliases: [
        {
          find: '^@acme/strings$',
          regex: true,
          replacement: join(FIXTURES, 'jest-esm/packages/strings/src/index.js'),
        },
      ],
      warnings: [
        "jest.config.mjs:5: cannot read moduleNameMapper statically (calls packageAliases()); read through jest's own loader instead",
      ],
    });
  });

  test('a config that never finishes loading: no answer in time, and the whole package widens', async () => {
    // A handle keeps the process alive while the config's promise never settles.
    const config = 'setInterval(() => {}, 1000);\n\nmodule.exports = () => new Promise(() => {});\n';
    await withJestConfig(config, async (project) => {
      linkNodeModules(project.dir);
      const discovery = discoverJest(project);
      expect(discovery.warnings).toHaveLength(1);
      expect(discovery.warnings[0]).toMatch(
        /^jest\.config\.js:3: cannot read rootDir, projects, .* statically/,
      );
      const { completeWithRunner } = await import('../../src/runners/config-loader/complete.ts');
      const completed = await completeWithRunner(project, discovery, {
        runner: 'jest',
        configFile: join(project.dir, 'jest.config.js'),
        args: [project.dir],
        input: '[]',
        unreadAliasesWiden: true,
        timeoutMs: 1000,
      });
      const failed = "jest's own loader could not read jest.config.js either: no answer within 1s";
      expect(completed.incomplete).toBe(`${discovery.warnings[0]}; ${failed}`);
      expect(completed.warnings).toEqual([...discovery.warnings, failed]);
    });
  });

  test('the test files are those jest itself lists', async () => {
    const listed = execFileSync(process.execPath, [JEST_BIN, '--listTests'], { cwd: dir, encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((file) => relative(dir, file))
      .sort();
    expect((await jestRunner.discover(project())).tests).toEqual(listed);
  });
});

describe('jest detection and command line', () => {
  test('detects both jest fixtures', () => {
    expect(detectRunner(fixtureProject('jest-basic'))?.name).toBe('jest');
    expect(detectRunner(fixtureProject('jest-regex'))?.name).toBe('jest');
  });

  test('runs exact paths with --runTestsByPath --ci; coverage flags', () => {
    const project = fixtureProject('jest-basic');
    expect(jestRunner.commandLine(project, ['src/math.test.js', 'test/api.check.js'])).toEqual({
      argv: [JEST_BIN, '--ci', '--runTestsByPath', 'src/math.test.js', 'test/api.check.js'],
    });
    expect(jestRunner.commandLine(project, 'all', { coverage: true })).toEqual({
      argv: [
        JEST_BIN,
        '--ci',
        '--coverage',
        '--coverageReporters=lcov',
        '--coverageReporters=json',
        `--coverageDirectory=${join(project.dir, 'coverage')}`,
      ],
    });
    // jest writes JUnit only through a plugin: its JSON results are written for conversion after the run.
    expect(
      jestRunner
        .commandLine(project, 'all', {
          coverage: true,
          coverageInclude: ['src/math.js'],
          junit: '/tmp/out/junit.xml',
        })
        .argv.slice(-3),
    ).toEqual(['--collectCoverageFrom=src/math.js', '--json', '--outputFile=/tmp/out/junit.xml.jest.json']);
    expect(() => jestRunner.commandLine(project, [])).toThrow(/no test files/);
  });

  test('carries --config and NODE_OPTIONS over from the test script', () => {
    const project = {
      ...fixtureProject('jest-basic'),
      packageJson: { scripts: { test: 'NODE_OPTIONS=--experimental-vm-modules npx jest -c jest.config.js' } },
    };
    expect(jestRunner.commandLine(project, ['src/math.test.js'])).toEqual({
      argv: [JEST_BIN, '--config', 'jest.config.js', '--ci', '--runTestsByPath', 'src/math.test.js'],
      env: { NODE_OPTIONS: '--experimental-vm-modules' },
    });
  });
});

describe('jest run (end to end)', () => {
  let fixture: ReturnType<typeof copyFixture>;
  beforeAll(() => {
    fixture = copyFixture('jest-basic');
  });
  afterAll(() => fixture.remove());

  test('runs exactly the selected file, through moduleNameMapper and setup files', async () => {
    const result = await runTests(fixture.project, jestRunner, ['src/math.test.js'], { output: 'capture' });
    const output = stripVTControlCharacters(result.output ?? '');
    expect(result.exitCode, output).toBe(0);
    expect(output).toContain('PASS src/math.test.js');
    expect(output).not.toContain('advanced-math');
    expect(output).toMatch(/Tests:\s+1 passed, 1 total/);
  });

  test('the exit code follows a failing file', async () => {
    const result = await runTests(fixture.project, jestRunner, ['src/failing.test.js'], {
      output: 'capture',
    });
    const output = stripVTControlCharacters(result.output ?? '');
    expect(result.exitCode, output).toBe(1);
    expect(output).toContain('FAIL src/failing.test.js');
    expect(output).toMatch(/Tests:\s+1 failed, 1 total/);
  });
});
