// How each stress condition runs a test: the runner mode (alone, shuffled, with other files) and the
// environment, per attempt; and which conditions a finding's causes put first.

import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { type RerunMode, shuffleSeed } from '../rerun-test.ts';
import type { Cause, CauseName } from '../types.ts';
import { CONDITIONS, type Condition } from './types.ts';

/** Zones far from UTC on both sides: a date computed in local time differs from UTC's for hours a day. */
const TIME_ZONES = ['Pacific/Kiritimati', 'America/Adak'];
/** Locales whose number, date and case rules differ from English ones (decimal comma, dotless i). */
const LOCALES = ['de_DE.UTF-8', 'tr_TR.UTF-8'];
/**
 * Files a parallel run holds, the test's own included, each in a worker of its own so that all of them run
 * at once: a collision needs its two files side by side, which a queue behind busy workers may never give.
 */
const PARALLEL_FILES = 4;

const SUGGESTED: Partial<Record<CauseName, Condition[]>> = {
  time: ['timezone', 'locale'],
  environment: ['locale', 'timezone'],
  'order-dependency': ['shuffled'],
  concurrency: ['parallel'],
  network: ['parallel'],
  'resource-leak': ['parallel'],
  timeout: ['cpu-load'],
  'async-wait': ['cpu-load'],
};

/**
 * The conditions in the order to try them: those the causes suggest first (strongest cause first), then
 * the rest from the cheapest (the test alone) to the costliest.
 */
export function conditionOrder(causes: readonly Cause[] = []): Condition[] {
  const ranked = [...causes].sort((a, b) => b.score - a.score);
  const first = ranked.flatMap((c) => SUGGESTED[c.cause] ?? []);
  return [...new Set<Condition>([...first, ...CONDITIONS])];
}

/** How attempt `attempt` (1-based) under `condition` runs: the runner mode and variables to set. */
export function conditionRun(
  condition: Condition,
  attempt: number,
  file: string,
  testFiles: readonly string[],
): { mode: RerunMode; env: Record<string, string> } {
  switch (condition) {
    case 'shuffled':
      return { mode: { kind: 'shuffled', seed: shuffleSeed(attempt) }, env: {} };
    case 'parallel':
      return {
        mode: { kind: 'with-files', others: neighbours(file, testFiles), workers: PARALLEL_FILES },
        env: {},
      };
    case 'timezone':
      return { mode: { kind: 'alone' }, env: { TZ: TIME_ZONES[(attempt - 1) % TIME_ZONES.length]! } };
    case 'locale': {
      const locale = LOCALES[(attempt - 1) % LOCALES.length]!;
      return { mode: { kind: 'alone' }, env: { LANG: locale, LC_ALL: locale } };
    }
    default:
      return { mode: { kind: 'alone' }, env: {} };
  }
}

/** What an attempt's environment was, for the prompt and the log ("TZ=America/Adak"). */
export function describeAttempt(condition: Condition, attempt: number): string {
  if (condition === 'shuffled') return `shuffled with its file, seed ${shuffleSeed(attempt)}`;
  if (condition === 'timezone') return `TZ=${TIME_ZONES[(attempt - 1) % TIME_ZONES.length]}`;
  if (condition === 'locale') return `LANG=LC_ALL=${LOCALES[(attempt - 1) % LOCALES.length]}`;
  if (condition === 'parallel') return 'run in parallel with other test files of its package';
  if (condition === 'cpu-load') return 'alone, while every core is kept busy';
  return 'alone';
}

/** Test files of the package other than `file`, in the order given: likeliest to collide first (target.ts). */
function neighbours(file: string, testFiles: readonly string[]): string[] {
  return testFiles.filter((f) => f !== file).slice(0, PARALLEL_FILES - 1);
}

/**
 * Keeps every core busy while `work` runs (one spinning child process per core), so that timing-dependent
 * tests see the slow machine CI often is.
 */
export async function underCpuLoad<T>(work: () => Promise<T>): Promise<T> {
  const spinners: ChildProcess[] = [];
  const stop = (): void => {
    for (const child of spinners) child.kill('SIGKILL');
  };
  process.on('exit', stop);
  try {
    for (let i = 0; i < availableParallelism(); i++)
      spinners.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
    return await work();
  } finally {
    stop();
    process.off('exit', stop);
  }
}
