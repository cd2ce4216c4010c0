/**
 * One run of several test files, a verdict per file from the JUnit report each adapter writes (node:test
 * through testloop's reporter, which names files): the real vitest, jest and node:test on the generate
 * fixtures, files run one after another as the mutation gate runs them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileVerdictsFromJUnit } from '../../src/runners/file-verdicts.ts';
import { jestRunner } from '../../src/runners/jest/index.ts';
import { nodeTestRunner } from '../../src/runners/node-test/index.ts';
import { runTests } from '../../src/runners/run.ts';
import type { ProjectInfo, RunnerAdapter } from '../../src/runners/types.ts';
import { vitestRunner } from '../../src/runners/vitest/index.ts';
import { copyApp } from '../generate/apps.ts';

interface Case {
  fixture: string;
  adapter: RunnerAdapter;
  ext: string;
  header: string;
  /** A statement the runner reports as a failed test. */
  fail: string;
  /** A file whose one test passes and whose hook after it throws. */
  hookFails: string;
}

const CASES: Case[] = [
  {
    fixture: 'vitest-app',
    adapter: vitestRunner,
    ext: 'ts',
    header: "import { expect, it } from 'vitest';\n",
    fail: 'expect(1).toBe(2);',
    hookFails:
      "import { afterAll, it } from 'vitest';\nit('holds', () => {});\nafterAll(() => {\n  throw new Error('teardown');\n});\n",
  },
  {
    fixture: 'jest-app',
    adapter: jestRunner,
    ext: 'js',
    header: '',
    fail: 'expect(1).toBe(2);',
    hookFails: "it('holds', () => {});\nafterAll(() => {\n  throw new Error('teardown');\n});\n",
  },
  {
    fixture: 'node-app',
    adapter: nodeTestRunner,
    ext: 'js',
    header: "import assert from 'node:assert/strict';\nimport { test as it } from 'node:test';\n",
    fail: 'assert.equal(1, 2);',
    hookFails:
      "import { after, describe, test } from 'node:test';\ndescribe('group', () => {\n  test('holds', () => {});\n  after(() => {\n    throw new Error('teardown');\n  });\n});\n",
  },
];

const reports = mkdtempSync(join(tmpdir(), 'testloop-file-verdicts-'));
afterAll(() => rmSync(reports, { recursive: true, force: true }));

describe.each(CASES)(
  'file verdicts from one $fixture run',
  ({ fixture, adapter, ext, header, fail, hookFails }) => {
    const name = (stem: string) => `src/${stem}.test.${ext}`;
    const files = {
      [name('passes')]: `${header}it('holds', () => {});\nit('holds again', () => {});\n`,
      [name('fails')]: `${header}it('holds', () => {});\nit('breaks', () => {\n  ${fail}\n});\n`,
      // A top-level throw: the file never gets to register a test.
      [name('no-load')]: `${header}throw new Error('cannot load');\n`,
      [name('passes-too')]: `${header}it('holds', () => {});\n`,
      [name('hook-fails')]: hookFails,
    };
    const app = copyApp(fixture, files);
    afterAll(() => app.remove());

    it('passing files true; a failing test, a failing hook or a file that does not load false; each by its own path', async () => {
      const project: ProjectInfo = {
        root: app.dir,
        dir: app.dir,
        packageJson: {},
        files: Object.keys(files),
      };
      const junit = join(reports, `${fixture}.xml`);
      const listed = Object.keys(files);
      const run = await runTests(project, adapter, listed, {
        output: 'capture',
        timeoutMs: 120_000,
        isolated: true,
        workers: 1,
        junit,
      });
      expect(run.exitCode, run.output).not.toBe(0);
      const verdicts = await fileVerdictsFromJUnit(junit, listed, project);
      expect(Object.fromEntries(verdicts)).toEqual({
        [name('passes')]: true,
        [name('fails')]: false,
        [name('no-load')]: false,
        [name('passes-too')]: true,
        // Its test passed, the file did not: alone, it would fail the run.
        [name('hook-fails')]: false,
      });
    });
  },
);

describe('a report that cannot speak for a file', () => {
  it('leaves out files it does not name, and every file when there is no report', async () => {
    const project: ProjectInfo = { root: reports, dir: reports, packageJson: {}, files: [] };
    expect((await fileVerdictsFromJUnit(join(reports, 'missing.xml'), ['a.test.js'], project)).size).toBe(0);
  });
});
