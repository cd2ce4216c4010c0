import { describe, expect, it } from 'vitest';
import { type BatchMember, type BatchRun, RerunBatcher } from '../../src/generate/rerun-batch.ts';
import { vitestVerdicts } from '../../src/runners/vitest/batch-verdicts.ts';

const a: BatchMember = {
  files: ['src/a.testloop-aaaaaaaa.test.ts', 'src/a.testloop-aaaaaaab.test.ts'],
  passed: 1,
};
const b: BatchMember = {
  files: ['src/b.testloop-bbbbbbbb.test.ts', 'src/b.testloop-bbbbbbbc.test.ts'],
  passed: 2,
};

/** vitest 4's default reporter, colors stripped: b's second copy failed, everything else passed. */
const failedRun = `
 RUN  v4.1.12 /repo

 ✓ src/a.testloop-aaaaaaaa.test.ts (1 test) 2ms
 ✓ src/b.testloop-bbbbbbbb.test.ts (2 tests) 2ms
 ✓ src/a.testloop-aaaaaaab.test.ts (1 test) 2ms
 ❯ src/b.testloop-bbbbbbbc.test.ts (2 tests | 1 failed) 6ms
   × bad 5ms
   ✓ ok2 0ms

⎯⎯⎯⎯⎯⎯⎯ Failed Tests 1 ⎯⎯⎯⎯⎯⎯⎯

 FAIL  src/b.testloop-bbbbbbbc.test.ts > bad
AssertionError: expected 1 to be 2 // Object.is equality
 ❯ src/b.testloop-bbbbbbbc.test.ts:2:29

⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯⎯[1/1]⎯


 Test Files  1 failed | 3 passed (4)
      Tests  1 failed | 5 passed (6)
`;

describe('vitestVerdicts', () => {
  it('passes every member on a clean exit with exactly the expected passing tests', () => {
    const verdicts = vitestVerdicts([a, b], '', 0, false, { passed: 6, failed: 0 });
    expect(verdicts).toEqual([{ kind: 'passed' }, { kind: 'passed' }]);
  });

  it('passes no one when the count differs (a test skipped itself): each is rerun alone', () => {
    const verdicts = vitestVerdicts([a, b], '', 0, false, { passed: 5, failed: 0 });
    expect(verdicts).toEqual([{ kind: 'unknown' }, { kind: 'unknown' }]);
    expect(vitestVerdicts([a], '', 0, false, undefined)).toEqual([{ kind: 'unknown' }]);
  });

  it("fails only the member the runner names, with its own blocks; the others are rerun alone, not passed on b's account", () => {
    const [va, vb] = vitestVerdicts([a, b], failedRun, 1, false, { passed: 5, failed: 1 });
    expect(va).toEqual({ kind: 'unknown' });
    expect(vb).toMatchObject({ kind: 'failed', run: 1, file: 'src/b.testloop-bbbbbbbc.test.ts' });
    const output = (vb as { output: string }).output;
    expect(output).toContain('AssertionError: expected 1 to be 2');
    expect(output).toContain('❯ src/b.testloop-bbbbbbbc.test.ts (2 tests | 1 failed)');
    expect(output).not.toContain('testloop-aaaaaaa');
    expect(output).not.toContain('src/b.testloop-bbbbbbbb.test.ts');
  });

  it('numbers the failed run in the order the files ran, not the order they were listed in', () => {
    const ranFirst = failedRun
      .replace(' ✓ src/b.testloop-bbbbbbbb.test.ts (2 tests) 2ms\n', '')
      .replace(
        ' ❯ src/b.testloop-bbbbbbbc.test.ts (2 tests | 1 failed) 6ms',
        ' ❯ src/b.testloop-bbbbbbbc.test.ts (2 tests | 1 failed) 6ms\n ✓ src/b.testloop-bbbbbbbb.test.ts (2 tests) 2ms',
      );
    const [, vb] = vitestVerdicts([a, b], ranFirst, 1, false, { passed: 5, failed: 1 });
    expect(vb).toMatchObject({ kind: 'failed', run: 0, file: 'src/b.testloop-bbbbbbbc.test.ts' });
  });

  it('trusts nothing from a batch that timed out', () => {
    expect(vitestVerdicts([a, b], failedRun, 124, true, undefined)).toEqual([
      { kind: 'unknown' },
      { kind: 'unknown' },
    ]);
  });
});

describe('RerunBatcher', () => {
  /** A runBatch that records its batches and finishes each when told to. */
  function recorder() {
    const batches: string[][] = [];
    const finish: (() => void)[] = [];
    const run = (members: BatchMember[]) =>
      new Promise<BatchRun>((resolve) => {
        batches.push(members.map((m) => m.files[0]!));
        finish.push(() => resolve({ verdicts: members.map(() => ({ kind: 'passed' })), runnerMs: 10 }));
      });
    return { batches, finish, run };
  }
  const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
  const member = (name: string): BatchMember => ({ files: [`src/${name}.test.ts`], passed: 1 });

  it('starts a lone rerun at once, and sends those that arrive while it runs together next', async () => {
    const { batches, finish, run } = recorder();
    const batcher = new RerunBatcher(run, 1);
    const first = batcher.rerun(member('a'));
    await tick();
    expect(batches).toEqual([['src/a.test.ts']]);
    const rest = [batcher.rerun(member('b')), batcher.rerun(member('c'))];
    await tick();
    expect(batches).toHaveLength(1);
    finish[0]!();
    expect(await first).toEqual({ verdict: { kind: 'passed' }, runnerMs: 10 });
    await tick();
    expect(batches).toEqual([['src/a.test.ts'], ['src/b.test.ts', 'src/c.test.ts']]);
    finish[1]!();
    expect(await Promise.all(rest)).toHaveLength(2);
  });

  it('starts batches while runner processes number fewer than the cores; the rest wait for one to end', async () => {
    const { batches, finish, run } = recorder();
    const batcher = new RerunBatcher(run, 2);
    const all = ['a', 'b', 'c', 'd'].map((name) => batcher.rerun(member(name)));
    await tick();
    expect(batches).toEqual([['src/a.test.ts'], ['src/b.test.ts']]);
    finish[0]!();
    await tick();
    expect(batches[2]).toEqual(['src/c.test.ts', 'src/d.test.ts']);
    finish[1]!();
    finish[2]!();
    expect(await Promise.all(all)).toHaveLength(4);
  });

  it("counts the validator's own first runs: a rerun waits while they take every core", async () => {
    const { batches, finish, run } = recorder();
    const batcher = new RerunBatcher(run, 1);
    let endFirstRun: () => void = () => {};
    const firstRun = batcher.track(() => new Promise<void>((resolve) => (endFirstRun = resolve)));
    const reruns = [batcher.rerun(member('a')), batcher.rerun(member('b'))];
    await tick();
    expect(batches).toEqual([]);
    endFirstRun();
    await firstRun;
    await tick();
    expect(batches).toEqual([['src/a.test.ts', 'src/b.test.ts']]);
    finish[0]!();
    expect(await Promise.all(reruns)).toHaveLength(2);
  });

  it('rejects every member of a batch whose run threw', async () => {
    const batcher = new RerunBatcher(() => Promise.reject(new Error('cannot start vitest')), 1);
    await expect(batcher.rerun(member('a'))).rejects.toThrow('cannot start vitest');
  });
});
