import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileStats } from '../../src/history/types.ts';
import { selectTests } from '../../src/select/select-tests.ts';
import { parseShard, shardTests } from '../../src/select/shard.ts';
import type { SelectedTest } from '../../src/select/types.ts';
import { testloopInProcess } from '../helpers/cli.ts';
import { TempRepo } from '../helpers/git-repo.ts';

const FIXTURE = join(import.meta.dirname, '../fixtures/select/history');

/** A seeded PRNG (mulberry32): the same "random" durations on every run of the suite. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A ranked selection of `count` files whose recorded durations spread over two orders of magnitude. */
function selection(count: number, seed: number): { tests: SelectedTest[]; history: Map<string, FileStats> } {
  const random = prng(seed);
  const tests: SelectedTest[] = [];
  const history = new Map<string, FileStats>();
  for (let i = 0; i < count; i++) {
    const file = `test/t${String(i).padStart(3, '0')}.test.ts`;
    tests.push({ file, score: Math.round((1 / (1 + (i % 4))) * 1000) / 1000, reasons: ['changed'] });
    const meanMs = Math.round(50 + 5000 * random() ** 3);
    history.set(file, { file, runs: 5, failedRuns: 0, meanMs });
  }
  return { tests, history };
}

describe('parseShard', () => {
  const noWarn = (text: string) => {
    throw new Error(`unexpected warning: ${text}`);
  };

  it('reads index/total counting from 1', () => {
    expect(parseShard('2/4', {}, noWarn)).toMatchObject({ index: 2, total: 4 });
    expect(parseShard('1/1', {}, noWarn)).toMatchObject({ index: 1, total: 1 });
  });

  it.each(['0/4', '5/4', '2/0', '2', 'a/b', '-1/3', '1.5/3', ''])('refuses %j as a usage error', (value) => {
    expect(() => parseShard(value, {}, noWarn)).toThrow(
      expect.objectContaining({ code: 'TESTLOOP_USAGE', message: expect.stringContaining('--shard') }),
    );
  });

  it('auto reads CircleCI and Buildkite (from 0) and GitLab (from 1)', () => {
    expect(parseShard('auto', { CIRCLE_NODE_INDEX: '0', CIRCLE_NODE_TOTAL: '3' }, noWarn)).toMatchObject({
      index: 1,
      total: 3,
    });
    expect(
      parseShard('auto', { BUILDKITE_PARALLEL_JOB: '3', BUILDKITE_PARALLEL_JOB_COUNT: '4' }, noWarn),
    ).toMatchObject({ index: 4, total: 4 });
    expect(parseShard('auto', { CI_NODE_INDEX: '2', CI_NODE_TOTAL: '5' }, noWarn)).toMatchObject({
      index: 2,
      total: 5,
    });
    expect(() => parseShard('auto', { CI_NODE_INDEX: '0', CI_NODE_TOTAL: '5' }, noWarn)).toThrow(
      /CI_NODE_INDEX=0/,
    );
  });

  it('auto outside a parallel job takes the whole selection and says so', () => {
    const warnings: string[] = [];
    expect(parseShard('auto', {}, (text) => warnings.push(text))).toMatchObject({ index: 1, total: 1 });
    expect(warnings).toEqual([expect.stringContaining('this machine takes the whole selection')]);
  });
});

describe('shardTests', () => {
  const root = import.meta.dirname;

  it.each([1, 2, 3, 4, 7])(
    'splits into %i disjoint shards whose union is the selection, in ranked order',
    (total) => {
      const { tests, history } = selection(120, total);
      const parts = Array.from({ length: total }, (_, i) =>
        shardTests(root, tests, { index: i + 1, total, source: 'test' }, history),
      );
      const files = parts.flatMap((part) => part.tests.map((t) => t.file));
      expect(new Set(files).size).toBe(files.length);
      expect([...files].sort()).toEqual(tests.map((t) => t.file).sort());
      for (const part of parts) {
        const positions = part.tests.map((t) => tests.indexOf(t));
        expect(positions).toEqual([...positions].sort((a, b) => a - b));
        expect(part.summary).toMatchObject({ total, selectedTests: 120, basis: 'history' });
      }
      // Balanced: the longest shard's estimate within 15% of the mean.
      const estimates = parts.map((part) => part.summary.estimatedMs);
      const mean = estimates.reduce((a, b) => a + b, 0) / total;
      expect(Math.max(...estimates)).toBeLessThanOrEqual(mean * 1.15);
      // Each estimate is the sum of its files' recorded durations.
      for (const part of parts) {
        const sum = part.tests.reduce((ms, t) => ms + history.get(t.file)!.meanMs, 0);
        expect(Math.abs(part.summary.estimatedMs - sum)).toBeLessThanOrEqual(1);
      }
    },
  );

  it('gives every machine the same split, whatever order its selection and history came in', () => {
    const { tests, history } = selection(80, 42);
    const reversedHistory = new Map([...history].reverse());
    for (let index = 1; index <= 3; index++) {
      const spec = { index, total: 3, source: 'test' };
      const a = shardTests(root, tests, spec, history).tests.map((t) => t.file);
      const b = shardTests(root, [...tests].reverse(), spec, reversedHistory).tests.map((t) => t.file);
      expect([...b].sort()).toEqual([...a].sort());
    }
  });
});

describe('select --shard on a repository with a recorded history', () => {
  let repo: TempRepo;
  beforeAll(async () => {
    repo = new TempRepo('testloop-select-shard-');
    cpSync(FIXTURE, repo.dir, { recursive: true, filter: (path) => !path.includes('/reports') });
    mkdirSync(join(repo.dir, 'node_modules'));
    repo.commit('fixture');
    for (const run of [1, 2, 3]) {
      const ingested = await testloopInProcess(
        [
          'ingest',
          join(FIXTURE, 'reports', `run-${run}.xml`),
          '--run-id',
          `run-${run}`,
          '--commit',
          'abc123',
        ],
        { cwd: repo.dir },
      );
      expect(ingested.status).toBe(0);
    }
  });
  afterAll(() => repo.remove());

  it('the shards of the library call cover the whole selection once, with durations from the history', async () => {
    const whole = await selectTests({ cwd: repo.dir, env: {}, changed: ['src/math.ts'] });
    const shards = await Promise.all(
      [1, 2, 3].map((i) =>
        selectTests({ cwd: repo.dir, env: {}, changed: ['src/math.ts'], shard: `${i}/3` }),
      ),
    );
    const files = shards.flatMap((s) => s.tests.map((t) => t.file));
    expect([...files].sort()).toEqual(whole.tests.map((t) => t.file).sort());
    expect(new Set(files).size).toBe(files.length);
    // test/g.test.ts has no recorded duration: it is estimated from its size.
    expect(shards.map((s) => s.shard?.basis)).toEqual(['history+size', 'history+size', 'history+size']);
  });

  it('CLI: --shard auto from GitLab variables adds `shard` to the JSON; a bad --shard exits 2', async () => {
    const run = await testloopInProcess(['select', 'src/math.ts', '--shard', 'auto', '--format', 'json'], {
      cwd: repo.dir,
      env: { CI_NODE_INDEX: '2', CI_NODE_TOTAL: '2' },
    });
    expect(run.status).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.shard).toEqual({
      index: 2,
      total: 2,
      estimatedMs: expect.any(Number),
      selectedTests: 7,
      basis: 'history+size',
    });
    expect(json.tests.length).toBeGreaterThan(0);
    expect(json.tests.length).toBeLessThan(7);
    expect(run.stderr).toMatch(/shard 2\/2: \d of 7 selected test files/);

    const bad = await testloopInProcess(['select', 'src/math.ts', '--shard', '3/2'], { cwd: repo.dir });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^testloop: error TESTLOOP_USAGE: --shard 3\/2: /);
    expect(bad.stdout).toBe('');
  });
});
