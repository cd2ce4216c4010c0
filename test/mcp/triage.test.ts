import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredAttempt } from '../../src/history/types.ts';
import { testloopInProcess } from '../helpers/cli.ts';
import { type McpSession, startMcp, textOf, withoutTimings } from '../helpers/mcp-client.ts';
import { attempt, run } from '../triage/build.ts';
import { writeJUnit } from '../triage/junit-writer.ts';

const FLAKY = 'test/checkout.test.ts › checkout › pays';
const BROKEN = 'test/cart.test.ts › cart › totals';
const HEALTHY = 'test/ok.test.ts › ok › works';

/** Eight CI runs: checkout flakes (run 4 saved by a retry), cart breaks from run 5 on. */
function runAttempts(i: number): StoredAttempt[] {
  const spec = run(i, { runId: String(7000 + i) });
  const flaky =
    i === 1 || i === 4
      ? [attempt(FLAKY, spec, 'failed', { message: 'Error: connect ECONNREFUSED 127.0.0.1:5432' })]
      : [attempt(FLAKY, spec, 'passed')];
  if (i === 4) flaky.push(attempt(FLAKY, spec, 'passed', { retry: 1 }));
  const broken = attempt(
    BROKEN,
    spec,
    i >= 5 ? 'failed' : 'passed',
    i >= 5 ? { message: 'AssertionError: expected 41 to be 42' } : {},
  );
  return [attempt(HEALTHY, spec, 'passed'), ...flaky, broken];
}

describe('testloop mcp: flaky_tests and explain_failure on a SQLite history', () => {
  let dir: string;
  let mcp: McpSession;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'testloop-mcp-triage-'));
    for (let i = 0; i < 8; i++) {
      writeFileSync(join(dir, `junit-${i}.xml`), writeJUnit(runAttempts(i), 'vitest'));
      const env = {
        GITHUB_ACTIONS: 'true',
        GITHUB_SHA: `c${i + 1}`,
        GITHUB_RUN_ID: String(7000 + i),
        GITHUB_RUN_ATTEMPT: '1',
        GITHUB_JOB: 'test',
        GITHUB_REF_NAME: 'main',
      };
      const started = new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString();
      expect(
        (await testloopInProcess(['ingest', `junit-${i}.xml`, '--started-at', started], { cwd: dir, env }))
          .status,
      ).toBe(0);
    }
    mcp = await startMcp(dir);
  });
  afterAll(async () => {
    await mcp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('flaky_tests answers with the JSON of testloop triage --format json', async () => {
    const result = await mcp.call('flaky_tests');
    expect(result.isError).toBeFalsy();
    const printed = await testloopInProcess(['triage', '--format', 'json'], { cwd: dir });
    expect(printed.status).toBe(0);
    expect(withoutTimings(result.structuredContent)).toEqual(withoutTimings(JSON.parse(printed.stdout)));
    expect(textOf(result)).toMatch(/^1 flaky, 1 broken of 3 tests over 8 runs/);
    expect(textOf(result)).toContain(`flaky: ${FLAKY}`);
  });

  it('explain_failure lists the failing tests, and for one test its finding and history', async () => {
    const all = await mcp.call('explain_failure');
    const findings = (all.structuredContent as { findings: { testId: string }[] }).findings.map(
      (f) => f.testId,
    );
    expect(findings.sort()).toEqual([BROKEN, FLAKY].sort());

    const one = await mcp.call('explain_failure', { test: 'checkout' });
    expect(one.isError).toBeFalsy();
    const answer = one.structuredContent as {
      finding: { testId: string; verdict: string; evidence: string[] };
      history: { runId: string; status: string; retry: number; message?: string }[];
    };
    expect(answer.finding).toMatchObject({ testId: FLAKY, verdict: 'flaky' });
    expect(answer.finding.evidence.length).toBeGreaterThan(0);
    expect(answer.history).toHaveLength(9);
    expect(answer.history[0]!.runId).toBe('7007');
    expect(answer.history.filter((a) => a.status === 'failed').map((a) => a.message)).toEqual([
      'Error: connect ECONNREFUSED 127.0.0.1:5432',
      'Error: connect ECONNREFUSED 127.0.0.1:5432',
    ]);
  });

  it('bad arguments get the CLI code and message, or a tool error of the same form', async () => {
    const missing = await mcp.call('flaky_tests', { history: 'missing.db' });
    const printed = await testloopInProcess(['triage', '--history', 'missing.db'], { cwd: dir });
    expect(printed.status).toBe(2);
    expect(`${textOf(missing)}\n`).toBe(printed.stderr);
    const runs = await mcp.call('flaky_tests', { runs: 0 });
    expect(`${textOf(runs)}\n`).toBe(
      (await testloopInProcess(['triage', '--runs', '0'], { cwd: dir })).stderr,
    );

    const unknownTest = await mcp.call('explain_failure', { test: 'nope' });
    expect(unknownTest.isError).toBe(true);
    expect(textOf(unknownTest)).toBe(
      'testloop: error TESTLOOP_USAGE: argument test: no test in the history matches "nope". List them with flaky_tests',
    );
    const ambiguous = await mcp.call('explain_failure', { test: 'test/' });
    expect(textOf(ambiguous)).toMatch(/matches 3 tests/);
  });
});
