import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverProjects } from '../../src/select/projects.ts';
import { selectTests } from '../../src/select/select-tests.ts';
import { TempRepo } from '../helpers/git-repo.ts';
import { linkNodeModules } from '../runners/fixture.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/select');
const NODE_MODULES = join(import.meta.dirname, '../../node_modules');

/**
 * A fixture committed in a fresh repository, with this project's packages linked into an ignored
 * node_modules so the runners themselves can list its tests.
 */
function fixtureRepo(name: string): TempRepo {
  const repo = new TempRepo(`testloop-projects-${name}-`);
  cpSync(join(FIXTURES, name), repo.dir, { recursive: true });
  repo.write('.gitignore', 'node_modules\n');
  linkNodeModules(repo.dir);
  repo.commit(`fixture ${name}`);
  return repo;
}

/** Every test file select knows, with the package and runner it runs under. */
async function allTests(repo: TempRepo): Promise<[string, string | undefined, string | undefined][]> {
  const result = await selectTests({ cwd: repo.dir, env: {}, changed: ['package.json'], cache: false });
  expect(result.all).toBe(true);
  expect(result.stats.totalTests).toBe(result.tests.length);
  return result.tests.map((t) => [t.file, t.project, t.runner]);
}

function runnerList(repo: TempRepo, bin: string, args: string[]): string[] {
  const out = execFileSync(join(NODE_MODULES, '.bin', bin), args, {
    cwd: repo.dir,
    encoding: 'utf8',
    env: { ...process.env, CI: '1', NO_COLOR: '1' },
  });
  return out
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (line.startsWith('/') ? relative(repo.dir, line) : line.trim()))
    .sort();
}

describe('projects: a nested package is a project only when something runs it', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = fixtureRepo('nested-packages');
  });
  afterAll(() => repo.remove());

  it('counts the test files `vitest list` counts: fixture projects excluded, nested tests the root runs', async () => {
    const tests = await allTests(repo);
    expect(tests).toEqual([
      ['packages/lib/double.test.ts', 'packages/lib', 'vitest'],
      ['test/sum.test.ts', '', 'vitest'],
      // tools/codegen has a package.json of its own, but no workspace or runner config names it: the
      // root's vitest runs the test its default include matches.
      ['tools/codegen/generate.test.ts', '', 'vitest'],
    ]);
    const listed = runnerList(repo, 'vitest', ['list', '--filesOnly']);
    expect(tests.map(([file]) => file)).toEqual(listed);
  });

  it('a change reaches no test of a fixture project, not even a broken one', async () => {
    const result = await selectTests({ cwd: repo.dir, env: {}, changed: ['src/sum.ts'], cache: false });
    expect(result.all).toBe(false);
    expect(result.tests.map((t) => t.file).sort()).toEqual([
      'packages/lib/double.test.ts',
      'test/sum.test.ts',
      'tools/codegen/generate.test.ts',
    ]);
  });

  it('a change inside a fixture project widens to the enclosing project: the tests that read a fixture by path may be any of them', async () => {
    const result = await selectTests({
      cwd: repo.dir,
      env: {},
      changed: ['fixtures/app/package.json'],
      cache: false,
    });
    expect(result.all).toBe(true);
    expect(result.reason).toBe(
      'fixtures/app/package.json changed and the module graph cannot see through it',
    );
    expect(result.tests).toHaveLength(3);
  });
});

describe('projects: jest `projects` and testPathIgnorePatterns', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = fixtureRepo('jest-nested');
  });
  afterAll(() => repo.remove());

  it('counts the test files `jest --listTests` counts', async () => {
    const tests = await allTests(repo);
    expect(tests).toEqual([
      // A package the root config names among its projects: its own runner runs it.
      ['e2e/flow.test.js', 'e2e', 'jest'],
      ['lib/sum.test.js', '', 'jest'],
    ]);
    expect(tests.map(([file]) => file)).toEqual(runnerList(repo, 'jest', ['--listTests']));
  });
});

describe('projects: packages no enclosing runner covers', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = fixtureRepo('independent-packages');
  });
  afterAll(() => repo.remove());

  it('a root without a runner leaves each package its own project', async () => {
    expect(await allTests(repo)).toEqual([
      ['api/src/route.test.js', 'api', 'jest'],
      ['web/src/greet.test.ts', 'web', 'vitest'],
    ]);
  });
});

describe('projects: the file list in any order', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = fixtureRepo('nested-packages');
  });
  afterAll(() => repo.remove());

  // A package's files are found by binary search in git's sorted listing; any other order is filtered.
  it('gives every package the same files and tests from a sorted and an unsorted listing', async () => {
    const listed = execFileSync('git', ['ls-files'], { cwd: repo.dir, encoding: 'utf8' }).trim().split('\n');
    const shape = async (files: string[]) =>
      (await discoverProjects(repo.dir, files, { cache: false })).map((project) => ({
        dir: project.dir,
        runner: project.runner?.name,
        tests: project.discovery?.tests,
        files: [...project.info.files].sort(),
      }));
    const sorted = await shape(listed);
    expect(sorted.find((p) => p.dir === 'packages/lib')?.files).toEqual(
      listed.filter((file) => file.startsWith('packages/lib/')),
    );
    expect(await shape([...listed].reverse())).toEqual(sorted);
  });
});
