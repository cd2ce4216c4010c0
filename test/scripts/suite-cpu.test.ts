import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript script, without types
import { attribute, attributeToFiles, descendants, kindOf } from '../../scripts/suite-cpu.js';

interface Seen {
  key: string;
  pid: number;
  ppid: number;
  start: number;
  cpu: number;
  cmdline: string;
  tmp?: string;
}

interface Row {
  kind: string;
  runs: number;
  processes: number;
  cpu: number;
}

let nextStart = 1;
const proc = (pid: number, ppid: number, cpu: number, cmdline: string): Seen => ({
  key: `${pid}@${nextStart}`,
  pid,
  ppid,
  start: nextStart++,
  cpu,
  cmdline,
});

/** The suite's vitest process (pid 100) and one of its workers (101), with `cpu` seconds each. */
const suiteWithWorker = (cpu: number): [Seen, Seen] => {
  const suite = proc(100, 1, cpu, 'node node_modules/vitest/vitest.mjs run');
  return [suite, proc(101, 100, cpu, 'node /repo/node_modules/vitest/dist/workers/forks.js')];
};

/** attribute()'s row of `kind`, for processes under the suite of suiteWithWorker. */
const rowOf = (processes: Seen[], kind: string): Row | undefined =>
  (attribute(processes, processes[0]!.key) as Row[]).find((row) => row.kind === kind);

describe('scripts/suite-cpu.js: where the suite CPU went', () => {
  it('names the processes tests start by their command line, and not a runner worker', () => {
    expect(kindOf('/usr/bin/node /tmp/x/node_modules/vitest/vitest.mjs run --reporter=json')).toBe('vitest');
    expect(kindOf('node /repo/node_modules/.bin/vitest run src/a.test.ts --coverage.enabled')).toBe('vitest');
    expect(kindOf('/usr/bin/node /repo/dist/runners/vitest-driver.js {"vitestNode":"x"}')).toBe('vitest');
    expect(kindOf('/usr/bin/node /repo/node_modules/jest/bin/jest.js --ci --json')).toBe('jest');
    expect(kindOf('/usr/bin/node --test --test-reporter=junit test/a.test.js')).toBe('node:test');
    expect(kindOf('/usr/bin/node /repo/bin/testloop.js gaps --base main')).toBe('testloop CLI');
    expect(kindOf('git -c core.quotePath=false diff --no-color')).toBe('git');
    // A runner's workers work for it, and a vitest name filter is not node --test.
    expect(kindOf('/usr/bin/node /repo/node_modules/vitest/dist/workers/forks.js')).toBeUndefined();
    expect(kindOf('/usr/bin/node /repo/node_modules/jest-worker/build/processChild.js')).toBeUndefined();
    expect(kindOf('node vitest.mjs run --testNamePattern ^adds$')).toBe('vitest');
  });

  it("counts a runner's workers and children for the runner, the suite's workers for the suite", () => {
    const [suite, worker] = suiteWithWorker(30);
    const runner = proc(200, 101, 0.5, 'node /tmp/app/node_modules/vitest/vitest.mjs run');
    const runnerWorker = proc(201, 200, 0.3, 'node /tmp/app/node_modules/vitest/dist/workers/forks.js');
    const runnerGit = proc(202, 200, 0.01, 'git status --porcelain');
    const cli = proc(300, 101, 0.2, 'node /repo/bin/testloop.js ci --base main');
    const jestUnderCli = proc(301, 300, 0.7, 'node /tmp/app/node_modules/jest/bin/jest.js --ci');
    const jestChild = proc(302, 301, 0.2, 'node /tmp/app/node_modules/jest-worker/build/processChild.js');
    const stray = proc(400, 101, 0.1, 'sh -c true');
    const deepStray = proc(401, 400, 0.1, 'sleep 1');
    const all = [
      suite,
      worker,
      runner,
      runnerWorker,
      runnerGit,
      cli,
      jestUnderCli,
      jestChild,
      stray,
      deepStray,
    ];
    const row = (kind: string) => rowOf(all, kind)!;
    expect(row('vitest')).toMatchObject({ runs: 1, processes: 2 });
    expect(row('vitest').cpu).toBeCloseTo(0.8);
    // git started by a runner counts as git's, not the runner's.
    expect(row('git')).toMatchObject({ runs: 1, processes: 1 });
    expect(row('jest')).toMatchObject({ runs: 1, processes: 2 });
    expect(row('jest').cpu).toBeCloseTo(0.9);
    expect(row('testloop CLI')).toMatchObject({ runs: 1, processes: 1 });
    // The suite's main process and its workers; what a worker starts that is of no kind is "other".
    expect(row('suite (vitest and the test files)')).toMatchObject({ processes: 2, runs: 0, cpu: 60 });
    expect(row('other')).toMatchObject({ processes: 2 });
    expect(row('other').cpu).toBeCloseTo(0.2);
    expect((attribute(all, suite.key) as Row[])[0]!.kind).toBe('suite (vitest and the test files)');
  });

  it('counts the children a runner starts of its own kind (node --test runs files in node --test children) in its run', () => {
    const suiteAndWorker = suiteWithWorker(1);
    const nodeTest = proc(600, 101, 0.2, 'node --test --test-reporter=junit');
    const file = proc(601, 600, 0.1, 'node --test-reporter=junit --test test/a.test.js');
    expect(rowOf([...suiteAndWorker, nodeTest, file], 'node:test')).toMatchObject({ runs: 1, processes: 2 });
  });

  it('takes for a parent the process that had that pid when the child started (pids are reused)', () => {
    const suiteAndWorker = suiteWithWorker(1);
    const firstJest = proc(500, 101, 0.5, 'node /tmp/a/node_modules/jest/bin/jest.js');
    const jestWorker = proc(501, 500, 0.25, 'node /tmp/a/node_modules/jest-worker/build/processChild.js');
    const laterVitest = proc(500, 101, 0.5, 'node /tmp/b/node_modules/vitest/vitest.mjs run');
    const all = [...suiteAndWorker, firstJest, jestWorker, laterVitest];
    expect(rowOf(all, 'jest')).toMatchObject({ runs: 1, processes: 2 });
    expect(rowOf(all, 'vitest')).toMatchObject({ runs: 1, processes: 1 });
  });

  it('counts what a test file started for that file, through its TMPDIR or its folder on the command line', () => {
    const [suite, worker] = suiteWithWorker(40);
    const folders = [
      ['/tmp/testloop-suite-aaa', 'test/a.test.ts'],
      ['/tmp/testloop-suite-bbb', 'test/b.test.ts'],
    ];
    const inherits = {
      ...proc(700, 101, 1, 'node /tmp/app/node_modules/vitest/vitest.mjs run'),
      tmp: folders[0]![0],
    };
    const itsWorker = proc(701, 700, 0.5, 'node forks.js');
    const named = proc(
      702,
      101,
      2,
      'node /repo/bin/testloop.js ci --format json:/tmp/testloop-suite-bbb/x/ci.json',
    );
    const scrubbed = {
      ...proc(703, 702, 3, 'node /tmp/x/node_modules/jest/bin/jest.js'),
      tmp: '/tmp/sandbox',
    };
    // A folder whose name starts like another's is not inside it.
    const lookalike = { ...proc(704, 101, 5, 'node x.js'), tmp: '/tmp/testloop-suite-aaaz' };
    const rows = attributeToFiles(
      [suite, worker, inherits, itsWorker, named, scrubbed, lookalike],
      suite.key,
      folders,
    );
    expect(rows).toEqual([
      { file: 'test/b.test.ts', processes: 2, runs: 2, cpu: 5 },
      { file: 'test/a.test.ts', processes: 2, runs: 1, cpu: 1.5 },
    ]);
  });

  it('keeps only what the suite started: the machine may run other processes meanwhile', () => {
    const shell = proc(90, 1, 0, 'bash -c vitest');
    const [suite, worker] = suiteWithWorker(1);
    suite.ppid = 90;
    const runner = proc(800, 101, 1, 'node vitest.mjs run');
    const elsewhere = proc(900, 1, 7, 'node /other/jest/bin/jest.js');
    const itsChild = proc(901, 900, 2, 'git status');
    expect(descendants([shell, suite, worker, runner, elsewhere, itsChild], shell)).toEqual([
      suite,
      worker,
      runner,
    ]);
  });
});
