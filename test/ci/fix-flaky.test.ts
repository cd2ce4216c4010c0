/**
 * `testloop ci --fix-flaky`: after triage, the flaky tests of the history are reproduced and, with a model,
 * fixed and proven; the fixer is advice and never turns a green build red.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CiResult } from '../../src/ci/types.ts';
import { runTestloop } from '../helpers/cli.ts';
import type { TempRepo } from '../helpers/git-repo.ts';
import { pattern } from '../triage/build.ts';
import { FLAKY, fixtureRepo, STABLE } from '../triage/fix-fixture.ts';
import { writeJUnit } from '../triage/junit-writer.ts';

describe('testloop ci --fix-flaky', () => {
  let repo: TempRepo;
  let out: string;

  beforeAll(() => {
    repo = fixtureRepo();
    repo.git('branch', '-M', 'main');
    out = mkdtempSync(join(tmpdir(), 'testloop-ci-fix-'));
    // A history in which the dice test fails now and then, and the math test never.
    const attempts = [...pattern(FLAKY, 'PPFPPPFPPP'), ...pattern(STABLE, 'PPPPPPPPPP')];
    const runIds = [...new Set(attempts.map((a) => a.runId))];
    runIds.forEach((runId, i) => {
      const report = join(out, `junit-${runId}.xml`);
      writeFileSync(
        report,
        writeJUnit(
          attempts.filter((a) => a.runId === runId),
          'vitest',
        ),
      );
      const started = attempts.find((a) => a.runId === runId)!.startedAt!;
      const args = ['--commit', `c${i + 1}`, '--run-id', runId, '--job', 'test', '--started-at', started];
      const ingest = runTestloop(['ingest', report, ...args], { cwd: repo.dir });
      expect(ingest.status, ingest.stderr).toBe(0);
    });
    repo.git('checkout', '-qb', 'feature');
    repo.write('README.md', '# dice\n');
    repo.commit('docs');
  });
  afterAll(() => {
    repo.remove();
    rmSync(out, { recursive: true, force: true });
  });

  it('reproduces the flaky test and reports it; a dead model leaves the build green', () => {
    const json = join(out, 'ci.json');
    const run = runTestloop(
      [
        'ci',
        '--base',
        'main',
        '--fix-flaky',
        '--skip',
        'generate',
        '--format',
        `json:${json}`,
        '--format',
        'markdown',
        // Nothing listens there: every model request fails.
        '--base-url',
        'http://127.0.0.1:9/v1',
        '--model',
        'gone',
      ],
      { cwd: repo.dir, env: { CI: 'true' } },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(existsSync(json)).toBe(true);
    const result = JSON.parse(readFileSync(json, 'utf8')) as CiResult;
    expect(result.exitCode).toBe(0);
    expect(result.steps.find((s) => s.name === 'fix')).toMatchObject({
      status: 'ok',
      detail: '0 of 1 flaky test(s) fixed and proven',
    });
    expect(result.fixes).toHaveLength(1);
    expect(result.fixes![0]).toMatchObject({
      testId: FLAKY,
      reproduced: true,
      condition: 'isolated',
      accepted: false,
      patch: null,
      rounds: 1,
    });
    expect(result.fixes![0]!.reason).toMatch(/^the model failed: /);
    // The comment says so in its own section.
    expect(run.stdout).toContain('#### Flaky test fixes: 0 of 1 proven');
    expect(run.stdout).toContain(`\`${FLAKY}\`: not fixed. the model failed: `);
    expect(repo.git('status', '--porcelain')).toBe('');
  }, 300_000);

  it('without --fix-flaky there is no fix step and no fixes', () => {
    const json = join(out, 'plain.json');
    const run = runTestloop(['ci', '--base', 'main', '--skip', 'generate', '--format', `json:${json}`], {
      cwd: repo.dir,
      env: { CI: 'true' },
    });
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(readFileSync(json, 'utf8')) as CiResult;
    expect(result.steps.map((s) => s.name)).not.toContain('fix');
    expect(result.fixes).toBeUndefined();
  }, 120_000);
});
