import { describe, expect, it } from 'vitest';
import { analyzeAttempts } from '../../src/triage/analyze.ts';
import type { Finding } from '../../src/triage/types.ts';
import { attempt, pattern, run } from './build.ts';

const ID = 'test/cart.test.ts › cart › adds an item';

function only(letters: string, options: Parameters<typeof pattern>[2] = {}): Finding {
  const result = analyzeAttempts(pattern(ID, letters, options));
  expect(result.findings).toHaveLength(1);
  return result.findings[0]!;
}

describe('detect: one rule at a time', () => {
  it('healthy: never failed, with "no flake seen in N runs", never "not flaky"', () => {
    const finding = only('PPPPPPPPPP');
    expect(finding).toMatchObject({
      verdict: 'healthy',
      runs: 10,
      failures: 0,
      flipRate: 0,
      note: 'no flake seen in 10 runs',
      causes: [],
    });
    expect(JSON.stringify(finding)).not.toMatch(/not flaky/);
    expect(only('PP').confidence).toBeLessThan(only('P'.repeat(60)).confidence);
  });

  it('skipped attempts are not runs', () => {
    expect(only('PPSSP')).toMatchObject({ verdict: 'healthy', runs: 3, note: 'no flake seen in 3 runs' });
  });

  it('flaky: a failed attempt, then a passing retry in the same run', () => {
    const finding = only('PPRPP');
    expect(finding).toMatchObject({ verdict: 'flaky', runs: 5, failures: 1, flipRate: 0.5 });
    expect(finding.evidence).toEqual([
      'failed, then passed on retry 1 in run r3 (commit c3)',
      'failed in 1 of 5 runs with 2 flips',
    ]);
    // The retry saved the pipeline: no failed pipeline, but the minutes of both attempts are lost.
    expect(finding.impact).toEqual({ failedPipelines: 0, minutesLost: 0, failureRate: 0.2 });
  });

  it('flaky: failed in one run and passed in another on the same commit', () => {
    const runs = [run(0), run(1), run(2, { commit: 'c2' }), run(3)];
    const finding = only('PFPP', { runs });
    expect(finding.verdict).toBe('flaky');
    expect(finding.evidence?.[0]).toBe('failed in run r2 and passed in run r3 on the same commit c2');
    expect(finding.impact.failedPipelines).toBe(1);
  });

  it('flaky: isolated failures across commits, with the flip rate over the window', () => {
    const finding = only('PFPPFPP');
    expect(finding).toMatchObject({ verdict: 'flaky', runs: 7, failures: 2, flipRate: 0.667 });
    expect(finding.since).toBe('c2');
  });

  it('confidence is low for one flip in few runs and grows with runs and flips', () => {
    const few = only('PFP');
    const many = only('PPPPFPPPPPRPPPPFPPPPPPPRPPPPPPPPFPPPPPPPPPPPPPPPRPPPPPPPPPPFPPP');
    expect(few.verdict).toBe('flaky');
    expect(few.confidence).toBeLessThan(0.3);
    expect(many.confidence).toBeGreaterThan(0.9);
  });

  it('broken: fails every run since a commit, with passes before it', () => {
    const finding = only('PPPPPPFFFF');
    expect(finding).toMatchObject({ verdict: 'broken', runs: 10, failures: 4, since: 'c7' });
    expect(finding.evidence).toEqual([
      'fails in every run since commit c7 (4 runs, first in run r7); passed in 6 runs before',
    ]);
    expect(finding.confidence).toBeGreaterThan(0.8);
    expect(finding.causes[0]).toMatchObject({
      cause: 'unknown',
      fix: expect.stringContaining('git show c7'),
    });
  });

  it('broken: a first-ever failure in the latest run is broken with low confidence', () => {
    const finding = only('PPPPPF');
    expect(finding).toMatchObject({ verdict: 'broken', since: 'c6' });
    expect(finding.confidence).toBeLessThan(0.5);
  });

  it('broken: a test that failed in every run of the window', () => {
    expect(only('FFFF')).toMatchObject({ verdict: 'broken', since: 'c1' });
  });

  it('a trailing streak that is likely for a very flaky test stays flaky', () => {
    // Earlier failure rate 0.5: two failures in a row happen one time in four.
    expect(only('PFPFFPFPFF').verdict).toBe('flaky');
    // Earlier failure rate 0.125: eight failures in a row are not flakes any more.
    expect(only('PPPFPPPPFFFFFFFF').verdict).toBe('broken');
  });

  it('a short streak on a commit that also passed before is flaky, not broken', () => {
    const runs = [run(0), run(1), run(2, { commit: 'c2' })];
    expect(only('PPF', { runs }).verdict).toBe('flaky');
  });

  it('a fixed regression is healthy, not flaky', () => {
    const finding = only('PPPFFFFPPPP');
    expect(finding.verdict).toBe('healthy');
    expect(finding.note).toBe('no flake seen in 11 runs');
    expect(finding.evidence).toEqual([
      'failed in 4 runs from commit c4 on, fixed by commit c8: a past regression, not flakiness',
    ]);
  });

  it('broken on a feature branch while main keeps passing: streaks are read per branch', () => {
    const attempts = [];
    for (let i = 0; i < 12; i++) {
      const branch = i % 2 === 0 ? 'main' : 'feature-x';
      const fails = branch === 'feature-x' && i >= 7;
      attempts.push(attempt(ID, run(i, { branch }), fails ? 'failed' : 'passed'));
    }
    const [finding] = analyzeAttempts(attempts).findings;
    expect(finding).toMatchObject({ verdict: 'broken', since: 'c8', failures: 3 });
    expect(finding!.evidence![0]).toMatch(/^fails in every run of branch feature-x since commit c8 \(3 runs/);
  });

  it('a flaky test that fails once on a new branch stays flaky', () => {
    const main = pattern(ID, 'PPRPPFPPRPPP').map((a) => ({ ...a, branch: 'main' }));
    const pr = attempt(ID, run(12, { branch: 'pr-7' }), 'failed');
    const [finding] = analyzeAttempts([...main, pr]).findings;
    expect(finding!.verdict).toBe('flaky');
  });

  it('broken in one job only (one OS), while the other job keeps passing', () => {
    const attempts = [];
    for (let i = 0; i < 12; i++) {
      const commit = `c${i + 1}`;
      const at = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, i, m)).toISOString();
      const linux = { runId: `r${i + 1}`, commit, job: 'linux', startedAt: at(0) };
      const windows = { runId: `r${i + 1}`, commit, job: 'windows', startedAt: at(1) };
      attempts.push(attempt(ID, linux, 'passed'));
      attempts.push(attempt(ID, windows, i >= 8 ? 'failed' : 'passed'));
    }
    const [finding] = analyzeAttempts(attempts).findings;
    expect(finding).toMatchObject({ verdict: 'broken', since: 'c9', runs: 24, failures: 4 });
    expect(finding!.evidence![0]).toMatch(/^fails in every run of job windows since commit c9 \(4 runs/);
    expect(finding!.causes[0]).toMatchObject({
      cause: 'environment',
      evidence: [
        'all 4 failures ran with job=windows (4 of 12 runs there); 0 of 12 runs failed with another job',
      ],
    });
  });
});
