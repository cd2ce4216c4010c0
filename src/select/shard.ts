// Splits a selection across parallel CI machines. Every machine computes the whole selection and then
// keeps its own part, so the split must be a function of what every machine sees alike: the selected
// files, their sizes in the checkout, and the durations of the test history each one restored.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { TestloopError } from '../errors.ts';
import type { FileStats } from '../history/types.ts';
import { statsOf } from './history-priors.ts';
import type { SelectedTest, SelectResult } from './types.ts';

export interface ShardSpec {
  /** 1-based, as vitest, jest and Playwright count shards. */
  index: number;
  total: number;
  /** Where the numbers came from: the flag, or the CI variables that `auto` read. */
  source: string;
}

export interface ShardSummary {
  index: number;
  total: number;
  /** The shard's expected running time, from the history's durations and the files' sizes. */
  estimatedMs: number;
  /** Test files in the whole selection, before it was split. */
  selectedTests: number;
  /** How the durations were known: every file from the history, some, or none (sizes only). */
  basis: 'history' | 'history+size' | 'size';
}

/**
 * Whether a runner may be left to find every test itself: a whole selection of everything, not one
 * shard of it (a shard of "all" is still a list of files).
 */
export function runsEverything(result: SelectResult): boolean {
  return result.all && (result.shard === undefined || result.shard.total === 1);
}

/** The CI parallelism variables `--shard auto` reads, in order, with the base of their index. */
const CI_SHARD_VARIABLES: readonly { index: string; total: string; base: 0 | 1 }[] = [
  { index: 'CIRCLE_NODE_INDEX', total: 'CIRCLE_NODE_TOTAL', base: 0 },
  { index: 'BUILDKITE_PARALLEL_JOB', total: 'BUILDKITE_PARALLEL_JOB_COUNT', base: 0 },
  { index: 'CI_NODE_INDEX', total: 'CI_NODE_TOTAL', base: 1 },
];

/**
 * `--shard i/n` or `--shard auto`. Auto outside a parallel CI job is the whole selection (1/1), with a
 * warning: running more than one machine's share is safe, running less is not.
 */
export function parseShard(value: string, env: NodeJS.ProcessEnv, warn: (text: string) => void): ShardSpec {
  if (value === 'auto') {
    for (const vars of CI_SHARD_VARIABLES) {
      const index = env[vars.index]?.trim();
      const total = env[vars.total]?.trim();
      if (!index || !total) continue;
      const source = `${vars.index}=${index} ${vars.total}=${total}`;
      return checked(
        Number(index) + (vars.base === 0 ? 1 : 0),
        Number(total),
        source,
        `--shard auto (${source})`,
      );
    }
    warn(
      '--shard auto: no CI parallelism variables (CIRCLE_NODE_INDEX, BUILDKITE_PARALLEL_JOB, CI_NODE_INDEX) are set; this machine takes the whole selection',
    );
    return { index: 1, total: 1, source: 'auto: no CI parallelism' };
  }
  const match = /^(\d+)\/(\d+)$/.exec(value.trim());
  if (!match) {
    throw new TestloopError(
      'TESTLOOP_USAGE',
      `--shard ${value}: expected index/total (e.g. --shard 2/4, counting from 1) or auto`,
    );
  }
  return checked(Number(match[1]), Number(match[2]), `--shard ${value}`, `--shard ${value}`);
}

function checked(index: number, total: number, source: string, label: string): ShardSpec {
  if (!Number.isInteger(index) || !Number.isInteger(total) || total < 1 || index < 1 || index > total) {
    throw new TestloopError(
      'TESTLOOP_USAGE',
      `${label}: the index must be between 1 and the total (e.g. 2/4); check the CI job's parallelism settings`,
    );
  }
  return { index, total, source };
}

/**
 * The shard's part of a ranked selection, in the same order, and what it is expected to cost. Longest
 * first onto the least loaded shard (ties to the lower index), with a file name order for equal
 * estimates: the same inputs give the same split on every machine.
 */
export function shardTests(
  root: string,
  tests: readonly SelectedTest[],
  spec: ShardSpec,
  history: ReadonlyMap<string, FileStats> | undefined,
): { tests: SelectedTest[]; summary: ShardSummary } {
  const estimates = estimateDurations(root, tests, history);
  const order = [...tests].sort(
    (a, b) =>
      estimates.ms.get(b.file)! - estimates.ms.get(a.file)! ||
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0),
  );
  const load = new Array<number>(spec.total).fill(0);
  const mine = new Set<string>();
  for (const test of order) {
    let lightest = 0;
    for (let s = 1; s < spec.total; s++) if (load[s]! < load[lightest]!) lightest = s;
    load[lightest]! += estimates.ms.get(test.file)!;
    if (lightest === spec.index - 1) mine.add(test.file);
  }
  return {
    tests: tests.filter((t) => mine.has(t.file)),
    summary: {
      index: spec.index,
      total: spec.total,
      estimatedMs: Math.round(load[spec.index - 1]!),
      selectedTests: tests.length,
      basis: estimates.basis,
    },
  };
}

/** A file that no report could size still weighs something: an empty test file takes time to start. */
const MIN_BYTES = 256;
/** Milliseconds per byte of test source when the history knows no file's duration at all. */
const DEFAULT_MS_PER_BYTE = 0.05;

/**
 * Each test file's expected duration: its mean from the history, or else its size times the history's
 * milliseconds per byte (over the files it knows), or a fixed rate when it knows none.
 */
function estimateDurations(
  root: string,
  tests: readonly SelectedTest[],
  history: ReadonlyMap<string, FileStats> | undefined,
): { ms: Map<string, number>; basis: ShardSummary['basis'] } {
  const known = new Map<string, number>();
  const bytes = new Map<string, number>();
  for (const test of tests) {
    const stats = history && statsOf(history, test);
    if (stats && Number.isFinite(stats.meanMs) && stats.meanMs >= 0) known.set(test.file, stats.meanMs);
    const size = statSync(join(root, test.file), { throwIfNoEntry: false })?.size ?? 0;
    bytes.set(test.file, Math.max(MIN_BYTES, size));
  }
  let knownMs = 0;
  let knownBytes = 0;
  for (const [file, ms] of known) {
    knownMs += ms;
    knownBytes += bytes.get(file)!;
  }
  const rate = knownBytes > 0 && knownMs > 0 ? knownMs / knownBytes : DEFAULT_MS_PER_BYTE;
  const ms = new Map<string, number>();
  for (const test of tests) ms.set(test.file, known.get(test.file) ?? bytes.get(test.file)! * rate);
  const basis = known.size === 0 ? 'size' : known.size === tests.length ? 'history' : 'history+size';
  return { ms, basis };
}
