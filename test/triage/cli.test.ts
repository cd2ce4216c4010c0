import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredAttempt } from '../../src/history/types.ts';
import type { TriageResult } from '../../src/triage/types.ts';
import { BIN, type CliRun, testloopInProcess } from '../helpers/cli.ts';
import { attempt, run } from './build.ts';
import { writeJUnit, writeVitestLog } from './junit-writer.ts';

const FIXTURE = join(import.meta.dirname, '../fixtures/triage/cli');
const FLAKY = 'test/checkout.test.ts › checkout › pays';
const BROKEN = 'test/cart.test.ts › cart › totals';
const HEALTHY = 'test/ok.test.ts › ok › works';
const NETWORK =
  'Error: connect ECONNREFUSED 127.0.0.1:5432\n    at TCPConnectWrap.afterConnect (node:net:1607:16)';

/** Ten CI runs: checkout flakes (a retry saves run 5; runs 2 and 8 share a commit), cart breaks at run 7. */
function runAttempts(i: number): StoredAttempt[] {
  const spec = run(i, { runId: String(5000 + i), commit: i === 8 ? 'c2' : `c${i + 1}` });
  const out = [attempt(HEALTHY, spec, 'passed')];
  if (i === 1 || i === 4) {
    out.push(attempt(FLAKY, spec, 'failed', { message: NETWORK, durationMs: 1200 }));
    if (i === 4) out.push(attempt(FLAKY, spec, 'passed', { retry: 1 }));
  } else out.push(attempt(FLAKY, spec, 'passed'));
  out.push(
    i >= 6
      ? attempt(BROKEN, spec, 'failed', {
          message: 'AssertionError: expected 41 to be 42 // Object.is equality',
        })
      : attempt(BROKEN, spec, 'passed'),
  );
  return out;
}

function reportOf(i: number): string {
  return i === 9 ? 'junit-9.txt' : i === 3 ? 'reports' : `junit-${i}.xml`;
}

function ciEnv(i: number): Record<string, string> {
  return {
    GITHUB_ACTIONS: 'true',
    GITHUB_SHA: i === 8 ? 'c2' : `c${i + 1}`,
    GITHUB_RUN_ID: String(5000 + i),
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'test',
    GITHUB_REF_NAME: 'main',
  };
}

/** The built CLI without blocking this process, so a local HTTP server here can answer it. */
function runAsync(
  args: string[],
  cwd: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('testloop ingest + triage on a SQLite history', () => {
  let dir: string;
  /** The ten ingests that build the history every other test reads (none of them changes it). */
  let ingests: CliRun[];
  const triage = async (args: string[]) => await testloopInProcess(['triage', ...args], { cwd: dir });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'testloop-triage-cli-'));
    cpSync(FIXTURE, dir, { recursive: true });
    mkdirSync(join(dir, 'reports/run-3'), { recursive: true });
    for (let i = 0; i < 10; i++) {
      // Run 3 is a folder of reports, run 9 a vitest console log, the others JUnit XML of two dialects.
      const attempts = runAttempts(i);
      writeFileSync(
        join(dir, reportOf(i) === 'reports' ? 'reports/run-3/junit.xml' : reportOf(i)),
        i === 9 ? writeVitestLog(attempts) : writeJUnit(attempts, i % 2 === 0 ? 'vitest' : 'jest-junit'),
      );
    }
    ingests = [];
    for (let i = 0; i < 10; i++)
      ingests.push(
        await testloopInProcess(['ingest', reportOf(i), '--started-at', run(i).startedAt!], {
          cwd: dir,
          env: ciEnv(i),
        }),
      );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ingests each run with the run fields taken from the CI variables', () => {
    expect(ingests).toHaveLength(10);
    for (const [i, result] of ingests.entries()) {
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      if (i === 0) {
        expect(result.stdout).toBe(
          'testloop ingest: 3 attempts from 1 report(s) (run 5000 attempt 1 job test, commit c1): 3 stored, 0 already in the history\n',
        );
      }
    }
    expect(existsSync(join(dir, '.testloop/history.db'))).toBe(true);
  });

  it('stores nothing twice, and says so', async () => {
    const again = await testloopInProcess(['ingest', 'junit-0.xml', '--json'], { cwd: dir, env: ciEnv(0) });
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      run: { runId: '5000', commit: 'c1', attempt: 1, job: 'test', branch: 'main' },
      attempts: 3,
      inserted: 0,
      duplicates: 3,
    });
  });

  it('prints the JSON contract and exits 0 even with flaky and broken tests', async () => {
    const result = await triage(['--format', 'json']);
    expect(result.status).toBe(0);
    const parsed = JSON.parse(result.stdout) as TriageResult;
    expect(parsed.stats).toMatchObject({ runs: 10, tests: 3, attempts: 31, outageRuns: 0 });
    expect(parsed.findings.map((f) => [f.testId, f.verdict])).toEqual([
      [FLAKY, 'flaky'],
      [BROKEN, 'broken'],
      [HEALTHY, 'healthy'],
    ]);
    const [flaky, broken, healthy] = parsed.findings;
    expect(flaky).toMatchObject({
      runs: 10,
      failures: 2,
      owners: ['@acme/payments'],
      impact: { failedPipelines: 1, failureRate: 0.2 },
    });
    // Network first; the failures also ran 12× slower than the passing median, a weaker timeout hint.
    expect(flaky!.causes.map((c) => [c.cause, c.evidence[0]])).toEqual([
      ['network', 'Error: connect ECONNREFUSED 127.0.0.1:5432'],
      ['timeout', 'failed attempt took 1200 ms in run 5001 (passing median 100 ms)'],
    ]);
    expect(flaky!.evidence).toEqual([
      'failed, then passed on retry 1 in run 5004 (commit c5)',
      'failed in run 5001 and passed in run 5008 on the same commit c2',
      'failed in 2 of 10 runs with 4 flips',
    ]);
    for (const key of ['testId', 'verdict', 'runs', 'failures', 'flipRate', 'confidence', 'causes', 'impact'])
      expect(flaky).toHaveProperty(key);
    expect(broken).toMatchObject({ since: 'c7', failures: 4, owners: ['@acme/platform'] });
    expect(healthy).toMatchObject({ note: 'no flake seen in 10 runs', causes: [] });
  });

  it('--explain asks a model from TESTLOOP_LLM_* and keeps the rules when it fails; without one it is a usage error', async () => {
    const missing = await triage(['--explain']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/TESTLOOP_USAGE.*--explain needs a model: set --base-url and --model/);
    // Nothing listens there: every request fails, the rules' causes stand, the exit status is unchanged.
    const dead = await testloopInProcess(['triage', '--explain', '--format', 'json', '--llm-timeout', '2s'], {
      cwd: dir,
      env: { TESTLOOP_LLM_BASE_URL: 'http://127.0.0.1:9/v1', TESTLOOP_LLM_MODEL: 'm' },
    });
    expect(dead.status, dead.stderr).toBe(0);
    expect(dead.stderr).toMatch(/could not explain .*the rules' causes stand/);
    const result = JSON.parse(dead.stdout) as TriageResult;
    expect(result.findings.some((f) => f.causes.length > 0)).toBe(true);
  });

  it('exits 1 with --fail-on naming a verdict that was found', async () => {
    expect((await triage(['--fail-on', 'flaky'])).status).toBe(1);
    expect((await triage(['--fail-on', 'broken', '--format', 'json'])).status).toBe(1);
    expect((await triage(['--runs', '4', '--fail-on', 'flaky,broken'])).status).toBe(1);
    const config = join(dir, 'triage-healthy.json');
    writeFileSync(config, JSON.stringify({ triage: { runs: 2, failOn: ['flaky'] } }));
    // The last two runs: cart is broken, checkout passed in both.
    expect((await triage(['--config', 'triage-healthy.json'])).status).toBe(0);
  });

  it('renders text and markdown', async () => {
    const text = await triage([]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('testloop triage: 1 flaky, 1 broken, 1 healthy of 3 tests over 10 runs');
    expect(text.stdout).toContain(`flaky  ${FLAKY}`);
    expect(text.stdout).toContain('> Error: connect ECONNREFUSED 127.0.0.1:5432');
    expect(text.stdout).toContain('1 healthy: no flake seen in their runs');
    const md = await triage(['--format', 'markdown']);
    expect(md.stdout).toContain('| flaky | `test/checkout.test.ts › checkout › pays` | 2/10 |');
  });

  it('writes the quarantine file, keeping `since` of tests already listed', async () => {
    const path = join(dir, '.testloop/quarantine.json');
    writeFileSync(
      path,
      JSON.stringify({
        version: 1,
        tests: [
          { testId: FLAKY, file: 'test/checkout.test.ts', name: 'pays', reason: 'old', since: '2025-12-01' },
          {
            testId: 'test/gone.test.ts › gone',
            file: 'test/gone.test.ts',
            name: 'gone',
            reason: 'x',
            since: '2025-11-01',
          },
          { testId: HEALTHY, file: 'test/ok.test.ts', name: 'works', reason: 'old', since: '2025-10-01' },
        ],
      }),
    );
    const result = await triage(['--quarantine', '.testloop/quarantine.json', '--format', 'json']);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('.testloop/quarantine.json: 2 quarantined test(s)');
    const list = JSON.parse(readFileSync(path, 'utf8'));
    expect(list).toEqual({
      version: 1,
      tests: [
        {
          testId: FLAKY,
          file: 'test/checkout.test.ts',
          name: 'pays',
          reason: expect.stringMatching(
            /^flaky: failed 2 of 10 runs \(flip rate 0\.444, confidence 0\.\d+\); probable cause network$/,
          ),
          since: '2025-12-01',
        },
        {
          testId: 'test/gone.test.ts › gone',
          file: 'test/gone.test.ts',
          name: 'gone',
          reason: 'x',
          since: '2025-11-01',
        },
      ],
    });
    writeFileSync(path, '{ broken');
    const bad = await triage(['--quarantine', '.testloop/quarantine.json']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/TESTLOOP_USAGE: --quarantine .*not JSON/);
    rmSync(path);
  });

  it('posts a Slack-compatible message with --notify, and a failed notify keeps exit 0', async () => {
    const received: { path: string; type: string; body: { text: string; blocks: unknown[] } }[] = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push({
          path: req.url ?? '',
          type: req.headers['content-type'] ?? '',
          body: JSON.parse(body),
        });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const ok = await runAsync(
        ['triage', '--notify', `http://127.0.0.1:${port}/services/T0/B0/secret`],
        dir,
      );
      expect(ok.status).toBe(0);
      expect(ok.stderr).toBe('');
      expect(received).toHaveLength(1);
      expect(received[0]!.path).toBe('/services/T0/B0/secret');
      expect(received[0]!.type).toBe('application/json');
      expect(received[0]!.body.text).toBe(
        'testloop triage: 1 flaky, 1 broken, 1 healthy of 3 tests over 10 runs',
      );
      expect(received[0]!.body.blocks[0]).toEqual({
        type: 'header',
        text: { type: 'plain_text', text: 'testloop triage' },
      });
      expect(JSON.stringify(received[0]!.body.blocks)).toContain(
        '*flaky* `test/checkout.test.ts › checkout › pays`',
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const failed = await runAsync(
      ['triage', '--fail-on', 'broken', '--notify', `http://127.0.0.1:${port}/services/T0/B0/secret`],
      dir,
    );
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(
      /^testloop: warning: --notify failed \(127\.0\.0\.1:\d+: ECONNREFUSED\); the exit status is not affected\n$/,
    );
    expect(failed.stderr).not.toContain('secret');
  });

  it('usage errors exit 2', async () => {
    expect(await testloopInProcess(['ingest'], { cwd: dir, env: ciEnv(0) })).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('no reports named'),
    });
    expect((await testloopInProcess(['ingest', 'missing.xml'], { cwd: dir, env: ciEnv(0) })).status).toBe(2);
    expect((await triage(['--fail-on', 'sometimes'])).status).toBe(2);
    expect((await triage(['--format', 'sarif'])).status).toBe(2);
  });

  it('an empty history is no error', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'testloop-triage-empty-'));
    try {
      const result = await testloopInProcess(['triage', '--fail-on', 'flaky'], { cwd: empty });
      expect(result.status).toBe(0);
      expect(result.stderr).toContain('the history has no runs yet');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
