import type { Stage } from './types.ts';

export const STAGES: readonly Stage[] = [
  'generated',
  'compiled',
  'passed',
  'stable',
  'addedCoverage',
  'killsMutants',
];

export const stageIndex = (stage: Stage | undefined): number =>
  stage === undefined ? -1 : STAGES.indexOf(stage);

/** The stage after `reached`: where a candidate that got to `reached` was stopped. */
export function nextStage(reached: Stage | undefined): Stage {
  return STAGES[Math.min(stageIndex(reached) + 1, STAGES.length - 1)]!;
}

/** TestGen-LLM's funnel: each target counts once at every stage up to the furthest its candidates got. */
export function funnelOf(furthest: readonly (Stage | undefined)[]): Record<Stage, number> {
  const funnel = { generated: 0, compiled: 0, passed: 0, stable: 0, addedCoverage: 0, killsMutants: 0 };
  for (const stage of furthest) for (let i = 0; i <= stageIndex(stage); i++) funnel[STAGES[i]!]++;
  return funnel;
}

/**
 * Worker time per stage, summed over targets, then scaled to the pool's wall time so that
 * llmMs + runnerMs + overheadMs is the run's wall time even when targets overlap. With --concurrency 1 the
 * numbers are plain wall times.
 */
export class StageClock {
  llm = 0;
  runner = 0;
  /** Whole time of every target, start to end. */
  worker = 0;

  /** Runs `run`, counting its time as model time when `stage` is 'llm'. */
  async time<T>(stage: 'llm' | 'other', run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await run();
    } finally {
      if (stage === 'llm') this.llm += performance.now() - started;
    }
  }

  split(totalMs: number, poolMs: number): { llmMs: number; runnerMs: number; overheadMs: number } {
    const scale = this.worker > 0 ? Math.min(1, poolMs / this.worker) : 0;
    const llm = Math.min(this.llm, this.worker);
    const llmMs = Math.round(llm * scale);
    const runnerMs = Math.round(Math.min(this.runner, this.worker - llm) * scale);
    return { llmMs, runnerMs, overheadMs: Math.max(0, Math.round(totalMs) - llmMs - runnerMs) };
  }
}

/** Observed durations, for "can this still finish before the deadline?". */
export class Estimator {
  private readonly samples: number[] = [];

  observe(ms: number): void {
    this.samples.push(ms);
  }

  /** Mean of what was observed, undefined before the first observation. */
  estimate(): number | undefined {
    if (this.samples.length === 0) return undefined;
    return this.samples.reduce((a, b) => a + b, 0) / this.samples.length;
  }
}
