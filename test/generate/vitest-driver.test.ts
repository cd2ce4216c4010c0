import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scrubEnv } from '../../src/generate/sandbox.ts';
import type { GenerateTarget, TestContext } from '../../src/generate/types.ts';
import { createValidator } from '../../src/generate/validate.ts';
import { runnerByName } from '../../src/runners/registry.ts';
import type { ProjectInfo, RunnerAdapter, RunnerName } from '../../src/runners/types.ts';
import { type DriverRun, VitestDriver } from '../../src/runners/vitest/driver/driver.ts';
import { DriverPool } from '../../src/runners/vitest/driver/pool.ts';
import { vitestRunner } from '../../src/runners/vitest/index.ts';
import { type App, copyApp } from './apps.ts';

// This file's own temp folder: other test files running at the same time make driver folders too.
const ownTemp = mkdtempSync(join(tmpdir(), 'testloop-driver-test-'));
process.env.TMPDIR = ownTemp;
const driverDirs = (): string[] => readdirSync(ownTemp).filter((name) => name.startsWith('testloop-driver-'));
const HEADER = "import { expect, test } from 'vitest';\nimport { discount, price } from './price.ts';\n";
const env = { ...scrubEnv(process.env), CI: 'true' };

let app: App;
let project: ProjectInfo;
let out: string;
const before = new Set(driverDirs());
beforeAll(() => {
  app = copyApp('vitest-app');
  const packageJson = JSON.parse(readFileSync(join(app.dir, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  project = { root: app.dir, dir: app.dir, packageJson, files: app.git('ls-files').split('\n') };
  out = mkdtempSync(join(tmpdir(), 'testloop-dtest-'));
});
afterAll(() => {
  // Every file written for a run is gone, and so is every driver's temp folder.
  expect(app.status()).toEqual([]);
  expect(driverDirs().filter((name) => !before.has(name))).toEqual([]);
  app.remove();
  rmSync(out, { recursive: true, force: true });
  rmSync(ownTemp, { recursive: true, force: true });
});

/** The run's output without colors (CI=true turns them on, as in a pipeline). */
const text = (run: DriverRun | undefined): string => stripVTControlCharacters(run?.output ?? '');

/** Writes test files into the app for the duration of `use`. */
async function withFiles<T>(files: Record<string, string>, use: () => Promise<T>): Promise<T> {
  for (const [file, content] of Object.entries(files)) writeFileSync(join(app.dir, file), content);
  try {
    return await use();
  } finally {
    for (const file of Object.keys(files)) rmSync(join(app.dir, file), { force: true });
  }
}

/**
 * Whether a process of the group led by `pid` still runs. Killed ones may linger as zombies until reaped
 * (an orphaned worker by whatever adopts it): on Linux those do not count.
 */
async function groupAlive(pid: number): Promise<boolean> {
  const running = (): boolean => {
    if (!existsSync('/proc/self/stat')) {
      try {
        process.kill(-pid, 0);
        return true;
      } catch {
        return false;
      }
    }
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .some((name) => {
        try {
          const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
          const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          return Number(pgrp) === pid && state !== 'Z' && state !== 'X';
        } catch {
          return false;
        }
      });
  };
  for (let i = 0; i < 40; i++) {
    if (!running()) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

describe('VitestDriver: one process, the fixture project, its own vitest', () => {
  let driver: VitestDriver;
  beforeAll(() => {
    driver = new VitestDriver({ project, env, timeoutMs: 30_000 });
  });
  afterAll(() => driver.close());

  test('a passing file: its result, and the coverage of the target alone, as JSON', async () => {
    const coverage = join(out, 'coverage');
    const good = `${HEADER}test('halves', () => { expect(discount(100, 'HALF')).toBe(50); });\n`;
    const run = await withFiles({ 'src/good.test.ts': good }, () =>
      driver.run(['src/good.test.ts'], { dir: coverage, include: ['src/price.ts'] }),
    );
    expect(run, text(run)).toMatchObject({ exitCode: 0, timedOut: false, counts: { passed: 1, failed: 0 } });
    expect(text(run)).toMatch(/✓ src\/good\.test\.ts \(1 test\)/);
    expect(text(run)).toMatch(/Tests {2}.*1 passed.*\(1\)/);
    const report = JSON.parse(readFileSync(join(coverage, 'coverage-final.json'), 'utf8')) as Record<
      string,
      { statementMap: Record<string, { start: { line: number } }>; s: Record<string, number> }
    >;
    expect(Object.keys(report)).toEqual([join(app.dir, 'src/price.ts')]);
    const file = Object.values(report)[0]!;
    const ran = Object.entries(file.s)
      .filter(([, hits]) => hits > 0)
      .map(([id]) => file.statementMap[id]!.start.line);
    expect(ran).toContain(10);
    expect(ran).not.toContain(7);
  });

  test('a failing file: exit code 1 and the assertion in the output', async () => {
    const bad = `${HEADER}test('wrong', () => { expect(price(2, 3)).toBe(7); });\n`;
    const run = await withFiles({ 'src/bad.test.ts': bad }, () => driver.run(['src/bad.test.ts']));
    expect(run).toMatchObject({ exitCode: 1, timedOut: false, counts: { passed: 0, failed: 1 } });
    expect(text(run)).toMatch(/AssertionError: expected 6 to be 7/);
    expect(text(run)).toMatch(/Tests {2}.*1 failed.*\(1\)/);
  });

  test('a file its include patterns do not take is not run, as with vitest run', async () => {
    const run = await withFiles({ 'src/other.spec.ts': `${HEADER}test('x', () => {});\n` }, () =>
      driver.run(['src/other.spec.ts']),
    );
    expect(run).toMatchObject({ exitCode: 1 });
    expect(text(run)).toMatch(/No test files found/);
  });

  test('several files run one after another, each in a fresh worker process of the same driver', async () => {
    const pid = `${HEADER}test('pid', () => { console.log('worker', process.pid, 'of', process.ppid); });\n`;
    const run = await withFiles({ 'src/pid1.test.ts': pid, 'src/pid2.test.ts': pid }, () =>
      driver.run(['src/pid1.test.ts', 'src/pid2.test.ts']),
    );
    expect(run, text(run)).toMatchObject({ exitCode: 0, counts: { passed: 2 } });
    const seen = [...text(run).matchAll(/worker (\d+) of (\d+)/g)];
    expect(seen).toHaveLength(2);
    expect(seen[0]![1]).not.toBe(seen[1]![1]);
    expect(seen[0]![2]).toBe(seen[1]![2]);
  });
});

describe('VitestDriver repeats: each test several times in one fresh worker', () => {
  let driver: VitestDriver;
  beforeAll(() => {
    driver = new VitestDriver({ project, env, timeoutMs: 30_000 });
  });
  afterAll(() => driver.close());

  test('every test runs 1 + repeats times in one worker, its hooks each time', async () => {
    const file = `${HEADER}import { beforeEach } from 'vitest';
let hooks = 0;
beforeEach(() => { hooks++; });
test('a', () => { console.log('exec a', process.pid, hooks); });
test('b', () => { console.log('exec b', process.pid, hooks); });
`;
    const run = await withFiles({ 'src/rep.test.ts': file }, () =>
      driver.run(['src/rep.test.ts'], undefined, 2),
    );
    expect(run, text(run)).toMatchObject({ exitCode: 0, counts: { passed: 2 }, repeats: { applied: true } });
    const execs = [...text(run).matchAll(/exec (\w) (\d+) (\d+)/g)].map((m) => [m[1], m[2], Number(m[3])]);
    expect(execs.map(([name]) => name)).toEqual(['a', 'a', 'a', 'b', 'b', 'b']);
    expect(new Set(execs.map(([, pid]) => pid)).size).toBe(1);
    expect(execs.map(([, , hooks]) => hooks)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test('names the first execution that failed; a run without repeats stays as it was', async () => {
    const file = `${HEADER}let n = 0;
test('third time fails', () => { n++; expect(n).toBeLessThan(3); });
test('always passes', () => {});
`;
    const run = await withFiles({ 'src/flaky.test.ts': file }, () =>
      driver.run(['src/flaky.test.ts'], undefined, 3),
    );
    expect(run, text(run)).toMatchObject({ exitCode: 1, counts: { passed: 1, failed: 1 } });
    expect(run!.repeats).toEqual({ applied: true, firstFailed: 2 });
    const plain = await withFiles({ 'src/flaky.test.ts': file }, () => driver.run(['src/flaky.test.ts']));
    expect(plain).toMatchObject({ exitCode: 0, counts: { passed: 2 } });
    expect(plain!.repeats).toBeUndefined();
  });

  test('a test that fails on its first execution is named as failing at 0', async () => {
    const file = `${HEADER}test('wrong', () => { expect(price(2, 3)).toBe(7); });\n`;
    const run = await withFiles({ 'src/wrong.test.ts': file }, () =>
      driver.run(['src/wrong.test.ts'], undefined, 2),
    );
    expect(run!.repeats).toEqual({ applied: true, firstFailed: 0 });
  });
});

test('a project with a test runner of its own is run as it is, repeats not applied', async () => {
  const own = copyApp('vitest-app');
  try {
    writeFileSync(
      join(own.dir, 'own-runner.ts'),
      "import { VitestTestRunner } from 'vitest/runners';\nexport default class OwnRunner extends VitestTestRunner {\n  async onBeforeRunTask(test) {\n    await super.onBeforeRunTask(test);\n    console.log('own runner', test.name);\n  }\n}\n",
    );
    const config = readFileSync(join(own.dir, 'vitest.config.ts'), 'utf8');
    writeFileSync(
      join(own.dir, 'vitest.config.ts'),
      config.replace('test: {', "test: {\n    runner: './own-runner.ts',"),
    );
    writeFileSync(join(own.dir, 'src/own.test.ts'), `${HEADER}test('mine', () => {});\n`);
    const packageJson = JSON.parse(readFileSync(join(own.dir, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const ownProject = { root: own.dir, dir: own.dir, packageJson, files: own.git('ls-files').split('\n') };
    const driver = new VitestDriver({ project: ownProject, env, timeoutMs: 30_000 });
    try {
      const run = await driver.run(['src/own.test.ts'], undefined, 2);
      expect(run, text(run)).toMatchObject({
        exitCode: 0,
        counts: { passed: 1 },
        repeats: { applied: false },
      });
      expect(text(run).match(/own runner mine/g)).toHaveLength(1);
    } finally {
      await driver.close();
    }
  } finally {
    own.remove();
  }
});

test('a pool starts a second process only when a run would wait for the first', async () => {
  const pool = new DriverPool({ project, env, timeoutMs: 30_000 }, 2);
  const pid = `${HEADER}test('pid', () => { console.log('worker', process.pid, 'of', process.ppid); });\n`;
  const driverOf = (run: DriverRun | undefined): string | undefined =>
    /worker \d+ of (\d+)/.exec(text(run))?.[1];
  try {
    await withFiles({ 'src/pa.test.ts': pid, 'src/pb.test.ts': pid, 'src/pc.test.ts': pid }, async () => {
      const first = await pool.run(['src/pa.test.ts']);
      const second = await pool.run(['src/pb.test.ts']);
      expect(driverOf(first)).toBeDefined();
      expect(driverOf(second)).toBe(driverOf(first));
      const both = await Promise.all([pool.run(['src/pb.test.ts']), pool.run(['src/pc.test.ts'])]);
      expect(both.map((run) => run?.exitCode)).toEqual([0, 0]);
      expect(new Set(both.map(driverOf)).size).toBe(2);
    });
  } finally {
    await pool.close();
  }
});

test('prepare starts the processes ahead of the first runs, no more than the pool holds', async () => {
  const pool = new DriverPool({ project, env, timeoutMs: 30_000 }, 2);
  const pid = `${HEADER}test('pid', () => { console.log('worker', process.pid, 'of', process.ppid); });\n`;
  const known = new Set(driverDirs());
  try {
    pool.prepare(4);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Both started at once, before any run asked for them.
    expect(driverDirs().filter((name) => !known.has(name))).toHaveLength(2);
    await withFiles({ 'src/qa.test.ts': pid, 'src/qb.test.ts': pid }, async () => {
      const both = await Promise.all([pool.run(['src/qa.test.ts']), pool.run(['src/qb.test.ts'])]);
      expect(both.map((run) => run?.exitCode)).toEqual([0, 0]);
      expect(new Set(both.map((run) => /worker \d+ of (\d+)/.exec(text(run))?.[1])).size).toBe(2);
    });
    pool.prepare(2);
    expect(driverDirs().filter((name) => !known.has(name))).toHaveLength(2);
  } finally {
    await pool.close();
  }
});

test('a hung test: the whole process group is killed at the time limit, and the next run starts a new one', async () => {
  const driver = new VitestDriver({ project, env, timeoutMs: 4_000 });
  const marker = join(out, 'hung.json');
  const hang = [
    "import { writeFileSync } from 'node:fs';",
    HEADER,
    `writeFileSync(${JSON.stringify(marker)}, JSON.stringify({ worker: process.pid, driver: process.ppid }));`,
    "test('spins', () => { for (;;) {} });",
  ].join('\n');
  const good = `${HEADER}test('halves', () => { expect(discount(100, 'HALF')).toBe(50); });\n`;
  try {
    await withFiles({ 'src/hang.test.ts': hang, 'src/good.test.ts': good }, async () => {
      const started = performance.now();
      const spun = await driver.run(['src/hang.test.ts']);
      expect(spun).toMatchObject({ exitCode: 124, timedOut: true });
      expect(performance.now() - started).toBeLessThan(4_000 * 2 + 3_000);
      const { worker, driver: leader } = JSON.parse(readFileSync(marker, 'utf8')) as Record<string, number>;
      expect(await groupAlive(leader!)).toBe(false);
      expect(
        existsSync(`/proc/${worker}/stat`) ? readFileSync(`/proc/${worker}/stat`, 'utf8') : ') Z ',
      ).toMatch(/\) [ZX] /);
      const after = await driver.run(['src/good.test.ts']);
      expect(after, text(after)).toMatchObject({ exitCode: 0, timedOut: false, counts: { passed: 1 } });
    });
  } finally {
    await driver.close();
  }
});

test('a test that kills its validation process fails that run; the next run starts a new process', async () => {
  const driver = new VitestDriver({ project, env, timeoutMs: 30_000 });
  const killer = `${HEADER}test('kills', () => { process.kill(process.ppid, 'SIGKILL'); });\n`;
  const good = `${HEADER}test('halves', () => { expect(discount(100, 'HALF')).toBe(50); });\n`;
  try {
    await withFiles({ 'src/killer.test.ts': killer, 'src/good.test.ts': good }, async () => {
      const killed = await driver.run(['src/killer.test.ts']);
      expect(killed).toMatchObject({ exitCode: 1, timedOut: false });
      expect(text(killed)).toMatch(/the validation process exited during the run \(SIGKILL\)/);
      const after = await driver.run(['src/good.test.ts']);
      expect(after, text(after)).toMatchObject({ exitCode: 0, counts: { passed: 1 } });
    });
  } finally {
    await driver.close();
  }
});

describe('the validator with the driver, and without it', () => {
  const target: GenerateTarget = {
    id: 'src/price.ts:discount',
    file: 'src/price.ts',
    symbol: 'discount',
    startLine: 5,
    endLine: 13,
    uncoveredLines: [6, 7, 9, 10, 12],
  };
  const context: TestContext = {
    target,
    runner: 'vitest',
    testFile: 'src/discount.test.ts',
    importPath: './price.ts',
    source: '',
    exports: [],
  };
  /** A candidate that records the secrets it can see and the process that started its worker. */
  const candidate = (file: string) =>
    [
      "import { existsSync, readFileSync, writeFileSync } from 'node:fs';",
      HEADER,
      `const parent = existsSync('/proc/' + process.ppid + '/cmdline') ? readFileSync('/proc/' + process.ppid + '/cmdline', 'utf8') : '';`,
      `writeFileSync(${JSON.stringify(file)}, JSON.stringify({ secrets: JSON.stringify(process.env).match(/sk-planted|hunter2/g), parent }));`,
      "test('saves ten percent', () => { expect(discount(10, 'SAVE10')).toBe(9); });",
    ].join('\n');
  const plantedEnv = { ...process.env, OPENAI_API_KEY: 'sk-planted', MY_DB_PASSWORD: 'hunter2' };

  test.skipIf(process.platform !== 'linux')(
    'through the driver: accepted with the same lines, and no planted secret in sight',
    async () => {
      const validator = createValidator({
        root: app.dir,
        project,
        adapter: runnerByName('vitest')!,
        reruns: 2,
        env: plantedEnv,
        // What the candidate saw is written outside the repository: the sandbox would refuse it.
        sandbox: false,
      });
      try {
        const seen = join(out, 'driver.json');
        const result = await validator.validate(context, candidate(seen));
        expect(result).toMatchObject({ reached: 'killsMutants', accepted: true, newlyCoveredLines: [6, 7] });
        const { secrets, parent } = JSON.parse(readFileSync(seen, 'utf8')) as {
          secrets: null;
          parent: string;
        };
        expect(secrets).toBeNull();
        expect(parent).toContain('vitest-driver');
      } finally {
        await validator.close?.();
      }
    },
  );

  test.skipIf(process.platform !== 'linux')(
    'a driver that cannot start: every run is its own vitest process, as before, with the same verdict',
    async () => {
      const broken = join(out, 'broken-driver.js');
      writeFileSync(broken, "process.send({ type: 'unsupported', reason: 'no API here' });\n");
      const validator = createValidator({
        root: app.dir,
        project,
        adapter: runnerByName('vitest')!,
        reruns: 2,
        env: plantedEnv,
        // What the candidate saw is written outside the repository: the sandbox would refuse it.
        sandbox: false,
        driver: { script: broken },
      });
      try {
        const seen = join(out, 'fallback.json');
        const result = await validator.validate(context, candidate(seen));
        expect(result).toMatchObject({ reached: 'killsMutants', accepted: true, newlyCoveredLines: [6, 7] });
        const { secrets, parent } = JSON.parse(readFileSync(seen, 'utf8')) as {
          secrets: null;
          parent: string;
        };
        expect(secrets).toBeNull();
        expect(parent).not.toContain('vitest-driver');
        expect(parent).toMatch(/vitest.*run/);
        expect(existsSync(broken)).toBe(true);
      } finally {
        await validator.close?.();
      }
    },
  );

  // The validator asks the adapter what it can do (pooled processes, batched reruns), not which runner it is.
  /** A candidate that appends the command line of the process that started its worker to `log`, each run. */
  const loggingCandidate = (log: string) =>
    [
      "import { appendFileSync, existsSync, readFileSync } from 'node:fs';",
      HEADER,
      "const cmdline = '/proc/' + process.ppid + '/cmdline';",
      `appendFileSync(${JSON.stringify(log)}, (existsSync(cmdline) ? readFileSync(cmdline, 'utf8').replaceAll('\\0', ' ') : '') + '\\n');`,
      "test('saves ten percent', () => { expect(discount(10, 'SAVE10')).toBe(9); });",
    ].join('\n');
  /** Validates that candidate with `adapter`; the parent command line of each run's worker. */
  const parentsOfRuns = async (adapter: RunnerAdapter, name: string, reruns: number): Promise<string[]> => {
    const log = join(out, `${name}.log`);
    const validator = createValidator({ root: app.dir, project, adapter, reruns, sandbox: false });
    try {
      const result = await validator.validate(context, loggingCandidate(log));
      expect(result).toMatchObject({ accepted: true, newlyCoveredLines: [6, 7] });
    } finally {
      await validator.close?.();
    }
    return readFileSync(log, 'utf8').split('\n').filter(Boolean);
  };
  const { persistentRuns: _pool, ...withoutPool } = vitestRunner;
  const { batchVerdicts: _batch, ...consoleWithoutBatches } = vitestRunner.console!;

  test.skipIf(process.platform !== 'linux')(
    'an adapter of another name that declares pooled processes runs every candidate run in them',
    async () => {
      const renamed: RunnerAdapter = { ...vitestRunner, name: 'vitest-compatible' as RunnerName };
      const parents = await parentsOfRuns(renamed, 'renamed', 2);
      expect(parents.length).toBeGreaterThan(0);
      for (const parent of parents) expect(parent).toContain('vitest-driver');
    },
  );

  test.skipIf(process.platform !== 'linux')(
    'vitest without pooled processes: its own process each run, reruns batched in one of them',
    async () => {
      const parents = await parentsOfRuns(withoutPool, 'unpooled', 3);
      for (const parent of parents) expect(parent).not.toContain('vitest-driver');
      // Runs 2 and 3 went together: one `vitest run` of both files, each in a fresh worker.
      const oneWorker = (parent: string) => parent.includes('--maxWorkers=1');
      expect(parents.filter((parent) => parent.includes('--isolate') && !oneWorker(parent))).toHaveLength(2);
      // The mutation gate's copies of it (3 mutants of lines 6 and 7, then the unchanged source) went in
      // one more, one file after another.
      expect(parents.filter(oneWorker)).toHaveLength(4);
    },
  );

  test.skipIf(process.platform !== 'linux')(
    'without batch verdicts or file names in its JUnit, every run is a runner process of its own',
    async () => {
      const unbatched: RunnerAdapter = {
        ...withoutPool,
        console: consoleWithoutBatches,
        junitNamesFiles: false,
      };
      const parents = await parentsOfRuns(unbatched, 'unbatched', 3);
      for (const parent of parents) {
        expect(parent).not.toContain('vitest-driver');
        expect(parent).not.toContain('--isolate');
      }
      expect(parents.length).toBeGreaterThanOrEqual(3);
    },
  );
});
