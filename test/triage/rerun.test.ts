import { cpSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { analyzeAttempts } from '../../src/triage/analyze.ts';
import { rerunSuspects } from '../../src/triage/rerun.ts';
import type { TriageResult } from '../../src/triage/types.ts';
import { testloopInProcess } from '../helpers/cli.ts';
import { TempRepo } from '../helpers/git-repo.ts';
import { pattern } from './build.ts';
import { writeJUnit } from './junit-writer.ts';

const FIXTURE = join(import.meta.dirname, '../fixtures/triage/rerun');
const NODE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));
const FLIPS = 'test/flaky.test.ts › checkout › flips on every run';
const ORDER = 'test/order.test.ts › registry › starts empty';
const PASSES = 'test/flaky.test.ts › checkout › always passes';

/** History in which both suspects look flaky: failures between passes. */
function history() {
  return [
    ...pattern(FLIPS, 'PPFPPPFPPP', {
      message: 'AssertionError: run 3: expected 1 to be +0 // Object.is equality',
    }),
    ...pattern(ORDER, 'PFPPPPPFPP', { message: "AssertionError: expected [ 'a' ] to deeply equal []" }),
    ...pattern(PASSES, 'PPPPPPPPPP'),
  ];
}

describe('triage --rerun on a vitest project with a flaky and an order-dependent test', () => {
  let repo: TempRepo;

  beforeAll(() => {
    repo = new TempRepo('testloop-triage-rerun-');
    cpSync(FIXTURE, repo.dir, { recursive: true });
    mkdirSync(join(repo.dir, 'node_modules'));
    for (const entry of readdirSync(NODE_MODULES)) {
      if (!entry.startsWith('.vite') && entry !== '.cache')
        symlinkSync(join(NODE_MODULES, entry), join(repo.dir, 'node_modules', entry));
    }
    repo.commit('fixture');
  });
  afterAll(() => repo.remove());
  beforeEach(() => rmSync(join(repo.dir, '.counter'), { force: true }));

  it('confirms the flaky test (fails alone too) and finds the order dependency (fails only with its file)', {
    timeout: 180_000,
  }, async () => {
    const before = analyzeAttempts(history());
    expect(
      before.findings
        .filter((f) => f.verdict === 'flaky')
        .map((f) => f.testId)
        .sort(),
    ).toEqual([FLIPS, ORDER]);
    const lines: string[] = [];
    const after: TriageResult = await rerunSuspects(before, {
      cwd: repo.dir,
      times: 4,
      log: (l) => lines.push(l),
    });
    const by = (id: string) => after.findings.find((f) => f.testId === id)!;

    // The counter file makes runs 1, 3, 5, 7 fail: twice alone, twice with the file.
    expect(by(FLIPS).rerun).toEqual({
      alone: { runs: 4, failures: 2 },
      shuffled: { runs: 4, failures: 2 },
      confirmedFlaky: true,
      orderDependent: false,
    });
    expect(by(FLIPS).confidence).toBeGreaterThanOrEqual(0.95);
    expect(by(FLIPS).evidence!.at(-1)).toBe(
      'rerun: failed 2 of 4 runs alone, 2 of 4 shuffled with the rest of test/flaky.test.ts',
    );

    const order = by(ORDER);
    expect(order.rerun!.alone).toEqual({ runs: 4, failures: 0 });
    expect(order.rerun!.shuffled.runs).toBe(4);
    expect(order.rerun!.shuffled.failures).toBeGreaterThan(0);
    expect(order.rerun!.orderDependent).toBe(true);
    expect(order.causes[0]).toMatchObject({
      cause: 'order-dependency',
      score: 0.9,
      evidence: [
        expect.stringMatching(
          /^rerun: failed 0 of 4 runs alone, [1-4] of 4 shuffled with the rest of test\/order\.test\.ts$/,
        ),
      ],
      fix: expect.stringContaining('restoreAllMocks'),
    });
    expect(lines).toEqual([
      `testloop: rerunning ${FLIPS} 4× alone and 4× shuffled (vitest)`,
      `testloop: rerunning ${ORDER} 4× alone and 4× shuffled (vitest)`,
    ]);
  });

  it('through the CLI: ingest, then triage --rerun 2 --format json', { timeout: 180_000 }, async () => {
    const attempts = history();
    const runIds = [...new Set(attempts.map((a) => a.runId))];
    for (const [i, runId] of runIds.entries()) {
      const report = join(repo.dir, `junit-${runId}.xml`);
      writeFileSync(
        report,
        writeJUnit(
          attempts.filter((a) => a.runId === runId),
          'vitest',
        ),
      );
      const started = attempts.find((a) => a.runId === runId)!.startedAt!;
      const ingest = await testloopInProcess(
        [
          'ingest',
          report,
          '--commit',
          `c${i + 1}`,
          '--run-id',
          runId,
          '--job',
          'test',
          '--started-at',
          started,
        ],
        { cwd: repo.dir },
      );
      expect(ingest.status).toBe(0);
    }
    const result = await testloopInProcess(['triage', '--rerun', '2', '--format', 'json'], { cwd: repo.dir });
    expect(result.status).toBe(0);
    expect(result.stderr).toContain(`testloop: rerunning ${ORDER} 2× alone and 2× shuffled (vitest)`);
    const parsed = JSON.parse(result.stdout) as TriageResult;
    const flips = parsed.findings.find((f) => f.testId === FLIPS)!;
    expect(flips.rerun).toMatchObject({ alone: { runs: 2, failures: 1 }, confirmedFlaky: true });
    const order = parsed.findings.find((f) => f.testId === ORDER)!;
    expect(order.rerun!.alone).toEqual({ runs: 2, failures: 0 });
  });
});
