import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readReport } from '../../src/junit/registry.ts';
import { nodeTestRunner } from '../../src/runners/node-test/index.ts';
import { detectRunner } from '../../src/runners/registry.ts';
import { runTests } from '../../src/runners/run.ts';
import { copyFixture, fixtureProject } from './fixture.ts';

/** Node 22.18+ strips types by default, and its default patterns then take .ts files too. */
const stripsTypes = Boolean((process.features as { typescript?: unknown }).typescript);
/** Node 21+ reads `node --test` path arguments as globs. */
const globArgs = Number(process.versions.node.split('.')[0]) >= 21;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('node:test discovery', () => {
  test("node-test: Node's default patterns over the package files", async () => {
    expect(await nodeTestRunner.discover(fixtureProject('node-test'))).toEqual({
      runner: 'node',
      tests: [
        'src/b.test.mjs',
        'src/c-test.cjs',
        'src/d_test.js',
        'src/failing.test.js',
        ...(stripsTypes ? ['src/f.test.ts'] : []),
        'test-e.js',
        'test/a.js',
      ],
      configFiles: ['package.json'],
      setupFiles: [],
      aliases: [],
      warnings: [],
    });
  });

  test('node-test-args: folders and globs from the script, .ts under --experimental-strip-types, --import setup', async () => {
    expect(await nodeTestRunner.discover(fixtureProject('node-test-args'))).toEqual({
      runner: 'node',
      tests: ['test/integration/x.spec.mjs', 'test/unit/a.test.ts', 'test/unit/helpers.js'],
      configFiles: ['package.json'],
      setupFiles: ['test/setup.mjs'],
      aliases: [],
      warnings: [],
    });
  });

  test('a script path that is not in the repository is a warning', async () => {
    const project = {
      ...fixtureProject('node-test'),
      packageJson: { scripts: { test: 'node --test spec/' } },
    };
    expect((await nodeTestRunner.discover(project)).warnings).toEqual([
      'package.json: the test script names spec/, which is not in the repository',
    ]);
  });
});

describe('node:test detection and command line', () => {
  test('detects node --test, through npm run and cross-env', () => {
    expect(detectRunner(fixtureProject('node-test'))?.name).toBe('node');
    expect(detectRunner(fixtureProject('node-test-args'))?.name).toBe('node');
  });

  test('without a test script, detects files node --test would find that import node:test', async () => {
    const project = fixtureProject('node-test-no-script');
    expect(detectRunner(project)?.name).toBe('node');
    expect((await nodeTestRunner.discover(project)).tests).toEqual(['test/add.test.js']);
    expect(nodeTestRunner.commandLine(project, 'all').argv).toEqual([process.execPath, '--test']);
    // Files named like tests that do not import node:test are no sign of it.
    expect(detectRunner(fixtureProject('no-runner'))).toBeUndefined();
  });

  test('keeps the script flags (without --watch) and its environment, then the files', () => {
    const project = fixtureProject('node-test-args');
    expect(nodeTestRunner.commandLine(project, ['test/unit/a.test.ts'])).toEqual({
      argv: [
        process.execPath,
        '--experimental-strip-types',
        '--import',
        './test/setup.mjs',
        '--test',
        'test/unit/a.test.ts',
      ],
      env: { NODE_ENV: 'test' },
    });
    expect(nodeTestRunner.commandLine(project, 'all').argv.slice(-3)).toEqual([
      '--test',
      'test/unit/',
      'test/integration/*.spec.mjs',
    ]);
  });

  test('coverage goes through NODE_V8_COVERAGE; file names are glob-escaped where Node reads globs', () => {
    const project = fixtureProject('node-test');
    expect(
      nodeTestRunner.commandLine(project, ['src/[id].test.js'], { coverage: true, coverageDir: 'cov' }),
    ).toEqual({
      argv: [process.execPath, '--test', globArgs ? 'src/\\[id\\].test.js' : 'src/[id].test.js'],
      env: { NODE_V8_COVERAGE: join(project.dir, 'cov') },
    });
    // testloop's JUnit reporter (the built one) beside a readable one; reporters pair with destinations
    // in order.
    expect(
      nodeTestRunner.commandLine(project, 'all', { junit: '/tmp/out/junit.xml' }).argv.slice(-4),
    ).toEqual([
      '--test-reporter=spec',
      '--test-reporter-destination=stderr',
      `--test-reporter=${pathToFileURL(join(ROOT, 'dist/runners/node-junit-reporter.js')).href}`,
      '--test-reporter-destination=/tmp/out/junit.xml',
    ]);
    expect(() => nodeTestRunner.commandLine(project, [])).toThrow(/no test files/);
  });
});

describe('node --test run (end to end)', () => {
  let fixture: ReturnType<typeof copyFixture>;
  beforeAll(() => {
    fixture = copyFixture('node-test');
  });
  afterAll(() => fixture.remove());

  test('runs exactly the selected file', async () => {
    const result = await runTests(fixture.project, nodeTestRunner, ['src/b.test.mjs'], { output: 'capture' });
    const output = result.output ?? '';
    expect(result.exitCode, output).toBe(0);
    expect(output).toContain('b.test.mjs');
    expect(output).not.toContain('c-test.cjs');
    expect(output).toMatch(/[#ℹ] tests 1\n/); // TAP when piped on Node 20-22, spec on 23+
    expect(output).toMatch(/[#ℹ] pass 1\n/);
  });

  test('a JUnit report of selected files: the reporter options come before the paths', async () => {
    mkdirSync(join(fixture.project.dir, 'out'));
    const junit = join(fixture.project.dir, 'out', 'junit.xml');
    const result = await runTests(fixture.project, nodeTestRunner, ['src/b.test.mjs'], {
      output: 'capture',
      junit,
    });
    expect(result.exitCode, result.output).toBe(0);
    const report = readFileSync(junit, 'utf8');
    expect(report).toContain('<testsuites');
    expect(report.match(/<testcase /g)).toHaveLength(1);
    // Node's own reporter names no file; testloop's does, relative to the package.
    expect(report).toMatch(/<testcase [^>]*classname="test" file="src\/b\.test\.mjs"/);
  });

  test("testloop's reporter keeps tests of one name in two files apart, describes as suites", async () => {
    const same = (assertion: string) =>
      `import assert from 'node:assert';\nimport { describe, test } from 'node:test';\ndescribe('cart', () => {\n  test('adds', () => {\n    ${assertion}\n  });\n});\n`;
    writeFileSync(join(fixture.project.dir, 'src/same-a.test.mjs'), same('assert.equal(1, 1);'));
    writeFileSync(join(fixture.project.dir, 'src/same-b.test.mjs'), same('assert.equal(1, 2);'));
    const junit = join(fixture.project.dir, 'same.xml');
    const files = ['src/same-a.test.mjs', 'src/same-b.test.mjs'];
    await runTests(fixture.project, nodeTestRunner, files, { output: 'capture', junit });
    const attempts = [];
    for await (const attempt of readReport(junit)) attempts.push([attempt.testId, attempt.status]);
    expect(attempts.sort()).toEqual([
      ['src/same-a.test.mjs › cart › adds', 'passed'],
      ['src/same-b.test.mjs › cart › adds', 'failed'],
    ]);
  });

  test('the exit code follows a failing file', async () => {
    const result = await runTests(fixture.project, nodeTestRunner, ['src/failing.test.js'], {
      output: 'capture',
    });
    const output = result.output ?? '';
    expect(result.exitCode, output).toBe(1);
    expect(output).toContain('failing on purpose');
    expect(output).toMatch(/[#ℹ] fail 1\n/);
  });
});
