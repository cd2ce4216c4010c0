/**
 * The flaky-kinds fixture is what its manifest says, with the real vitest and jest: under its condition
 * each kind's test fails sometimes and passes sometimes; it passes alone when its condition is more than
 * that; the correct fix passes every run under the condition; the partial fix still fails.
 *
 * Runs. A true failure rate r shows no failure in K runs with probability (1 - r)^K. Conditions whose runs
 * share one runner process (isolated, timezone, locale: copies of the test file, see flaky-conditions.ts)
 * take K = 31: a rate of 0.2, the least the manifest may claim, is missed with probability < 0.001.
 * Conditions that need a runner process per run (shuffled, parallel) take K = 20, which misses a rate of
 * 0.3 with probability < 0.001; the manifest claims at least 0.3 for those kinds (bench/flaky-kinds.js
 * measures the rates), and 31 processes per run there would take minutes more. The correct fix must pass
 * all K runs. A partial fix runs K' times, K' chosen from its own rate `partialRate` in the manifest so
 * that a partial fix that keeps that rate shows no failure (and this test wrongly fails) with probability
 * < 0.01: K' = 21 at 0.2, 29 at 0.15, 12 at 0.33. Under the per-process conditions, where each run costs
 * a runner process, a partial fix stops at its first failure and the original once it has failed and
 * passed: that settles their claims, so K is the most runs the original may take.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testIdOf } from '../../src/junit/types.ts';
import { CAUSE_NAMES } from '../../src/triage/types.ts';
import {
  type Condition,
  FIXTURE,
  type KindEntry,
  RUNNERS,
  readManifest,
  Scratch,
  sampleCondition,
  sampleKey,
  type Tally,
  type Variant,
} from './flaky-conditions.ts';

const manifest = readManifest();

/** Runs that show a rate of at least `rate` at least once, but with probability `miss`. */
const runsFor = (rate: number, miss: number) => Math.ceil(Math.log(miss) / Math.log(1 - rate));
/** One runner process per run under these. */
const PER_PROCESS: readonly Condition[] = ['shuffled', 'parallel'];
const LEAST_RATE = (condition: Condition) => (PER_PROCESS.includes(condition) ? 0.3 : 0.2);
const K = (condition: Condition) => runsFor(LEAST_RATE(condition), 0.001);
const partialRuns = (entry: KindEntry) => runsFor(entry.partialRate, 0.01);
/** Further rounds of partialRuns for a partial fix that has not failed yet (see the group test). */
const PARTIAL_ROUNDS = 3;
/** Runs alone of a test whose condition is more than that: all must pass. */
const ALONE_RUNS = 8;
/** Minutes a group of runs may take on a busy 2-core machine. */
const GROUP_TIMEOUT = 40 * 60_000;

const describeTally = (tally: Tally) =>
  `${tally.failures} failures in ${tally.runs} runs${tally.messages.length ? `: ${tally.messages.join(' | ')}` : ''}`;

const VARIANTS: readonly Variant[] = ['original', 'correct', 'partial'];

/**
 * Whether a variant's claim under a per-process condition still needs runs, given its tally so far: the
 * correct fix's (it passes every one of K runs) until K; the original's (it fails and passes) until it has
 * done both, or K; the partial fix's (it still fails) until its first failure.
 */
function stillNeeded(entry: KindEntry, variant: Variant, tally: Tally | undefined): boolean {
  const runs = tally?.runs ?? 0;
  const failures = tally?.failures ?? 0;
  if (variant === 'correct') return runs < K(entry.condition);
  if (variant === 'original') return (failures === 0 || failures === runs) && runs < K(entry.condition);
  return failures === 0 && runs < (1 + PARTIAL_ROUNDS) * partialRuns(entry);
}

function sumTallies(sum: Tally | undefined, more: Tally): Tally {
  if (!sum) return more;
  return {
    runs: sum.runs + more.runs,
    failures: sum.failures + more.failures,
    seconds: sum.seconds + more.seconds,
    messages: [...new Set([...sum.messages, ...more.messages])],
  };
}

describe('the flaky-kinds fixture and its manifest', () => {
  it('lists at least 12 kinds, each with files that exist and a cause triage knows', () => {
    expect(manifest.kinds.length).toBeGreaterThanOrEqual(12);
    const kinds = manifest.kinds.map((k) => k.kind);
    expect(new Set(kinds).size).toBe(kinds.length);
    for (const entry of manifest.kinds) {
      expect(CAUSE_NAMES).toContain(entry.cause);
      expect(entry.expectedRate).toBeGreaterThanOrEqual(LEAST_RATE(entry.condition));
      expect(entry.partialRate).toBeGreaterThanOrEqual(0.05);
      expect(entry.partialRate).toBeLessThan(entry.expectedRate);
      expect(entry.testId).toBe(testIdOf(entry.file, entry.suite, entry.name));
      expect(entry.test).toBe([...entry.suite, entry.name].join(' '));
      for (const project of Object.values(manifest.projects))
        expect(readFileSync(join(FIXTURE, project, entry.file), 'utf8')).toContain(`'${entry.name}'`);
      for (const fix of [entry.correctFix, entry.partialFix])
        expect(readFileSync(join(FIXTURE, fix), 'utf8')).toContain(`'${entry.name}'`);
    }
  });

  it('has the same test files for vitest and jest', () => {
    const files = readdirSync(join(FIXTURE, manifest.projects.vitest, 'tests')).sort();
    expect(readdirSync(join(FIXTURE, manifest.projects.jest, 'tests')).sort()).toEqual(files);
    for (const file of files) {
      expect(readFileSync(join(FIXTURE, 'jest', 'tests', file), 'utf8'), file).toBe(
        readFileSync(join(FIXTURE, 'vitest', 'tests', file), 'utf8'),
      );
    }
  });
});

// vitest's and jest's batches use separate projects, ports and temp folders, so the two runners' groups
// run at once; the batches of one runner wait for each other (see runBatch).
describe.concurrent('each kind under its condition, with the real vitest and jest', () => {
  let scratch: Scratch;
  beforeAll(() => {
    scratch = new Scratch();
  });
  afterAll(() => scratch?.remove());

  const conditions = [...new Set(manifest.kinds.map((k) => k.condition))];
  // Runner by runner within a condition: a concurrent test waiting for its runner's batches must not keep
  // the other runner's groups from starting (vitest runs at most 5 concurrent tests).
  const groups = conditions.flatMap((condition) => RUNNERS.map((runner) => [runner, condition] as const));

  it.each(groups)(
    '%s, %s: flaky under it; the correct fix is not, the partial one still is',
    async (runner, condition) => {
      const kinds = manifest.kinds.filter((k) => k.condition === condition);
      const found = new Map<string, Tally>();
      const add = (more: Map<string, Tally>) => {
        for (const [key, tally] of more) found.set(key, sumTallies(found.get(key), tally));
      };
      const tally = (entry: KindEntry, variant: Variant) => found.get(sampleKey({ entry, variant }))!;
      if (PER_PROCESS.includes(condition)) {
        // A runner process per run: run by run, each variant only while its claim is still open. The
        // correct fix takes all K runs; the original stops once it has failed and passed, a partial fix at
        // its first failure: that settles their claims (the runs after could not change the outcome).
        for (;;) {
          const samples = kinds.flatMap((entry) =>
            VARIANTS.filter((variant) =>
              stillNeeded(entry, variant, found.get(sampleKey({ entry, variant }))),
            ).map((variant) => ({ entry, variant })),
          );
          if (samples.length === 0) break;
          add(await sampleCondition(scratch, runner, condition, samples, 1));
        }
      } else {
        // Copies in one process: a batch runs them all; a partial fix that has not failed yet runs on, up
        // to PARTIAL_ROUNDS more rounds (a rate of partialRate misses a round one time in a hundred, and a
        // loaded machine shifts timing rates).
        const all = kinds.flatMap((entry) => VARIANTS.map((variant) => ({ entry, variant })));
        const partial = Math.max(...kinds.map(partialRuns));
        add(await sampleCondition(scratch, runner, condition, all, Math.max(K(condition), partial)));
        for (let round = 0; round < PARTIAL_ROUNDS; round++) {
          const unproven = kinds.filter((entry) => tally(entry, 'partial').failures === 0);
          if (unproven.length === 0) break;
          const samples = unproven.map((entry) => ({ entry, variant: 'partial' as const }));
          add(await sampleCondition(scratch, runner, condition, samples, partial));
        }
      }
      for (const entry of kinds) {
        const where = `${entry.kind} (${runner}, ${condition})`;
        const original = tally(entry, 'original');
        const correct = tally(entry, 'correct');
        const fix = tally(entry, 'partial');
        // A flake: it fails and passes under its condition (in copies, all K of them ran).
        if (!PER_PROCESS.includes(condition))
          expect(original.runs, where).toBeGreaterThanOrEqual(K(condition));
        expect(original.failures, `${where}: ${describeTally(original)}`).toBeGreaterThan(0);
        expect(original.failures, `${where}: ${describeTally(original)}`).toBeLessThan(original.runs);
        // The correct fix removes it; the partial one does not.
        expect(correct.runs, where).toBeGreaterThanOrEqual(K(condition));
        expect(correct.failures, `${where}, correct fix: ${describeTally(correct)}`).toBe(0);
        expect(fix.failures, `${where}, partial fix: ${describeTally(fix)}`).toBeGreaterThan(0);
      }
    },
    GROUP_TIMEOUT,
  );

  it.each(RUNNERS)(
    '%s: a test whose condition is more than "alone" passes alone',
    async (runner) => {
      const needy = manifest.kinds
        .filter((k) => k.condition !== 'isolated')
        .map((entry) => ({ entry, variant: 'original' as const }));
      const solo = await sampleCondition(scratch, runner, 'isolated', needy, ALONE_RUNS);
      for (const { entry } of needy) {
        const tally = solo.get(sampleKey({ entry, variant: 'original' }))!;
        expect(tally.runs).toBe(ALONE_RUNS);
        expect(tally.failures, `${entry.kind} alone (${runner}): ${describeTally(tally)}`).toBe(0);
      }
    },
    GROUP_TIMEOUT,
  );
});
