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
      lastCause: 'timeout',
      flips: 1,
      causes: ['timeout'],
    });
  });

  it('is empty where there is no history yet', async () => {
    const empty = mkdtempSync(join(dir, 'none-'));
    expect((await readTestRecords({ cwd: empty, env: {}, runs: 50 })).size).toBe(0);
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
