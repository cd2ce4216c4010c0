import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredAttempt } from '../../src/history/types.ts';
import { readReport } from '../../src/junit/registry.ts';
import { analyzeAttempts } from '../../src/triage/analyze.ts';
import type { TriageResult } from '../../src/triage/types.ts';
import { writeJUnit, writeVitestLog } from './junit-writer.ts';
import { type Simulation, simulate } from './simulate.ts';

interface Score {
  flipped: number;
  detected: number;
  truePositives: number;
  recall: number;
  precision: number;
  missed: string[];
  falsePositives: string[];
}

function score(sim: Simulation, result: TriageResult): Score {
  const injected = new Set(
    sim.tests.filter((t) => t.kind === 'flaky' || t.kind === 'cluster').map((t) => t.testId),
  );
  const detected = result.findings.filter((f) => f.verdict === 'flaky').map((f) => f.testId);
  const truePositives = detected.filter((id) => injected.has(id)).length;
  const missed = [...sim.flipped].filter((id) => !detected.includes(id));
  return {
    flipped: sim.flipped.size,
    detected: detected.length,
    truePositives,
    recall: (sim.flipped.size - missed.length) / sim.flipped.size,
    precision: detected.length === 0 ? 1 : truePositives / detected.length,
    missed,
    falsePositives: detected.filter((id) => !injected.has(id)),
  };
}

function expectSound(sim: Simulation, result: TriageResult): Score {
  const s = score(sim, result);
  expect(s.missed).toEqual([]);
  expect(s.recall).toBe(1);
  expect(s.precision).toBeGreaterThanOrEqual(0.95);
  const byId = new Map(result.findings.map((f) => [f.testId, f]));
  // Every injected regression is broken from the commit it was injected at, never flaky.
  for (const test of sim.tests.filter((t) => t.kind === 'regression')) {
    const finding = byId.get(test.testId)!;
    expect([test.testId, finding.verdict]).toEqual([test.testId, 'broken']);
    expect(finding.since).toBe(sim.runs[test.brokenFrom!]!.commit);
  }
  // Outages are set aside and produce no findings: stable tests stay healthy.
  expect(result.stats.outageRuns).toBe(sim.outages.length);
  for (const test of sim.tests.filter((t) => t.kind === 'stable')) {
    const finding = byId.get(test.testId)!;
    expect([test.testId, finding.verdict]).toEqual([test.testId, 'healthy']);
    expect(finding.note).toBe(`no flake seen in ${sim.runs.length - sim.outages.length} runs`);
  }
  return s;
}

describe('simulation: 320 tests over 240 runs (seeded)', () => {
  const sim = simulate();
  let direct: TriageResult;

  beforeAll(() => {
    direct = analyzeAttempts(sim.attempts);
  });

  it('finds every test that flipped, with precision ≥ 0.95, no regression called flaky, no outage findings', () => {
    const s = expectSound(sim, direct);
    const counts = {
      tests: sim.tests.length,
      runs: sim.runs.length,
      attempts: sim.attempts.length,
      injectedFlaky: sim.tests.filter((t) => t.kind === 'flaky' || t.kind === 'cluster').length,
      flipped: s.flipped,
      detectedFlaky: s.detected,
      recall: s.recall,
      precision: s.precision,
      broken: direct.stats.broken,
      outageRuns: direct.stats.outageRuns,
      ms: direct.stats.ms,
    };
    console.log(`simulation: ${JSON.stringify(counts)}`);
    // Injected flakes that never failed in the window cannot be seen: they are healthy, never "not flaky".
    for (const test of sim.tests.filter((t) => t.kind === 'flaky' && !sim.flipped.has(t.testId))) {
      const finding = direct.findings.find((f) => f.testId === test.testId)!;
      expect(finding.note ?? '').not.toMatch(/not flaky/);
    }
  });

  it('names the injected cause first for flaky tests with two failures or more', () => {
    const byId = new Map(sim.tests.map((t) => [t.testId, t]));
    const judged = direct.findings.filter((f) => f.verdict === 'flaky' && f.failures >= 2);
    const right = judged.filter((f) => f.causes[0]?.cause === byId.get(f.testId)!.cause);
    expect(right.length / judged.length).toBeGreaterThanOrEqual(0.9);
  });

  it('ranks the frequent flakes above the rare ones, and lists co-failing clusters on each member', () => {
    const flaky = direct.findings.filter((f) => f.verdict === 'flaky');
    const pipelines = flaky.map((f) => f.impact.failedPipelines);
    expect(pipelines).toEqual([...pipelines].sort((a, b) => b - a));
    for (const c of [0, 1]) {
      const members = sim.tests.filter((t) => t.cluster === c).map((t) => t.testId);
      for (const id of members) {
        const finding = direct.findings.find((f) => f.testId === id)!;
        expect(finding.cluster).toEqual(members.filter((m) => m !== id).sort());
      }
    }
    // The three tests one commit broke fail together (a regression one commit earlier may join them).
    const together = sim.tests.filter((t) => t.brokenFrom === 160).map((t) => t.testId);
    for (const id of together) {
      const finding = direct.findings.find((f) => f.testId === id)!;
      expect(finding.cluster).toEqual(expect.arrayContaining(together.filter((m) => m !== id)));
    }
  });

  it('confidence is higher for frequent flakes than for single flips', () => {
    const flaky = direct.findings.filter((f) => f.verdict === 'flaky');
    const single = flaky.filter((f) => f.failures === 1);
    const frequent = flaky.filter((f) => f.failures >= 10);
    expect(Math.max(...single.map((f) => f.confidence))).toBeLessThan(
      Math.min(...frequent.map((f) => f.confidence)),
    );
  });

  describe('through JUnit files in three dialects and vitest logs, read back by the report registry', () => {
    let dir: string;
    let readBack: TriageResult;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'testloop-sim-'));
      const formats = ['vitest', 'jest-junit', 'generic', 'vitest-log'] as const;
      const all: StoredAttempt[] = [];
      for (const run of sim.runs) {
        const format = formats[run.index % formats.length]!;
        const attempts = sim.attempts.filter((a) => a.runId === run.runId);
        const path = join(dir, `run-${run.runId}.${format === 'vitest-log' ? 'txt' : 'xml'}`);
        writeFileSync(
          path,
          format === 'vitest-log' ? writeVitestLog(attempts) : writeJUnit(attempts, format),
        );
        for await (const attempt of readReport(path)) {
          all.push({
            ...attempt,
            runId: run.runId,
            commit: run.commit,
            attempt: 1,
            job: 'test',
            startedAt: run.startedAt,
          });
        }
      }
      readBack = analyzeAttempts(all);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('reads the same tests and attempts and reaches the same verdicts', () => {
      expect(readBack.stats).toMatchObject({
        tests: direct.stats.tests,
        attempts: direct.stats.attempts,
        runs: direct.stats.runs,
        outageRuns: direct.stats.outageRuns,
      });
      const verdicts = (r: TriageResult) => Object.fromEntries(r.findings.map((f) => [f.testId, f.verdict]));
      expect(verdicts(readBack)).toEqual(verdicts(direct));
      expectSound(sim, readBack);
    });

    it('keeps the top causes (logs lose the message of a failure a retry recovered, so ≥ 90%)', () => {
      const top = (r: TriageResult) =>
        new Map(r.findings.filter((f) => f.verdict !== 'healthy').map((f) => [f.testId, f.causes[0]?.cause]));
      const before = top(direct);
      const after = top(readBack);
      const same = [...before].filter(([id, cause]) => after.get(id) === cause).length;
      console.log(`top causes kept after the round trip: ${same} of ${before.size}`);
      expect(same / before.size).toBeGreaterThanOrEqual(0.9);
    });
  });
});
