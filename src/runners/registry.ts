import { jestRunner } from './jest/index.ts';
import { nodeTestRunner } from './node-test/index.ts';
import type { ProjectInfo, RunnerAdapter, RunnerName } from './types.ts';
import { vitestRunner } from './vitest/index.ts';

/** Every runner testloop knows; on a tied detect score the earlier one wins. */
export const runnerAdapters: readonly RunnerAdapter[] = [vitestRunner, jestRunner, nodeTestRunner];

/** The runner the package most likely uses (highest detect score above 0), or undefined. */
export function detectRunner(project: ProjectInfo): RunnerAdapter | undefined {
  let best: RunnerAdapter | undefined;
  let bestScore = 0;
  for (const adapter of runnerAdapters) {
    const score = adapter.detect(project);
    if (score > bestScore) {
      best = adapter;
      bestScore = score;
    }
  }
  return best;
}

export function runnerByName(name: RunnerName): RunnerAdapter | undefined {
  return runnerAdapters.find((adapter) => adapter.name === name);
}
