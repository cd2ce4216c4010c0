import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runTestloop, testloopInProcess } from '../helpers/cli.ts';
import { TempRepo } from '../helpers/git-repo.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/select');
const NODE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));
const CACHE = 'node_modules/.cache/testloop';

/** A fixture project committed on `main` of a fresh repository, with a node_modules for the graph cache. */
function fixtureRepo(name: string): TempRepo {
  const repo = new TempRepo(`testloop-cli-select-${name}-`);
  cpSync(join(FIXTURES, name), repo.dir, { recursive: true });
  mkdirSync(join(repo.dir, 'node_modules'));
  repo.commit(`fixture ${name}`);
  return repo;
}

const ALL_REASON = '.env changed and the module graph cannot see through it';

describe('testloop select: output formats and inputs', () => {
  let repo: TempRepo;
  const select = async (args: string[], input?: string) =>
    await testloopInProcess(['select', ...args], {
      cwd: repo.dir,
      ...(input === undefined ? {} : { input }),
    });

  beforeAll(() => {
    repo = fixtureRepo('import-forms');
  });
  afterAll(() => repo.remove());

  it('lists the selected files, most relevant first, with --format list (the default)', async () => {
    const run = await select(['src/round.ts', 'src/clock.ts', 'test/lazy.test.ts']);
    expect(run).toEqual({
      status: 0,
      stdout: 'test/lazy.test.ts\ntest/mock.test.ts\ntest/static.test.ts\n',
      stderr: '',
    });
    expect(await select(['--format', 'list', 'src/round.ts'])).toEqual({
      status: 0,
      stdout: 'test/static.test.ts\n',
      stderr: '',
    });
  });

  it('prints the JSON contract with --format json', async () => {
    const run = await select(['--format', 'json', 'src/math.ts', 'legacy/src/format.ts', 'README.md']);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      all: false,
      tests: [
        {
          file: 'legacy/src/greet.test.ts',
          score: 0.5,
          reasons: ['imports legacy/src/format.ts (changed)'],
          runner: 'jest',
          project: 'legacy',
        },
        {
          file: 'test/static.test.ts',
          score: 0.5,
          reasons: ['imports src/math.ts (changed)'],
          runner: 'vitest',
          project: '',
        },
      ],
      ignored: [{ file: 'README.md', reason: 'documentation or tooling file: no test reads it' }],
      untested: [],
      stats: {
        files: 46,
        parsed: expect.any(Number),
        cached: expect.any(Number),
        ms: expect.any(Number),
        changedFiles: 3,
        totalTests: 16,
        graphMs: expect.any(Number),
        unresolved: 0,
      },
    });
  });

  it('prints all: true with its reason in JSON, and says so on stderr', async () => {
    const run = await select(['--format', 'json', '.env']);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe(`testloop: selecting all 16 tests: ${ALL_REASON}\n`);
    const json = JSON.parse(run.stdout);
    expect(json).toMatchObject({ all: true, reason: ALL_REASON, ignored: [] });
    expect(json.tests).toHaveLength(16);
    expect(json.tests[0]).toEqual({
      file: 'ext/test/host.test.ts',
      score: 0.01,
      reasons: [ALL_REASON],
      runner: 'vitest',
      project: 'ext',
    });
  });

  it('prints a command line with --format vitest, jest and node', async () => {
    expect(await select(['--format', 'vitest', 'src/round.ts', 'src/clock.ts'])).toEqual({
      status: 0,
      stdout: 'npx vitest run test/mock.test.ts test/static.test.ts\n',
      stderr: '',
    });
    expect(await select(['--format', 'jest', 'legacy/src/transport.ts'])).toEqual({
      status: 0,
      stdout: '(cd legacy && npx jest --ci --runTestsByPath src/greet.test.ts)\n',
      stderr: '',
    });
    expect(await select(['--format', 'node', 'src/lazy.ts'])).toEqual({
      status: 0,
      stdout: 'node --test test/lazy.test.ts\n',
      stderr: 'testloop: 1 selected test file(s) use another runner than node, e.g. test/lazy.test.ts\n',
    });
  });

  it('prints the whole-suite command when everything is selected, and `true` when nothing is', async () => {
    expect(await select(['--format', 'vitest', '.env'])).toEqual({
      status: 0,
      stdout: 'npx vitest run\n',
      stderr: `testloop: selecting all 16 tests: ${ALL_REASON}\n`,
    });
    expect((await select(['--format', 'jest', '.env'])).stdout).toBe('npx jest --ci\n');
    expect((await select(['--format', 'node', '.env'])).stdout).toBe('node --test\n');
    for (const format of ['vitest', 'jest', 'node']) {
      expect(await select(['--format', format, 'README.md'])).toEqual({
        status: 0,
        stdout: 'true\n',
        stderr: '',
      });
    }
    expect(await select(['README.md'])).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  it('takes --changed and positional files together', async () => {
    expect((await select(['--changed', 'src/lazy.ts', 'src/worker.js'])).stdout).toBe(
      'test/lazy.test.ts\ntest/worker.test.ts\n',
    );
  });

  it('reads the change from git with --base, and from a unified diff on stdin with --diff-file -', async () => {
    repo.git('checkout', '--quiet', '-b', 'feature');
    repo.write('src/round.ts', 'export const round = (n: number): number => Math.round(n);\n');
    repo.write('src/pages/contact.ts', "export const title = 'Contact';\n");
    repo.commit('round to integers, add a page');
    const expected = 'test/pages.test.ts\ntest/static.test.ts\n';
    expect(await select(['--base', 'main'])).toEqual({ status: 0, stdout: expected, stderr: '' });

    const diff = repo.git('diff', 'main', 'HEAD');
    expect(await select(['--diff-file', '-'], `${diff}\n`)).toEqual({
      status: 0,
      stdout: expected,
      stderr: '',
    });
    // Only the round.ts hunk: the diff decides, not git.
    const roundOnly = repo.git('diff', 'main', 'HEAD', '--', 'src/round.ts');
    expect((await select(['--diff-file', '-'], `${roundOnly}\n`)).stdout).toBe('test/static.test.ts\n');
    repo.git('checkout', '--quiet', 'main');
  });

  it('exits 2 with a one-line error on bad input', async () => {
    const badFormat = await select(['--format', 'yaml', 'src/round.ts']);
    expect(badFormat.status).toBe(2);
    expect(badFormat.stdout).toBe('');
    expect(badFormat.stderr).toMatch(/^testloop: error TESTLOOP_CONFIG: --format: .*\(location: format\)/);
    expect(badFormat.stderr.trim().split('\n')).toHaveLength(1);

    expect(await select(['--bogus'])).toEqual({
      status: 2,
      stdout: '',
      stderr: "testloop: error TESTLOOP_USAGE: Unknown option '--bogus'. Run testloop select --help\n",
    });
    expect(await select(['--base', 'no-such-branch'])).toEqual({
      status: 2,
      stdout: '',
      stderr:
        'testloop: error TESTLOOP_UNKNOWN_REF: unknown base ref no-such-branch. Pass --base with a branch, tag or commit that exists here (git fetch it first)\n',
    });

    const outside = mkdtempSync(join(tmpdir(), 'testloop-not-a-repo-'));
    try {
      const run = await testloopInProcess(['select', 'x.ts'], { cwd: outside });
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/^testloop: error TESTLOOP_NOT_A_GIT_REPO: /);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('exits 2 on a changed path outside the repository instead of selecting everything', async () => {
    for (const path of ['/etc/passwd', '../elsewhere.ts']) {
      const run = await select([path]);
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(
        `testloop: error TESTLOOP_USAGE: ${path} is not a file of the repository at ${realpathSync(repo.dir)}: pass changed files inside it, relative to the current folder\n`,
      );
    }
  });

  it('selects the same from a subfolder and from outside the repository with --cwd or -C', async () => {
    const expected = await select(['--format', 'json', 'src/round.ts']);
    expect(expected.status).toBe(0);
    const tests = (stdout: string) => JSON.parse(stdout).tests;
    // Changed paths are relative to the folder the command runs in.
    const inSub = await testloopInProcess(['select', '--format', 'json', 'round.ts'], {
      cwd: join(repo.dir, 'src'),
    });
    expect(tests(inSub.stdout)).toEqual(tests(expected.stdout));
    const outside = mkdtempSync(join(tmpdir(), 'testloop-elsewhere-'));
    try {
      for (const flag of [['--cwd', repo.dir], [`-C${repo.dir}`], [`--cwd=${repo.dir}`]]) {
        const run = await testloopInProcess(['select', '--format', 'json', ...flag, 'src/round.ts'], {
          cwd: outside,
        });
        expect(run.stderr).toBe('');
        expect(tests(run.stdout)).toEqual(tests(expected.stdout));
      }
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('exits 0 with --help', async () => {
    const run = await select(['--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('--diff-file <file|->');
    expect(run.stdout).toContain('--[no-]cache ');
  });
});

describe('testloop select: the graph cache', () => {
  let repo: TempRepo;
  const stats = async (args: string[]) => {
    const run = await testloopInProcess(['select', '--format', 'json', ...args], { cwd: repo.dir });
    expect(run.status).toBe(0);
    return JSON.parse(run.stdout).stats as { files: number; parsed: number; cached: number };
  };

  // Each case starts with no cache: one writes it, the other asserts that none is written.
  beforeEach(() => {
    repo = fixtureRepo('import-forms');
  });
  afterEach(() => repo.remove());

  it('--no-cache parses everything and writes no cache', async () => {
    expect(await stats(['--no-cache', 'src/round.ts'])).toMatchObject({ files: 46, parsed: 46, cached: 0 });
    expect(existsSync(join(repo.dir, CACHE))).toBe(false);
  });

  it('a second run takes unchanged files from node_modules/.cache/testloop and parses only the changed ones', async () => {
    expect(await stats(['src/round.ts'])).toMatchObject({ files: 46, parsed: 46, cached: 0 });
    expect(readdirSync(join(repo.dir, CACHE))).toEqual([
      'graph.bin',
      'imports.bin',
      'projects.bin',
      'tree.bin',
    ]);
    expect(await stats(['src/round.ts'])).toMatchObject({ files: 46, parsed: 0, cached: 46 });

    repo.git('checkout', '--quiet', '-b', 'feature');
    repo.write('src/clock.ts', 'export const now = (): number => performance.now();\n');
    repo.write('src/lazy.ts', "export const heavy = (): string => 'still on demand';\n");
    repo.commit('two edits');
    const run = await testloopInProcess(['select', '--format', 'json', '--base', 'main'], { cwd: repo.dir });
    const json = JSON.parse(run.stdout);
    expect(json.tests.map((t: { file: string }) => t.file)).toEqual([
      'test/lazy.test.ts',
      'test/mock.test.ts',
    ]);
    expect(json.stats).toMatchObject({ files: 46, parsed: 2, cached: 44 });

    expect(await stats(['--no-cache', '--base', 'main'])).toMatchObject({ files: 46, parsed: 46, cached: 0 });
    expect(await stats(['--base', 'main'])).toMatchObject({ files: 46, parsed: 0, cached: 46 });
  });
});

// The runner writes to the process's own stderr, as a user sees it: these runs need a process of their own.
describe('testloop select --run', () => {
  let repo: TempRepo;
  const run = (args: string[]) =>
    runTestloop(['select', '--run', ...args], { cwd: repo.dir, env: { NO_COLOR: '1', CI: 'true' } });

  beforeAll(() => {
    repo = fixtureRepo('vitest-run');
    // The project's packages linked entry by entry into a real node_modules: vitest resolves, while
    // vitest's and testloop's caches (node_modules/.vite, node_modules/.cache) stay in the temp repo.
    for (const entry of readdirSync(NODE_MODULES)) {
      if (!entry.startsWith('.vite') && entry !== '.cache')
        symlinkSync(join(NODE_MODULES, entry), join(repo.dir, 'node_modules', entry));
    }
    // mul is broken, and only its own test can tell.
    repo.write('src/mul.ts', 'export const mul = (a: number, b: number): number => a + b;\n');
  });
  afterAll(() => repo.remove());

  it('runs only the selected test and exits 0 when it passes', async () => {
    const result = await run(['src/sum.ts']);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('testloop: running 1 test file(s) with vitest in .\n');
    expect(result.stderr).toMatch(/✓ test\/sum\.test\.ts \(1 test\)/);
    expect(result.stderr).not.toContain('mul.test.ts');
    expect(result.status).toBe(0);
    expect(existsSync(join(repo.dir, CACHE, 'graph.bin'))).toBe(true);
  });

  it("exits with the runner's failure when a selected test fails", async () => {
    const result = await run(['src/mul.ts']);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/FAIL {2}test\/mul\.test\.ts > multiplies/);
    expect(result.stderr).not.toContain('sum.test.ts');
    expect(result.status).toBe(1);
  });

  it('runs nothing and exits 0 when nothing is selected', async () => {
    expect(await run(['README.md'])).toEqual({
      status: 0,
      stdout: '',
      stderr: 'testloop: no tests selected; nothing to run\n',
    });
  });
});

describe('testloop select: a changed file no test reaches', () => {
  let repo: TempRepo;
  const select = async (args: string[]) => await testloopInProcess(['select', ...args], { cwd: repo.dir });
  const note = (file: string) => `testloop: no test reaches ${file} (changed): nothing selected runs it\n`;

  beforeAll(() => {
    repo = fixtureRepo('nested-packages');
  });
  afterAll(() => repo.remove());

  it('is listed in the JSON as untested', async () => {
    const run = await select(['--format', 'json', 'src/format.ts', 'src/sum.ts', 'README.md']);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    const json = JSON.parse(run.stdout);
    expect(json.untested).toEqual(['src/format.ts']);
    expect(json.tests.map((t: { file: string }) => t.file)).toContain('test/sum.test.ts');
    expect((await select(['--format', 'json', 'src/sum.ts'])).stdout).toContain('"untested": []');
  });

  it('is named on stderr in every other format, with nothing selected', async () => {
    expect(await select(['src/format.ts'])).toEqual({ status: 0, stdout: '', stderr: note('src/format.ts') });
    expect(await select(['--format', 'vitest', 'src/format.ts'])).toEqual({
      status: 0,
      stdout: 'true\n',
      stderr: note('src/format.ts'),
    });
    // Only tests' types see src/types.ts: nothing to run, and nothing untested either.
    expect(await select(['src/types.ts'])).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(await select(['src/format.ts', 'src/sum.ts'])).toEqual({
      status: 0,
      stdout: 'test/sum.test.ts\ntools/codegen/generate.test.ts\npackages/lib/double.test.ts\n',
      stderr: note('src/format.ts'),
    });
  });
});
