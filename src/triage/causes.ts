import { splitLines } from '../util/text.ts';
import { isFailure, type TestHistory, type TriageAttempt, type TriageThresholds } from './model.ts';
import { reorderEvidence } from './reorder.ts';
import { BROKEN_FIX, LINE_RULES, type LineRule, UNKNOWN_FIX } from './rules.ts';
import type { Cause, CauseName, Verdict } from './types.ts';

const MAX_EVIDENCE = 5;
const MAX_LINE = 300;
/** Stack frames inside dependencies and Node itself say nothing about the test. */
const FOREIGN_FRAME = /^\s*at .*(?:node_modules|node:internal|\(internal\/)/;

interface Hit {
  key: string;
  weight: number;
  lines: string[];
  fix?: string;
}

/** What one rule collected over every failed attempt of a test. */
interface Tally {
  hits: Hit[];
  /** Failed attempts with at least one hit. */
  covered: number;
}

/**
 * Ranks probable root causes of a test's failures: line rules over messages, stacks and output, plus the
 * duration rule (a failure much slower than the passing median), the environment rule (failures only in
 * one job or environment value) and the reorder rule (expected and received hold the same elements).
 * Score = (1 − Π(1 − weight) over the signatures seen) × (0.6 + 0.4 × share of failures they cover).
 */
export function diagnose(
  history: TestHistory,
  verdict: Verdict,
  thresholds: TriageThresholds,
  since?: string,
): Cause[] {
  const failed = history.executions.flatMap((e) => e.attempts.filter((a) => isFailure(a.status)));
  if (failed.length === 0) return [];
  const tallies = new Map<CauseName, Tally>();
  const tally = (cause: CauseName): Tally => {
    let t = tallies.get(cause);
    if (!t) {
      t = { hits: [], covered: 0 };
      tallies.set(cause, t);
    }
    return t;
  };

  for (const attempt of failed) {
    const signals = textSignals(attempt);
    for (const { cause, hits } of signals.rules) {
      const t = tally(cause);
      for (const hit of hits) addHit(t, hit.key, hit.weight, hit.lines, hit.fix);
      t.covered++;
    }
    if (signals.reorder) {
      const t = tally('unordered-collection');
      addHit(t, 'reorder', 0.85, signals.reorder);
      t.covered++;
    }
  }
  const slow = slowSignal(history, failed, thresholds);
  if (slow) {
    const t = tally('timeout');
    addHit(t, 'slow', slow.weight, slow.lines);
    t.covered = Math.max(t.covered, slow.covered);
  }
  const env = environmentSignal(history);
  if (env) {
    const t = tally('environment');
    addHit(t, 'environment', env.weight, [env.line]);
    t.covered = failed.length;
  }

  const causes: Cause[] = [];
  for (const [cause, t] of tallies) {
    if (t.hits.length === 0) continue;
    const strength = 1 - t.hits.reduce((p, h) => p * (1 - h.weight), 1);
    const score = round2(Math.min(0.99, strength) * (0.6 + 0.4 * Math.min(1, t.covered / failed.length)));
    const ordered = [...t.hits].sort((a, b) => b.weight - a.weight);
    const evidence = unique(ordered.flatMap((h) => h.lines)).slice(0, MAX_EVIDENCE);
    const rule = LINE_RULES.find((r) => r.cause === cause);
    const fix = ordered.find((h) => h.fix !== undefined)?.fix ?? rule?.fix ?? UNKNOWN_FIX;
    causes.push({ cause, score, evidence, fix });
  }
  causes.sort((a, b) => b.score - a.score || a.cause.localeCompare(b.cause));
  const top = causes[0]?.score ?? 0;
  if (top < thresholds.unknownBelow) {
    const first = unique(failed.map((a) => firstLine(a)).filter((l) => l !== '')).slice(0, 2);
    causes.unshift({
      cause: 'unknown',
      score: round2(Math.max(thresholds.unknownBelow, (1 - top) / 2)),
      evidence: first,
      fix: verdict === 'broken' && since ? BROKEN_FIX(since) : UNKNOWN_FIX,
    });
  }
  return causes;
}

/** Adds or raises a cause (reruns add order-dependency) and keeps the list ranked. */
export function mergeCause(causes: readonly Cause[], added: Cause): Cause[] {
  const rest = causes.filter((c) => c.cause !== added.cause && c.cause !== 'unknown');
  const existing = causes.find((c) => c.cause === added.cause);
  const merged: Cause = existing
    ? {
        ...existing,
        score: Math.max(existing.score, added.score),
        evidence: unique([...added.evidence, ...existing.evidence]).slice(0, MAX_EVIDENCE),
      }
    : added;
  return [...rest, merged].sort((a, b) => b.score - a.score || a.cause.localeCompare(b.cause));
}

/** What the line rules and the reorder rule find in one failure's text. */
interface Signals {
  /** Rules with at least one matching signature, in rule order, each with its hits in signature order. */
  rules: { cause: CauseName; hits: Hit[] }[];
  reorder: string[] | undefined;
}

/**
 * Signals per distinct failure text: the same message, stack and output recur in many failures (a
 * broken helper fails every test that calls it), and running every rule over them again gives the same
 * hits. Bounded: the cache starts over when full.
 */
const signalCache = new Map<string, Map<string, Map<string, Map<string, Signals>>>>();
let cachedSignals = 0;

function textSignals(attempt: TriageAttempt): Signals {
  const keys = [
    attempt.errorType ?? '',
    attempt.message ?? '',
    attempt.stack ?? '',
    attempt.output ?? '',
  ] as const;
  if (cachedSignals >= 5_000) {
    signalCache.clear();
    cachedSignals = 0;
  }
  const byOutput = child(child(child(signalCache, keys[0]), keys[1]), keys[2]);
  let signals = byOutput.get(keys[3]);
  if (!signals) {
    signals = computeSignals(attempt);
    byOutput.set(keys[3], signals);
    cachedSignals++;
  }
  return signals;
}

function child<V>(map: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let found = map.get(key);
  if (!found) {
    found = new Map();
    map.set(key, found);
  }
  return found;
}

/** The line rule whose signature matches one failure most strongly, as triage reads that failure. */
export function strongestLineCause(attempt: TriageAttempt): CauseName | undefined {
  let best: { cause: CauseName; weight: number } | undefined;
  for (const { cause, hits } of computeSignals(attempt).rules)
    for (const hit of hits) if (hit.weight > (best?.weight ?? 0)) best = { cause, weight: hit.weight };
  return best?.cause;
}

function computeSignals(attempt: TriageAttempt): Signals {
  const lines = linesOf(attempt);
  const rules: Signals['rules'] = [];
  for (const rule of LINE_RULES) {
    const hits = matchRule(rule, lines);
    if (hits.length > 0) rules.push({ cause: rule.cause, hits });
  }
  return { rules, reorder: reorderEvidence(`${attempt.message ?? ''}\n${attempt.stack ?? ''}`) };
}

function matchRule(rule: LineRule, lines: readonly string[]): Hit[] {
  const hits: Hit[] = [];
  for (const [index, signature] of rule.signatures.entries()) {
    const found = lines.filter((line) => signature.re.test(line));
    if (found.length === 0) continue;
    hits.push({
      key: String(index),
      weight: signature.weight,
      lines: found,
      ...(signature.fix === undefined ? {} : { fix: signature.fix }),
    });
  }
  return hits;
}

function addHit(t: Tally, key: string, weight: number, lines: readonly string[], fix?: string): void {
  const hit = t.hits.find((h) => h.key === key);
  if (hit) hit.lines = unique([...hit.lines, ...lines]);
  else t.hits.push({ key, weight, lines: unique(lines), ...(fix === undefined ? {} : { fix }) });
}

function linesOf(attempt: TriageAttempt): string[] {
  const text = [attempt.errorType, attempt.message, attempt.stack, attempt.output].filter(Boolean).join('\n');
  return unique(
    splitLines(text)
      .filter((line) => !FOREIGN_FRAME.test(line))
      .map(clip)
      .filter((line) => line !== ''),
  );
}

function firstLine(attempt: TriageAttempt): string {
  const text = attempt.message ?? attempt.stack ?? attempt.output ?? '';
  return clip(splitLines(text).find((l) => l.trim() !== '') ?? '');
}

/** Evidence is verbatim, trimmed, and cut at 300 characters. */
export function clip(line: string): string {
  const trimmed = line.trim();
  return trimmed.length > MAX_LINE ? `${trimmed.slice(0, MAX_LINE - 1)}…` : trimmed;
}

function slowSignal(
  history: TestHistory,
  failed: readonly TriageAttempt[],
  t: TriageThresholds,
): { weight: number; lines: string[]; covered: number } | undefined {
  const passing = history.executions
    .flatMap((e) => e.attempts)
    .filter((a) => a.status === 'passed')
    .map((a) => a.durationMs)
    .sort((a, b) => a - b);
  if (passing.length < 3) return undefined;
  const median = passing[Math.floor(passing.length / 2)]!;
  const limit = Math.max(median * t.slowFactor, median + 1000);
  const slow = failed.filter((a) => a.durationMs > limit);
  if (slow.length === 0) return undefined;
  const lines = slow
    .slice(0, 3)
    .map(
      (a) =>
        `failed attempt took ${Math.round(a.durationMs)} ms in run ${a.runId} (passing median ${Math.round(median)} ms)`,
    );
  return { weight: round2(0.5 + 0.2 * (slow.length / failed.length)), lines, covered: slow.length };
}

/** Failures only under one value of the job or an environment fact, while other values pass. */
function environmentSignal(history: TestHistory): { weight: number; line: string } | undefined {
  const dims = new Map<string, Map<string, { runs: number; failures: number }>>();
  for (const execution of history.executions) {
    const facts: Record<string, string> = { ...execution.environment };
    if (execution.run.job !== '') facts.job = execution.run.job;
    for (const [dim, value] of Object.entries(facts)) {
      let values = dims.get(dim);
      if (!values) {
        values = new Map();
        dims.set(dim, values);
      }
      const counts = values.get(value) ?? { runs: 0, failures: 0 };
      counts.runs++;
      if (execution.failed) counts.failures++;
      values.set(value, counts);
    }
  }
  for (const [dim, values] of dims) {
    if (values.size < 2) continue;
    const failing = [...values].filter(([, c]) => c.failures > 0);
    if (failing.length !== 1) continue;
    const [value, counts] = failing[0]!;
    if (counts.failures < 2) continue;
    const others = [...values].filter(([v]) => v !== value).reduce((n, [, c]) => n + c.runs, 0);
    if (others < 2) continue;
    return {
      weight: counts.failures / counts.runs >= 0.5 ? 0.85 : 0.75,
      line: `all ${counts.failures} failures ran with ${dim}=${value} (${counts.failures} of ${counts.runs} runs there); 0 of ${others} runs failed with another ${dim}`,
    };
  }
  return undefined;
}

function unique(lines: readonly string[]): string[] {
  return [...new Set(lines)];
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
