import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildQuarantine } from '../../src/report/triage.ts';
import { analyzeAttempts } from '../../src/triage/analyze.ts';
import {
  findQuarantined,
  parseQuarantine,
  type QuarantineFile,
  quarantineGlobals,
} from '../../src/triage/quarantine.ts';
import { pattern } from './build.ts';

const FIXTURE = join(import.meta.dirname, '../fixtures/triage/quarantine');
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const LIST: QuarantineFile = {
  version: 1,
  tests: [
    {
      testId: 'test/pay.test.ts › payments › retries',
      file: 'test/pay.test.ts',
      name: 'retries',
      reason: 'r',
      since: 's',
    },
    {
      testId: 'packages/api/test/a.test.ts › a',
      file: 'packages/api/test/a.test.ts',
      name: 'a',
      reason: 'r',
      since: 's',
    },
  ],
};

describe('quarantine list', () => {
  it('matches by test id, or by suite path and name in a file named from another root', () => {
    expect(findQuarantined(LIST, { file: 'test/pay.test.ts', suite: ['payments'], name: 'retries' })).toBe(
      LIST.tests[0],
    );
    expect(
      findQuarantined(
        LIST,
        { file: '/repo/test/pay.test.ts', suite: ['payments'], name: 'retries' },
        '/repo',
      ),
    ).toBe(LIST.tests[0]);
    // A package's runner names the file relative to the package.
    expect(findQuarantined(LIST, { file: 'test/a.test.ts', suite: [], name: 'a' })).toBe(LIST.tests[1]);
    expect(findQuarantined(LIST, { file: 'test/pay.test.ts', suite: [], name: 'retries' })).toBeUndefined();
    expect(
      findQuarantined(LIST, { file: 'test/other.test.ts', suite: ['payments'], name: 'retries' }),
    ).toBeUndefined();
  });

  it('rejects a file that is not a quarantine list, with what to do', () => {
    expect(() => parseQuarantine('[]', 'q.json')).toThrow(
      'q.json: expected { "version": 1, "tests": [...] }. Regenerate it',
    );
    expect(parseQuarantine('{"version":1,"tests":[{"testId":"a"}]}', 'q.json').tests).toEqual([
      { testId: 'a', file: '', name: '', reason: '', since: '' },
    ]);
  });

  it('lists confident flaky tests only, keeps earlier entries it has no news of, drops healthy and broken ones', () => {
    const result = analyzeAttempts([
      ...pattern('test/a.test.ts › flaky', 'PRPPRPPFPPRP'),
      ...pattern('test/b.test.ts › one flip', 'PPPPPPFPPPPP'),
      ...pattern('test/c.test.ts › broken', 'PPPPPPPPPFFF'),
      ...pattern('test/d.test.ts › healthy', 'PPPPPPPPPPPP'),
    ]);
    const previous: QuarantineFile = {
      version: 1,
      tests: [
        {
          testId: 'test/c.test.ts › broken',
          file: 'test/c.test.ts',
          name: 'broken',
          reason: 'old',
          since: '2025-01-01',
        },
        {
          testId: 'test/d.test.ts › healthy',
          file: 'test/d.test.ts',
          name: 'healthy',
          reason: 'old',
          since: '2025-01-01',
        },
        {
          testId: 'test/e.test.ts › unseen',
          file: 'test/e.test.ts',
          name: 'unseen',
          reason: 'old',
          since: '2025-01-01',
        },
      ],
    };
    const list = buildQuarantine(result, previous, { now: new Date('2026-02-03T10:00:00Z') });
    expect(list.tests.map((t) => [t.testId, t.since])).toEqual([
      ['test/a.test.ts › flaky', '2026-02-03'],
      ['test/e.test.ts › unseen', '2025-01-01'],
    ]);
    expect(list.tests[0]).toMatchObject({
      file: 'test/a.test.ts',
      name: 'flaky',
      reason: expect.stringMatching(/^flaky: failed 4 of 12 runs/),
    });
  });
});

describe('quarantineGlobals with jest-style globals', () => {
  // biome-ignore lint/suspicious/noExplicitAny: stand-ins for a runner's globals
  type Fn = (...args: any[]) => any;
  const g = globalThis as Record<string, unknown>;

  function install(mode: 'skip' | 'not-fail'): { registered: [string, string, Fn][] } {
    const dir = mkdtempSync(join(tmpdir(), 'testloop-qg-'));
    const path = join(dir, 'q.json');
    writeFileSync(path, JSON.stringify(LIST));
    const registered: [string, string, Fn][] = [];
    const itFn = Object.assign((name: string, fn: Fn) => registered.push(['run', name, fn]), {
      skip: (name: string, fn: Fn) => registered.push(['skip', name, fn]),
      each: 'kept',
    });
    g.describe = (_name: string, body: Fn) => body();
    g.it = itFn;
    g.test = itFn;
    quarantineGlobals({ path, mode, cwd: '/repo', testFile: () => '/repo/test/pay.test.ts' });
    rmSync(dir, { recursive: true, force: true });
    return { registered };
  }

  afterAll(() => {
    delete g.describe;
    delete g.it;
    delete g.test;
  });

  it("'skip' registers listed tests with .skip and keeps the others and the variants", () => {
    const { registered } = install('skip');
    const describeFn = g.describe as Fn;
    const itFn = g.it as Fn & { each: string };
    describeFn('payments', () => {
      itFn('retries', () => {});
      itFn('charges', () => {});
    });
    itFn('retries', () => {});
    expect(registered.map(([how, name]) => [how, name])).toEqual([
      ['skip', 'retries'],
      ['run', 'charges'],
      ['run', 'retries'],
    ]);
    expect(itFn.each).toBe('kept');
  });

  it("'not-fail' runs listed tests and turns their failure into a warning, done callbacks included", async () => {
    const { registered } = install('not-fail');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const describeFn = g.describe as Fn;
    const testFn = g.test as Fn;
    describeFn('payments', () => {
      testFn('retries', async () => {
        throw new Error('ECONNRESET');
      });
    });
    describeFn('payments', () => {
      testFn('retries', (done: Fn) => done(new Error('late')));
    });
    await expect(registered[0]![2]()).resolves.toBeUndefined();
    await expect(registered[1]![2]()).resolves.toBeUndefined();
    expect(warn.mock.calls.map((c) => c[0])).toEqual([
      'testloop quarantine: test/pay.test.ts › payments › retries failed, not failing the run (r): ECONNRESET',
      'testloop quarantine: test/pay.test.ts › payments › retries failed, not failing the run (r): late',
    ]);
    warn.mockRestore();
  });
});

describe('setup-file helpers in a real vitest run', () => {
  let dir: string;
  const vitest = (config: string) => {
    const out = join(dir, `${config}.json`);
    const run = spawnSync(
      process.execPath,
      [
        join(dir, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--config',
        config,
        '--reporter=default',
        '--reporter=json',
        `--outputFile.json=${out}`,
      ],
      { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' } },
    );
    const report = JSON.parse(readFileSync(out, 'utf8')) as {
      testResults: { assertionResults: { title: string; status: string }[] }[];
    };
    return {
      status: run.status,
      output: `${run.stdout}${run.stderr}`,
      statuses: Object.fromEntries(report.testResults[0]!.assertionResults.map((a) => [a.title, a.status])),
    };
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'testloop-quarantine-'));
    cpSync(FIXTURE, dir, { recursive: true });
    mkdirSync(join(dir, 'node_modules'));
    for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
      if (!entry.startsWith('.vite') && entry !== '.cache')
        symlinkSync(join(ROOT, 'node_modules', entry), join(dir, 'node_modules', entry));
    }
    // `import … from 'testloop'` resolves to this package's build, as it would from a user's node_modules.
    symlinkSync(ROOT, join(dir, 'node_modules/testloop'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('beforeEach(skipQuarantined()) reports the listed test as skipped and the run passes', {
    timeout: 300_000,
  }, () => {
    const run = vitest('vitest.hook.config.ts');
    expect(run.statuses).toEqual({ 'retries the charge': 'skipped', 'charges once': 'passed' });
    expect(run.status).toBe(0);
  });

  it("quarantineGlobals({ mode: 'not-fail' }) runs the listed test without failing on it", {
    timeout: 300_000,
  }, () => {
    const run = vitest('vitest.globals.config.ts');
    expect(run.statuses).toEqual({
      'retries the charge': 'passed',
      'charges once': 'passed',
      refunds: 'failed',
    });
    expect(run.output).toContain(
      "testloop quarantine: test/globals.test.ts › payments › retries the charge failed, not failing the run (flaky: failed 9 of 200 runs; probable cause network): expected 'timeout' to be 'charged'",
    );
    // A test that is not listed still fails the run.
    expect(run.status).toBe(1);
  });
});
