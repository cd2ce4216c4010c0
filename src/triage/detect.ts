import type { Execution, TestHistory, TriageThresholds } from './model.ts';
import type { Verdict } from './types.ts';

export interface Detection {
  verdict: Verdict;
  runs: number;
  failures: number;
  flipRate: number;
  confidence: number;
  /** Broken: the commit the failures start at. Flaky: the commit of the first failure. */
  since?: string;
  /** When that run started (ISO), when known. */
  sinceAt?: string;
  /** Why the verdict: retries that recovered, same-commit passes, the streak. */
  evidence: string[];
  note?: string;
}

interface Streak {
  length: number;
  since: Execution;
  /** Earlier failure rate, regression streaks left out. */
  priorRate: number;
  passesBefore: number;
  /** `branch feature-x` or `job windows` when the streak is in one branch or job only. */
  where?: string;
}

/**
 * The verdict for one test, from its executions outside outage runs (in run order):
 * - broken: it fails every time (no passing retry) from some run up to the latest, and that streak is
 *   improbable as a run of flakes: p^L < brokenOdds, p being its earlier failure rate (a test that never
 *   failed before is broken from its first failure on). Checked over all runs, then per job, so a test
 *   broken on one OS only is broken too. A streak shorter than fixedStreakRuns whose commits also passed
 *   before is flaky instead.
 * - flaky: it failed and passed on the same commit (a failed attempt then a passing retry, or two runs),
 *   or a failure was followed by a pass. An earlier streak of fixedStreakRuns+ hard failures that is
 *   improbable as flakes and shares no commit with a pass is a fixed regression, not flakiness.
 * - healthy otherwise, with "no flake seen in N runs": absence of evidence, never a claim.
 */
export function detect(history: TestHistory, t: TriageThresholds): Detection {
  const ex = history.executions;
  const n = ex.length;
  const failures = ex.filter((e) => e.failed).length;
  let flips = 0;
  for (let i = 1; i < n; i++) if (ex[i]!.failed !== ex[i - 1]!.failed) flips++;
  const flipRate = n > 1 ? round(flips / (n - 1), 3) : 0;
  const base = { runs: n, failures, flipRate };
  if (failures === 0) return healthy(base, n, []);

  // Runs of different branches are different lines of code: streaks and transitions are read per branch.
  const lines = linesBy(ex, (e) => e.run.branch ?? '');
  const fixed = fixedExecutions(ex, lines, t);
  const streak =
    brokenStreak(ex, fixed, t) ??
    groupStreak(ex, fixed, t, lines, 'branch', 1) ??
    groupStreak(
      ex,
      fixed,
      t,
      linesBy(ex, (e) => e.run.job),
      'job',
      2,
    );
  if (streak) return broken(base, streak);

  const counted = ex.filter((_, i) => !fixed.has(i));
  const recovered = counted.filter((e) => e.recovered);
  const mixed = mixedCommits(counted);
  const strength = recovered.length + mixed.length + 0.5 * recoveries(ex, lines, fixed);
  if (strength === 0 && counted.every((e) => !e.failed)) {
    return healthy(base, n, fixedNote(ex, fixed));
  }
  const evidence: string[] = [];
  for (const e of recovered.slice(0, 2)) {
    const retry = e.attempts.find((a, i) => i > 0 && a.status === 'passed')?.retry ?? 1;
    evidence.push(
      `failed, then passed on retry ${retry} in run ${e.run.runId} (commit ${short(e.run.commit)})`,
    );
  }
  for (const m of mixed.slice(0, 2)) {
    evidence.push(
      `failed in run ${m.failed.run.runId} and passed in run ${m.passed.run.runId} on the same commit ${short(m.commit)}`,
    );
  }
  evidence.push(`failed in ${failures} of ${n} runs with ${flips} flip${flips === 1 ? '' : 's'}`);
  const first = counted.find((e) => e.failed)!;
  return {
    verdict: 'flaky',
    ...base,
    confidence: round((1 - Math.exp(-Math.max(strength, 0.25))) * (n / (n + 5)), 2),
    since: first.run.commit,
    ...(first.run.startedAt ? { sinceAt: first.run.startedAt } : {}),
    evidence,
  };
}

/** The executions of fixed regressions, found per line of runs (see fixedEpisodes). */
function fixedExecutions(
  ex: readonly Execution[],
  lines: ReadonlyMap<string, number[]>,
  t: TriageThresholds,
): Set<number> {
  const fixed = new Set<number>();
  for (const line of lines.values()) {
    for (const k of fixedEpisodes(
      line.map((i) => ex[i]!),
      t,
    ))
      fixed.add(line[k]!);
  }
  return fixed;
}

/** Failures (outside fixed regressions) followed by a pass in the next run of the same line. */
function recoveries(
  ex: readonly Execution[],
  lines: ReadonlyMap<string, number[]>,
  fixed: ReadonlySet<number>,
) {
  let transitions = 0;
  for (const line of lines.values()) {
    for (let k = 0; k + 1 < line.length; k++) {
      const i = line[k]!;
      if (!fixed.has(i) && ex[i]!.failed && !ex[line[k + 1]!]!.failed) transitions++;
    }
  }
  return transitions;
}

function broken(base: Pick<Detection, 'runs' | 'failures' | 'flipRate'>, streak: Streak): Detection {
  const confidence =
    (1 - Math.exp(-streak.length / 2)) * (1 - streak.priorRate) * (streak.passesBefore > 0 ? 1 : 0.8);
  const where = streak.where ? ` of ${streak.where}` : '';
  return {
    verdict: 'broken',
    ...base,
    confidence: round(confidence, 2),
    since: streak.since.run.commit,
    ...(streak.since.run.startedAt ? { sinceAt: streak.since.run.startedAt } : {}),
    evidence: [
      `fails in every run${where} since commit ${short(streak.since.run.commit)} (${streak.length} run${streak.length === 1 ? '' : 's'}, first in run ${streak.since.run.runId}); passed in ${streak.passesBefore} run${streak.passesBefore === 1 ? '' : 's'} before`,
    ],
  };
}

/** The verdict of a test that did not fail in its `n` runs (no attempt failed, or all in outage runs). */
export function quietDetection(n: number): Detection {
  return healthy({ runs: n, failures: 0, flipRate: 0 }, n, []);
}

function healthy(
  base: { runs: number; failures: number; flipRate: number },
  n: number,
  evidence: string[],
): Detection {
  return {
    verdict: 'healthy',
    ...base,
    confidence: round(1 - Math.exp(-n / 30), 2),
    evidence,
    note: `no flake seen in ${n} runs`,
  };
}

/** A hard failure: the run failed and no attempt of it passed. */
function hard(e: Execution): boolean {
  return e.failed && !e.recovered;
}

/** Indexes of earlier regressions that were fixed: long hard-failure streaks improbable as flakes. */
function fixedEpisodes(ex: readonly Execution[], t: TriageThresholds): Set<number> {
  const fixed = new Set<number>();
  const total = ex.filter((e) => e.failed).length;
  for (let start = 0; start < ex.length; ) {
    if (!hard(ex[start]!)) {
      start++;
      continue;
    }
    let end = start;
    while (end + 1 < ex.length && hard(ex[end + 1]!)) end++;
    const length = end - start + 1;
    const trailing = end === ex.length - 1;
    if (!trailing && length >= t.fixedStreakRuns) {
      const others = ex.length - length;
      const p = others > 0 ? (total - length) / others : 0;
      const commits = new Set(ex.slice(start, end + 1).map((e) => e.run.commit));
      const passedThere = ex.some((e) => !e.failed && commits.has(e.run.commit));
      if (p ** length < t.brokenOdds && !passedThere) for (let i = start; i <= end; i++) fixed.add(i);
    }
    start = end + 1;
  }
  return fixed;
}

function brokenStreak(
  ex: readonly Execution[],
  fixed: ReadonlySet<number>,
  t: TriageThresholds,
): Streak | undefined {
  let length = 0;
  while (length < ex.length && hard(ex[ex.length - 1 - length]!)) length++;
  if (length === 0) return undefined;
  const cut = ex.length - length;
  const before = ex.slice(0, cut);
  let priorFailures = 0;
  for (let i = 0; i < cut; i++) if (ex[i]!.failed && !fixed.has(i)) priorFailures++;
  const priorRate = before.length > 0 ? priorFailures / before.length : 0;
  if (priorRate > 0 && priorRate ** length >= t.brokenOdds) return undefined;
  if (length < t.fixedStreakRuns) {
    const commits = new Set(ex.slice(cut).map((e) => e.run.commit));
    if (before.some((e) => !e.failed && commits.has(e.run.commit))) return undefined;
  }
  return {
    length,
    since: ex[cut]!,
    priorRate,
    passesBefore: before.filter((e) => !e.failed).length,
  };
}

/** Indexes of the executions per value of `key`, in run order. */
function linesBy(ex: readonly Execution[], key: (e: Execution) => string): Map<string, number[]> {
  const lines = new Map<string, number[]>();
  ex.forEach((e, i) => {
    const k = key(e);
    const line = lines.get(k);
    if (line) line.push(i);
    else lines.set(k, [i]);
  });
  return lines;
}

/**
 * A streak in one branch or one job only, when the runs of several interleave (a test broken on one OS,
 * or on a feature branch). It must be improbable as flakes given the failure rate of all the test's
 * other runs, and at least `minLength` long (a single failing job among passing ones on the same commit
 * is flakiness evidence, not a break).
 */
function groupStreak(
  ex: readonly Execution[],
  fixed: ReadonlySet<number>,
  t: TriageThresholds,
  lines: ReadonlyMap<string, number[]>,
  label: string,
  minLength: number,
): Streak | undefined {
  if (lines.size < 2) return undefined;
  for (const [value, line] of lines) {
    const own = line.map((i) => ex[i]!);
    const ownFixed = new Set(line.flatMap((i, k) => (fixed.has(i) ? [k] : [])));
    const streak = brokenStreak(own, ownFixed, t);
    if (!streak || streak.length < minLength || (streak.passesBefore === 0 && minLength > 1)) continue;
    const inStreak = new Set(line.slice(line.length - streak.length));
    let outside = 0;
    let failures = 0;
    ex.forEach((e, i) => {
      if (inStreak.has(i)) return;
      outside++;
      if (e.failed && !fixed.has(i)) failures++;
    });
    const priorRate = outside > 0 ? failures / outside : 0;
    if (priorRate > 0 && priorRate ** streak.length >= t.brokenOdds) continue;
    return { ...streak, priorRate, where: `${label} ${value}` };
  }
  return undefined;
}

interface Mixed {
  commit: string;
  failed: Execution;
  passed: Execution;
}

/** Commits with a hard failure in one run and a pass in another. */
function mixedCommits(ex: readonly Execution[]): Mixed[] {
  const byCommit = new Map<string, { failed?: Execution; passed?: Execution }>();
  for (const e of ex) {
    const entry = byCommit.get(e.run.commit) ?? {};
    if (hard(e)) entry.failed ??= e;
    else if (!e.failed) entry.passed ??= e;
    byCommit.set(e.run.commit, entry);
  }
  const out: Mixed[] = [];
  for (const [commit, entry] of byCommit) {
    if (entry.failed && entry.passed) out.push({ commit, failed: entry.failed, passed: entry.passed });
  }
  return out;
}

function fixedNote(ex: readonly Execution[], fixed: ReadonlySet<number>): string[] {
  const indexes = [...fixed].sort((a, b) => a - b);
  if (indexes.length === 0) return [];
  const first = ex[indexes[0]!]!;
  const after = ex[indexes[indexes.length - 1]! + 1];
  return [
    `failed in ${indexes.length} runs from commit ${short(first.run.commit)} on, fixed${after ? ` by commit ${short(after.run.commit)}` : ''}: a past regression, not flakiness`,
  ];
}

export function short(commit: string): string {
  return /^[0-9a-f]{13,}$/i.test(commit) ? commit.slice(0, 12) : commit;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
