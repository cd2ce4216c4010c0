import { describe, expect, it } from 'vitest';
import type { StoredAttempt } from '../../src/history/types.ts';
import { analyzeAttempts } from '../../src/triage/analyze.ts';
import { attempt, run } from './build.ts';

const tests = Array.from({ length: 30 }, (_, i) => `test/t${String(i).padStart(2, '0')}.test.ts › case ${i}`);

/** 30 tests over `runs` runs; `fails(run, test)` says which attempts fail and with what message. */
function suite(runs: number, fails: (r: number, t: number) => string | undefined): StoredAttempt[] {
  const out: StoredAttempt[] = [];
  for (let r = 0; r < runs; r++) {
    tests.forEach((id, t) => {
      const message = fails(r, t);
      out.push(attempt(id, run(r), message ? 'failed' : 'passed', message ? { message } : {}));
    });
  }
  return out;
}

describe('outages are set aside', () => {
  it('a run where most tests failed produces no findings', () => {
    const result = analyzeAttempts(
      suite(20, (r, t) => (r === 7 && t < 25 ? 'Error: connect ECONNREFUSED 10.0.0.5:5432' : undefined)),
    );
    expect(result.stats).toMatchObject({ runs: 20, tests: 30, outageRuns: 1 });
    expect(result.stats.outages).toEqual([
      { runId: 'r8', attempt: 1, reason: '25 of 30 tests failed (83%)' },
    ]);
    expect(result.findings.every((f) => f.verdict === 'healthy')).toBe(true);
    expect(result.findings.find((f) => f.testId === tests[0])).toMatchObject({
      runs: 19,
      note: 'no flake seen in 19 runs',
    });
  });

  it('flaky tests are still judged on the runs outside the outage', () => {
    const result = analyzeAttempts(
      suite(20, (r, t) =>
        r === 7 && t < 25 ? 'boom' : t === 29 && (r === 3 || r === 12) ? 'flake' : undefined,
      ),
    );
    expect(result.findings[0]).toMatchObject({ testId: tests[29], verdict: 'flaky', runs: 19, failures: 2 });
    expect(result.findings.filter((f) => f.verdict !== 'healthy')).toHaveLength(1);
  });

  it('a run-level infrastructure signature makes an outage even when few tests failed', () => {
    const result = analyzeAttempts(
      suite(20, (r, t) => (r === 4 && t < 4 ? 'Error: Process completed with exit code 137.' : undefined)),
    );
    expect(result.stats.outageRuns).toBe(1);
    expect(result.stats.outages![0]!.reason).toBe(
      'infrastructure: 4 of 4 failures carry an infrastructure signature',
    );
    expect(result.findings.every((f) => f.verdict === 'healthy')).toBe(true);
  });

  it('an outage in the latest run is set aside too', () => {
    const result = analyzeAttempts(suite(10, (r, t) => (r === 9 && t < 20 ? 'ECONNRESET' : undefined)));
    expect(result.stats.outageRuns).toBe(1);
    expect(result.findings.every((f) => f.verdict === 'healthy')).toBe(true);
  });

  it('a mass failure that persists in every later run is a regression, not an outage', () => {
    const result = analyzeAttempts(
      suite(12, (r, t) => (r >= 8 && t < 15 ? 'TypeError: config.load is not a function' : undefined)),
    );
    expect(result.stats.outageRuns).toBe(0);
    const broken = result.findings.filter((f) => f.verdict === 'broken');
    expect(broken).toHaveLength(15);
    expect(broken.every((f) => f.since === 'c9')).toBe(true);
    // Broken together: one cluster with all 15.
    expect(broken[0]!.cluster).toHaveLength(14);
  });
});

describe('co-failure clusters', () => {
  it('tests failing in the same runs (Jaccard ≥ 0.8, ≥ 2 co-failures) are listed on each other', () => {
    const together = new Set([2, 9, 15, 22]);
    const result = analyzeAttempts(
      suite(30, (r, t) => {
        if ((t === 1 || t === 2 || t === 3) && together.has(r))
          return 'Error: connect ECONNREFUSED 127.0.0.1:6379';
        // Same runs but one: Jaccard 4/5 = 0.8, still in.
        if (t === 4 && (together.has(r) || r === 27)) return 'Error: connect ECONNREFUSED 127.0.0.1:6379';
        // Two of the runs only: Jaccard 2/4 = 0.5, out.
        if (t === 5 && (r === 2 || r === 9)) return 'flake';
        if (t === 6 && r === 22) return 'once';
        return undefined;
      }),
    );
    const by = (t: number) => result.findings.find((f) => f.testId === tests[t])!;
    expect(by(1).cluster).toEqual([tests[2], tests[3], tests[4]]);
    expect(by(4).cluster).toEqual([tests[1], tests[2], tests[3]]);
    expect(by(5).cluster).toBeUndefined();
    expect(by(6).cluster).toBeUndefined();
    expect(by(1).verdict).toBe('flaky');
  });

  it('a single co-failure is not a cluster', () => {
    const result = analyzeAttempts(suite(10, (r, t) => (r === 4 && (t === 1 || t === 2) ? 'x' : undefined)));
    expect(result.findings.some((f) => f.cluster)).toBe(false);
  });
});
