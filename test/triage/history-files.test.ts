import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testloopInProcess } from '../helpers/cli.ts';
import { TempRepo } from '../helpers/git-repo.ts';

const GOOD = `<?xml version="1.0"?>
<testsuites>
  <testsuite name="cart" tests="1">
    <testcase classname="test/cart.test.ts" name="totals" file="test/cart.test.ts" time="0.01"/>
  </testsuite>
</testsuites>
`;
// Cut off mid-tag, as a crashed runner or an interrupted upload leaves it.
const TRUNCATED = '<?xml version="1.0"?>\n<testsuites><testsuite name="cart"><testcase name="totals"';

const CI = { GITHUB_ACTIONS: 'true', GITHUB_SHA: 'c1', GITHUB_RUN_ID: '1', GITHUB_REF_NAME: 'main' };

describe('history files: reading never creates one, a failed write leaves none behind', () => {
  let repo: TempRepo;
  const testloop = async (args: string[], env: Record<string, string> = CI) =>
    await testloopInProcess(args, { cwd: repo.dir, env });

  beforeEach(() => {
    repo = new TempRepo('testloop-history-files-');
    repo.write('good.xml', GOOD).write('truncated.xml', TRUNCATED).commit('reports');
  });
  afterEach(() => repo.remove());

  it('triage --history with a missing file exits 2 with TESTLOOP_NO_HISTORY and creates nothing', async () => {
    expect(await testloop(['triage', '--history', 'typo.db'])).toEqual({
      status: 2,
      stdout: '',
      stderr:
        'testloop: error TESTLOOP_NO_HISTORY: typo.db: no test history there. Check the path, or record runs into it first with testloop ingest <reports…> --history typo.db\n',
    });
    expect(existsSync(join(repo.dir, 'typo.db'))).toBe(false);
  });

  it('triage without a history reads it as empty and leaves no .testloop/ behind', async () => {
    const run = await testloop(['triage']);
    expect(run.status).toBe(0);
    expect(run.stderr).toContain('the history has no runs yet');
    expect(existsSync(join(repo.dir, '.testloop'))).toBe(false);
  });

  it('ingest of an unreadable report fails without leaving a new history behind', async () => {
    const run = await testloop(['ingest', 'truncated.xml']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^testloop: error TESTLOOP_JUNIT_PARSE: .*truncated\.xml/);
    expect(existsSync(join(repo.dir, '.testloop'))).toBe(false);

    const named = await testloop(['ingest', 'truncated.xml', '--history', 'ci/history.db']);
    expect(named.status).toBe(2);
    expect(existsSync(join(repo.dir, 'ci'))).toBe(false);
  });

  it('ingest of an unreadable report keeps an existing history as it was', async () => {
    expect((await testloop(['ingest', 'good.xml'])).status).toBe(0);
    const files = readdirSync(join(repo.dir, '.testloop'));
    expect(files).toContain('history.db');
    const before = await testloop(['triage', '--format', 'json']);

    const failed = await testloop(['ingest', 'truncated.xml'], {
      ...CI,
      GITHUB_RUN_ID: '2',
      GITHUB_SHA: 'c2',
    });
    expect(failed.status).toBe(2);
    expect(readdirSync(join(repo.dir, '.testloop'))).toContain('history.db');
    const after = await testloop(['triage', '--format', 'json']);
    expect(after.status).toBe(0);
    const stats = (stdout: string) => {
      const { ms: _ms, ...rest } = JSON.parse(stdout).stats;
      return rest;
    };
    expect(stats(after.stdout)).toEqual(stats(before.stdout));
    expect(stats(after.stdout)).toMatchObject({ runs: 1, tests: 1 });
  });

  it('an absolute --history outside any repository is not created either', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'testloop-history-elsewhere-'));
    try {
      writeFileSync(join(dir, 'good.xml'), GOOD);
      const run = await testloopInProcess(['triage', '--history', join(dir, 'missing.db')], {
        cwd: dir,
        env: CI,
      });
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/^testloop: error TESTLOOP_NO_HISTORY: /);
      expect(readdirSync(dir)).toEqual(['good.xml']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
