import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openHistoryStore } from '../../src/history/open.ts';
import { readTestRecords } from '../../src/triage/live/history-lookup.ts';
import { LiveTriage } from '../../src/triage/live/live-triage.ts';
import { attempt, run } from './build.ts';

const dir = mkdtempSync(join(tmpdir(), 'testloop-lookup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readTestRecords', () => {
  it('counts runs and failed runs once per run, retries included, with the cause of the last failure', async () => {
    const store = await openHistoryStore({ cwd: dir });
    const test = 'src/a.test.ts › waits';
    const runs = [0, 1, 2].map((i) => ({ ...run(i), attempt: 1 }));
    await store.ingest(runs[0]!, [attempt(test, runs[0]!, 'passed')]);
    await store.ingest(runs[1]!, [
      attempt(test, runs[1]!, 'failed', { message: 'Error: Test timed out in 5000ms.' }),
      attempt(test, runs[1]!, 'failed', { retry: 1, message: 'Error: Test timed out in 5000ms.' }),
      attempt(test, runs[1]!, 'passed', { retry: 2 }),
    ]);
    await store.ingest(runs[2]!, [attempt(test, runs[2]!, 'skipped')]);
    await store.close();
    const records = await readTestRecords({ cwd: dir, env: {}, runs: 50 });
    expect(records.get(test)).toEqual({
      runs: 2,
      failedRuns: 1,
      headRuns: 0,
      headFailedRuns: 0,
      lastCause: 'timeout',
      flips: 1,
      causes: ['timeout'],
    });
    const atHead = await readTestRecords({ cwd: dir, env: {}, runs: 50, head: 'c2' });
    expect(atHead.get(test)).toMatchObject({ runs: 2, failedRuns: 1, headRuns: 1, headFailedRuns: 1 });
  });

  it('is empty where there is no history yet', async () => {
    const empty = mkdtempSync(join(dir, 'none-'));
    expect((await readTestRecords({ cwd: empty, env: {}, runs: 50 })).size).toBe(0);
  });
});

/** The line LiveTriage prints for one failure of `test`, at commit `head`, after the history `past`. */
async function lineAfter(
  name: string,
  head: string,
  past: { commit: string; status: 'passed' | 'failed' }[],
): Promise<string | undefined> {
  const cwd = mkdtempSync(join(dir, `${name}-`));
  const test = 'a.test.js › checks';
  const store = await openHistoryStore({ cwd });
  for (const [i, { commit, status }] of past.entries()) {
    const spec = { ...run(i, { commit }), attempt: 1 };
    await store.ingest(spec, [
      attempt(test, spec, status, { message: 'AssertionError: expected 1 to be 2' }),
    ]);
  }
  await store.close();
  const lines: string[] = [];
  const env = { GITHUB_ACTIONS: 'true', GITHUB_SHA: head, GITHUB_RUN_ID: '99' };
  const live = new LiveTriage({ cwd, env, record: false, write: (line) => lines.push(line) });
  live.result({ file: join(cwd, 'a.test.js'), suite: [], name: 'checks', status: 'failed', durationMs: 3 });
  await live.finished();
  return lines[0]?.replace(/; what the change reaches is not known here$/, '');
}

describe('LiveTriage verdicts against the commit under test', () => {
  it('calls a test that failed on every earlier run of this commit, after passing before it, failing since this commit, not flaky', async () => {
    const past = [
      { commit: 'base', status: 'passed' as const },
      { commit: 'base', status: 'passed' as const },
      { commit: 'head', status: 'failed' as const },
    ];
    expect(await lineAfter('since', 'head', past)).toBe(
      'testloop: a.test.js › checks: failing since this commit: passed its last 2 runs before this commit, failed each of its 1 run of it',
    );
  });

  it('says there is no history before this commit when its runs are all there is', async () => {
    expect(await lineAfter('only-head', 'head', [{ commit: 'head', status: 'failed' }])).toBe(
      'testloop: a.test.js › checks: failing since this commit: failed each of its 1 earlier run of this commit (no history before it)',
    );
  });

  it('calls a test that passed and failed on this very commit known flaky', async () => {
    const past = [
      { commit: 'head', status: 'passed' as const },
      { commit: 'head', status: 'failed' as const },
    ];
    expect(await lineAfter('flip', 'head', past)).toBe(
      'testloop: a.test.js › checks: known flaky: failed 1 of its last 2 runs, passing and failing on this commit',
    );
  });

  it('calls a test that flipped before this commit known flaky, and one that always failed before it failing before', async () => {
    const flipped = [
      { commit: 'a', status: 'failed' as const },
      { commit: 'b', status: 'passed' as const },
    ];
    expect(await lineAfter('before-flip', 'head', flipped)).toBe(
      'testloop: a.test.js › checks: known flaky: failed 1 of its last 2 runs',
    );
    const broken = [
      { commit: 'a', status: 'failed' as const },
      { commit: 'head', status: 'failed' as const },
    ];
    expect(await lineAfter('broken', 'head', broken)).toBe(
      'testloop: a.test.js › checks: failing before this change too: failed each of its last 1 runs before this commit',
    );
  });
});

describe('LiveTriage', () => {
  it('still gives a failure its line when the history cannot be read', async () => {
    const broken = mkdtempSync(join(dir, 'broken-'));
    mkdirSync(join(broken, '.testloop'));
    writeFileSync(join(broken, '.testloop/history.db'), 'not a database');
    const lines: string[] = [];
    const live = new LiveTriage({ cwd: broken, env: {}, record: false, write: (line) => lines.push(line) });
    live.result({
      file: join(broken, 'a.test.js'),
      suite: [],
      name: 'fails',
      status: 'failed',
      durationMs: 3,
    });
    await live.finished();
    expect(lines).toEqual([
      'testloop: a.test.js › fails: new failure (its history is not known here); what the change reaches is not known here',
    ]);
  });
});
