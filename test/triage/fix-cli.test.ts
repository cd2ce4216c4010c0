import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runTestloop, runTestloopAsync } from '../helpers/cli.ts';
import type { TempRepo } from '../helpers/git-repo.ts';
import { type OpenAiServer, startOpenAiServer } from '../helpers/openai-server.ts';
import { FLAKY, fixtureRepo, reply } from './fix-fixture.ts';

/** Every field of a `fixes[]` entry: the documented ones first, then the extras. */
const FIX_FIELDS = [
  'testId',
  'reproduced',
  'failureRate',
  'reproductionRuns',
  'accepted',
  'validationRuns',
  'validationFailures',
  'patch',
  'reason',
  'condition',
  'requiredRuns',
  'rounds',
  'reproduction',
  'reproductionSeconds',
  'seconds',
];

describe('testloop triage --fix', () => {
  let repo: TempRepo;
  let server: OpenAiServer;

  beforeAll(async () => {
    repo = fixtureRepo();
    server = await startOpenAiServer();
  });
  afterAll(async () => {
    repo.remove();
    await server.close();
  });
  // Each case starts from a clean checkout, whatever case ran before (--patch leaves its file behind).
  beforeEach(() => rmSync(join(repo.dir, 'fix.patch'), { force: true }));

  it('a test id that names no test is a usage error naming it and how to list ids', () => {
    const run = runTestloop(['triage', '--fix', 'tests/flaky.test.ts › dice › nothing', '--format', 'json'], {
      cwd: repo.dir,
    });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /^testloop: error TESTLOOP_UNKNOWN_TEST: --fix "tests\/flaky\.test\.ts › dice › nothing": its runner ran tests\/flaky\.test\.ts and reports no test of that name; test ids are .*testloop triage --format json.*\n$/,
    );
  }, 120_000);

  it('without a model: reproduces and reports, in the documented JSON shape', () => {
    const run = runTestloop(['triage', '--fix', FLAKY, '--format', 'json'], { cwd: repo.dir });
    expect(run.status, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(Object.keys(json)).toEqual(['fixes']);
    expect(json.fixes).toHaveLength(1);
    const [fix] = json.fixes;
    expect(Object.keys(fix).sort()).toEqual([...FIX_FIELDS].sort());
    expect(fix).toMatchObject({
      testId: FLAKY,
      reproduced: true,
      condition: 'isolated',
      failureRate: 0.5,
      reproductionRuns: 10,
      accepted: false,
      validationRuns: 0,
      validationFailures: 0,
      patch: null,
      requiredRuns: 5,
      rounds: 0,
      reproduction: [{ condition: 'isolated', runs: 10, failures: 5 }],
    });
    expect(fix.reason).toMatch(
      /^no model configured \(set --base-url and --model .*\); reproduced under isolated: failed 5 of 10 runs \(p = 0\.5\), nothing proposed$/,
    );
    expect(repo.git('status', '--porcelain')).toBe('');
  }, 240_000);

  it('with a model: --patch writes the accepted fix, the working tree stays as it was', async () => {
    server.enqueue(reply('flaky.correct.ts'));
    const run = await runTestloopAsync(
      ['triage', '--fix', FLAKY, '--patch', 'fix.patch', '--base-url', server.url, '--model', 'test-model'],
      { cwd: repo.dir, env: { TESTLOOP_LLM_API_KEY: 'sk-test' } },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^tests\/flaky\.test\.ts › dice › rolls an even number: fixed\n/);
    expect(run.stdout).toContain('the fix passed all 5 of M = 5 runs');
    expect(run.stderr).toContain('fix.patch: 1 accepted fix(es); apply with git apply fix.patch');
    const patch = readFileSync(join(repo.dir, 'fix.patch'), 'utf8');
    expect(patch).toMatch(/^diff --git a\/tests\/flaky\.test\.ts b\/tests\/flaky\.test\.ts\n/);
    expect(repo.git('status', '--porcelain')).toBe('?? fix.patch');
    repo.git('apply', '--check', 'fix.patch');
    expect(server.completions().at(-1)!.headers.authorization).toBe('Bearer sk-test');
  }, 240_000);
});
