import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { selectTests } from '../../src/select/select-tests.ts';
import { testloopInProcess } from '../helpers/cli.ts';
import { TempRepo } from '../helpers/git-repo.ts';

const FIXTURE = join(import.meta.dirname, '../fixtures/select/history');

/** [file, reasons] in the order selected, for a change of src/math.ts. */
async function order(repo: TempRepo, env: NodeJS.ProcessEnv = {}): Promise<[string, string[]][]> {
  const result = await selectTests({ cwd: repo.dir, env, changed: ['src/math.ts'] });
  return result.tests.map((t) => [t.file, t.reasons]);
}

/** Stores the fixture's three CI runs with `testloop ingest`, as a CI job would after each run. */
async function ingestRuns(repo: TempRepo): Promise<void> {
  for (const run of [1, 2, 3]) {
    const ingested = await testloopInProcess(
      [
        'ingest',
        join(FIXTURE, 'reports', `run-${run}.xml`),
        '--run-id',
        `run-${run}`,
        '--commit',
        'abc123',
        '--started-at',
        `2026-01-0${run}T10:00:00Z`,
      ],
      { cwd: repo.dir },
    );
    expect(ingested.stdout).toContain('6 stored');
    expect(ingested.status).toBe(0);
  }
}

describe('select: history priors', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = new TempRepo('testloop-select-history-');
    cpSync(FIXTURE, repo.dir, { recursive: true, filter: (path) => !path.includes('/reports') });
    mkdirSync(join(repo.dir, 'node_modules'));
    repo.commit('fixture');
  });
  afterAll(() => repo.remove());
  // Each case starts without a history and records the runs it needs itself, whatever case ran before.
  beforeEach(() => {
    for (const made of ['.testloop', 'ci-history.db'])
      rmSync(join(repo.dir, made), { recursive: true, force: true });
  });

  it('orders each tier by path, and never creates a history, when there is none', async () => {
    expect((await order(repo)).map(([file]) => file)).toEqual([
      'test/a.test.ts',
      'test/b.test.ts',
      'test/c.test.ts',
      'test/g.test.ts',
      'test/d.test.ts',
      'test/e.test.ts',
      'test/f.test.ts',
    ]);
    expect(existsSync(join(repo.dir, '.testloop'))).toBe(false);
  });

  it('orders each tier by recent failures, then by mean duration, without crossing tiers', async () => {
    await ingestRuns(repo);
    expect(await order(repo)).toEqual([
      ['test/c.test.ts', ['imports src/math.ts (changed)', 'failed 2 of its last 3 runs']],
      ['test/b.test.ts', ['imports src/math.ts (changed)', 'failed 1 of its last 3 runs']],
      ['test/a.test.ts', ['imports src/math.ts (changed)']],
      // No history: after every test whose duration is known.
      ['test/g.test.ts', ['imports src/math.ts (changed)']],
      [
        'test/e.test.ts',
        [
          'reaches src/math.ts (changed) through src/total.ts (2 imports away)',
          'failed 1 of its last 3 runs',
        ],
      ],
      // Neither failed: the faster (about 5 ms a run) before the slower (about 80 ms).
      ['test/d.test.ts', ['reaches src/math.ts (changed) through src/total.ts (2 imports away)']],
      ['test/f.test.ts', ['reaches src/math.ts (changed) through src/total.ts (2 imports away)']],
    ]);
  });

  it('prints the priors in the JSON contract, and reads a history named by --history', async () => {
    await ingestRuns(repo);
    const moved = join(repo.dir, 'ci-history.db');
    cpSync(join(repo.dir, '.testloop', 'history.db'), moved);
    rmSync(join(repo.dir, '.testloop'), { recursive: true, force: true });
    const run = await testloopInProcess(
      ['select', '--format', 'json', '--changed', 'src/math.ts', '--history', 'ci-history.db'],
      { cwd: repo.dir },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as {
      tests: { file: string; score: number; reasons: string[] }[];
      stats: { historyFiles?: number };
    };
    expect(result.tests[0]).toMatchObject({
      file: 'test/c.test.ts',
      score: 0.5,
      reasons: ['imports src/math.ts (changed)', 'failed 2 of its last 3 runs'],
    });
    expect(result.stats.historyFiles).toBe(6);
  });

  it('keeps the selection and warns, creating nothing, when --history names a missing file', async () => {
    const result = await selectTests({
      cwd: repo.dir,
      env: {},
      changed: ['src/math.ts'],
      history: 'typo.db',
    });
    expect(result.tests.map((t) => t.file)).toHaveLength(7);
    expect(result.warnings).toEqual([
      'test history not used: typo.db: no test history there. Check the path, or record runs into it first with testloop ingest <reports…> --history typo.db',
    ]);
    expect(existsSync(join(repo.dir, 'typo.db'))).toBe(false);
  });

  it('keeps the selection and warns when the history cannot be read', async () => {
    const env = { TESTLOOP_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none?connect_timeout=2' };
    const result = await selectTests({ cwd: repo.dir, env, changed: ['src/math.ts'] });
    expect(result.tests.map((t) => t.file)).toHaveLength(7);
    expect(result.warnings?.[0]).toMatch(/^test history not used: /);
  });
});
