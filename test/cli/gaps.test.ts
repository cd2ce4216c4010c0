import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findGaps } from '../../src/gaps/find-gaps.ts';
import { runTestloop, testloopInProcess } from '../helpers/cli.ts';
import { numberedLines, TempRepo } from '../helpers/git-repo.ts';

let repo: TempRepo;

beforeAll(() => {
  repo = new TempRepo();
  repo.write('src/calc.ts', numberedLines(4));
  repo.commit('base');
  repo.git('checkout', '--quiet', '-b', 'feature');
  repo.write('src/calc.ts', numberedLines(10));
  repo.commit('grow calc');
  // Lines 5-10 are new: 5, 6, 8 run; 7 and 9 do not; 10 is not executable.
  repo.write(
    'coverage/lcov.info',
    'SF:src/calc.ts\nDA:1,1\nDA:5,1\nDA:6,3\nDA:7,0\nDA:8,1\nDA:9,0\nend_of_record\n',
  );
});
afterAll(() => repo.remove());

describe('testloop gaps', () => {
  it('prints only the JSON contract on stdout with --format json', async () => {
    const run = await testloopInProcess(['gaps', '--base', 'main', '--format', 'json'], { cwd: repo.dir });
    expect(run.status).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json).toMatchObject({
      base: repo.git('merge-base', 'main', 'HEAD'),
      head: repo.git('rev-parse', 'HEAD'),
      files: [
        {
          path: 'src/calc.ts',
          changedLines: 6,
          coverableLines: 5,
          uncoveredLines: [7, 9],
          uncoveredBranches: [],
          uncoveredFunctions: [],
          percent: 60,
        },
      ],
      totals: { changedLines: 6, coverableLines: 5, uncoveredLines: 2, percent: 60 },
      stats: { ms: expect.any(Number) },
    });
  });

  it('exits 1 below --fail-under and 0 at or above it', async () => {
    expect(
      (await testloopInProcess(['gaps', '--base', 'main', '--fail-under', '60.01'], { cwd: repo.dir }))
        .status,
    ).toBe(1);
    const pass = await testloopInProcess(['gaps', '--base', 'main', '--fail-under', '60'], { cwd: repo.dir });
    expect(pass.status).toBe(0);
    expect(pass.stdout).toContain('src/calc.ts');
  });

  it('refuses flag values out of their range, with the flag named (flags alone skip the schema otherwise)', async () => {
    for (const [flag, value] of [
      ['--fail-under', '150'],
      ['--fail-under', '-1'],
      ['--max-diff-mb', '0'],
    ]) {
      const run = await testloopInProcess(['gaps', '--base', 'main', flag!, value!], { cwd: repo.dir });
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(flag);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('takes options from TESTLOOP_* variables and the config file, flags first', async () => {
    writeFileSync(join(repo.dir, 'testloop.config.json'), JSON.stringify({ gaps: { failUnder: 90 } }));
    try {
      expect((await testloopInProcess(['gaps', '--base', 'main'], { cwd: repo.dir })).status).toBe(1);
      expect(
        (
          await testloopInProcess(['gaps', '--base', 'main'], {
            cwd: repo.dir,
            env: { TESTLOOP_FAIL_UNDER: '50' },
          })
        ).status,
      ).toBe(0);
      expect(
        (
          await testloopInProcess(['gaps', '--base', 'main', '--fail-under', '95'], {
            cwd: repo.dir,
            env: { TESTLOOP_FAIL_UNDER: '50' },
          })
        ).status,
      ).toBe(1);
      writeFileSync(join(repo.dir, 'testloop.config.json'), JSON.stringify({ gaps: { failUnder: 'high' } }));
      const bad = await testloopInProcess(['gaps', '--base', 'main'], { cwd: repo.dir });
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(
        /^testloop: error TESTLOOP_CONFIG: testloop\.config\.json: .*\(location: failUnder\)\. Fix the value/,
      );
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      writeFileSync(join(repo.dir, 'testloop.config.json'), '{}');
    }
  });

  it('writes several formats in one run, one of them to stdout', async () => {
    const run = await testloopInProcess(
      [
        'gaps',
        '--base',
        'main',
        '--format',
        'json:out/gaps.json',
        '--format',
        'sarif:out/gaps.sarif',
        '--format',
        'markdown',
      ],
      { cwd: repo.dir },
    );
    expect(run.status).toBe(0);
    expect(JSON.parse(readFileSync(join(repo.dir, 'out/gaps.json'), 'utf8')).totals.uncoveredLines).toBe(2);
    expect(JSON.parse(readFileSync(join(repo.dir, 'out/gaps.sarif'), 'utf8')).version).toBe('2.1.0');
    expect(run.stdout).toContain('<!-- testloop:gaps -->');
    const twoToStdout = await testloopInProcess(
      ['gaps', '--base', 'main', '--format', 'json', '--format', 'text'],
      {
        cwd: repo.dir,
      },
    );
    expect(twoToStdout.status).toBe(2);
    expect(twoToStdout.stderr).toContain('TESTLOOP_USAGE');
  });

  it('fails with a one-line error, exit 2 and no output file on a malformed report', async () => {
    repo.write('broken.info', 'SF:src/calc.ts\nDA:5,1\nDA:six,0\nend_of_record\n');
    const run = await testloopInProcess(
      ['gaps', '--base', 'main', '--coverage', 'broken.info', '--format', 'json:bad/out.json'],
      {
        cwd: repo.dir,
      },
    );
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'testloop: error TESTLOOP_COVERAGE_PARSE: broken.info:3: DA line number is not a non-negative integer. Regenerate the coverage report, or leave this file out of --coverage\n'.replace(
        'broken.info',
        join(repo.dir, 'broken.info'),
      ),
    );
    expect(existsSync(join(repo.dir, 'bad'))).toBe(false);
  });

  it('refuses an empty report: no records cannot vouch for a change', async () => {
    repo.write('empty.info', '');
    const run = await testloopInProcess(
      ['gaps', '--base', 'main', '--coverage', 'empty.info', '--fail-under', '80'],
      {
        cwd: repo.dir,
      },
    );
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `testloop: error TESTLOOP_COVERAGE_PARSE: ${join(repo.dir, 'empty.info')}: no coverage records. Regenerate the coverage report, or leave this file out of --coverage\n`,
    );
  });

  it('counts changed source files no report mentions as not covered under --fail-under', async () => {
    repo.write('other.info', 'SF:src/elsewhere.ts\nDA:1,1\nend_of_record\n');
    const args = ['gaps', '--base', 'main', '--coverage', 'other.info'];
    const gated = await testloopInProcess([...args, '--fail-under', '80', '--format', 'json'], {
      cwd: repo.dir,
    });
    expect(gated.status).toBe(1);
    const json = JSON.parse(gated.stdout);
    expect(json.files).toEqual([
      expect.objectContaining({
        path: 'src/calc.ts',
        measured: false,
        assumedUncovered: true,
        coverableLines: 6,
        uncoveredLines: [5, 6, 7, 8, 9, 10],
        percent: 0,
      }),
    ]);
    expect(json.totals).toMatchObject({ coverableLines: 6, uncoveredLines: 6, percent: 0 });
    expect(gated.stderr).toMatch(
      /warning: src\/calc\.ts: changed, but no coverage report mentions it \(counted as not covered for --fail-under\)/,
    );
    const text = await testloopInProcess([...args, '--fail-under', '80'], { cwd: repo.dir });
    expect(text.status).toBe(1);
    expect(text.stdout).toContain(
      'not measured: no coverage report mentions this file; its 6 changed line(s) count as not covered',
    );
    expect(text.stdout).toContain('Diff coverage: 0.00%');
    // Without a gate nothing is decided: the file is reported as not measured, with the warning.
    const ungated = await testloopInProcess([...args, '--format', 'json'], { cwd: repo.dir });
    expect(ungated.status).toBe(0);
    expect(JSON.parse(ungated.stdout).files[0]).toMatchObject({ measured: false, coverableLines: 0 });
  });

  it('reads raw V8 coverage from the bundled CLI', async () => {
    const dir = new TempRepo('testloop-v8-cli-');
    try {
      dir.write('m.mjs', 'export function f(a) {\n  return a;\n}\n');
      dir.commit('base');
      dir.write('m.mjs', 'export function f(a) {\n  return a;\n}\nexport function g() {\n  return 3;\n}\n');
      dir.write('t.mjs', 'import { f } from "./m.mjs";\nf(1);\n');
      dir.commit('add g');
      execFileSync(process.execPath, ['t.mjs'], {
        cwd: dir.dir,
        env: { ...process.env, NODE_V8_COVERAGE: join(dir.dir, 'v8') },
      });
      const run = await testloopInProcess(
        ['gaps', '--base', 'HEAD~1', '--coverage', 'v8', '--format', 'json'],
        {
          cwd: dir.dir,
        },
      );
      expect(run.stderr).toBe('');
      const file = JSON.parse(run.stdout).files.find((f: { path: string }) => f.path === 'm.mjs');
      // V8 counts the closing brace of a block that never ran as uncovered too.
      expect(file).toMatchObject({ uncoveredLines: [5, 6], uncoveredFunctions: [{ name: 'g', line: 4 }] });
    } finally {
      dir.remove();
    }
  });

  it('reads the diff from stdin', async () => {
    const diff = repo.git('diff', 'main...feature');
    const run = await testloopInProcess(['gaps', '--diff-file', '-', '--format', 'json'], {
      cwd: repo.dir,
      input: `${diff}\n`,
    });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout).files[0].uncoveredLines).toEqual([7, 9]);
  });

  it('adds annotations and a job summary on GitHub Actions', async () => {
    const summary = join(repo.dir, 'summary.md');
    writeFileSync(summary, '');
    const run = await testloopInProcess(['gaps', '--base', 'main'], {
      cwd: repo.dir,
      env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary },
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^::warning file=src\/calc\.ts,line=7,endLine=7/m);
    expect(readFileSync(summary, 'utf8')).toContain('src/calc.ts');
  });

  it('rejects unknown flags, unknown formats and unknown commands with exit 2', async () => {
    expect(await testloopInProcess(['gaps', '--bogus'], { cwd: repo.dir })).toMatchObject({
      status: 2,
      stderr: expect.stringMatching(/TESTLOOP_USAGE: Unknown option '--bogus'\. Run testloop gaps --help/),
    });
    expect(
      await testloopInProcess(['gaps', '--base', 'main', '--format', 'pdf'], { cwd: repo.dir }),
    ).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('unknown format "pdf"'),
    });
    expect((await testloopInProcess(['frobnicate'], { cwd: repo.dir })).status).toBe(2);
    expect(await testloopInProcess(['gaps', '--help'], { cwd: repo.dir })).toMatchObject({
      status: 0,
      stdout: expect.stringContaining('--fail-under'),
    });
  });

  // The process's own TMPDIR and its exit: a process of its own.
  it('starts git diff before reading the options, and leaves no temporary file when the run stops first', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'testloop-gaps-cli-'));
    try {
      // --base on the command line: the diff starts at once, and this run uses it.
      const run = runTestloop(['gaps', '--base=main', '--format', 'json'], {
        cwd: repo.dir,
        env: { TMPDIR: tmp },
      });
      expect(run.status).toBe(0);
      expect(JSON.parse(run.stdout).files[0]).toMatchObject({ path: 'src/calc.ts', uncoveredLines: [7, 9] });
      // A usage error ends the run before it asks for the diff git was already writing.
      const stopped = runTestloop(['gaps', '--base', 'main', '--bogus'], {
        cwd: repo.dir,
        env: { TMPDIR: tmp },
      });
      expect(stopped.status).toBe(2);
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('leaves nothing it started and never used to a later run in the same process', async () => {
    const diffFolders = () => readdirSync(tmpdir()).filter((name) => name.startsWith('testloop-diff-'));
    const before = diffFolders();
    // The diff starts before the options are read, and the run ends on the unknown flag without it.
    expect((await testloopInProcess(['gaps', '--base', 'main', '--bogus'], { cwd: repo.dir })).status).toBe(
      2,
    );
    repo.write('src/calc.ts', numberedLines(12));
    try {
      // The library reads the tree as it is now, not the diff the stopped run left behind.
      const gaps = await findGaps({ cwd: repo.dir, base: 'main', coverage: ['coverage/lcov.info'] });
      expect(gaps.files.map((f) => [f.path, f.changedLines])).toEqual([['src/calc.ts', 8]]);
    } finally {
      repo.write('src/calc.ts', numberedLines(10));
    }
    // The unused diff's folder goes once git is done with it.
    await expect.poll(diffFolders, { timeout: 10_000 }).toEqual(before);
  });

  it('explains a missing base in a shallow clone', async () => {
    const clone = new TempRepo('testloop-shallow-cli-');
    clone.remove();
    const source = `file://${repo.dir}`;
    execFileSync('git', ['clone', '--quiet', '--depth=1', '--branch=feature', source, clone.dir]);
    // As on a pull_request run of actions/checkout with its default fetch-depth: 1.
    const run = await testloopInProcess(['gaps', '--coverage', join(repo.dir, 'coverage/lcov.info')], {
      cwd: clone.dir,
      env: { GITHUB_BASE_REF: 'main' },
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/TESTLOOP_NO_MERGE_BASE: .*fetch-depth: 0/);
    expect(readdirSync(clone.dir)).not.toContain('out');
    clone.remove();
  });
});
