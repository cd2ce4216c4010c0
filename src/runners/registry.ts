import { jestRunner } from './jest/index.ts';
import { nodeTestRunner } from './node-test/index.ts';
import { playwrightRunner } from './playwright/index.ts';
import type { ProjectInfo, RunnerAdapter, RunnerName } from './types.ts';
import { vitestRunner } from './vitest/index.ts';

/** Every runner testloop knows; on a tied detect score the earlier one wins. */
export const runnerAdapters: readonly RunnerAdapter[] = [
  vitestRunner,
  jestRunner,
  nodeTestRunner,
  playwrightRunner,
];

/**
 * The runner the package most likely uses (highest detect score above 0), or undefined. A runner that runs
 * beside others (end-to-end specs) is the package's own only when no other runner is detected.
 */
export function detectRunner(project: ProjectInfo): RunnerAdapter | undefined {
  return (
    best(project, (adapter) => !adapter.alongside) ?? best(project, (adapter) => adapter.alongside === true)
  );
}

/** Scores that only a config file or a script of the runner's reach, not a dependency alone. */
const ALONGSIDE_SCORE = 40;

/** The runners that also run tests of the package beside `primary` (Playwright specs beside vitest). */
export function runnersAlongside(project: ProjectInfo, primary: RunnerAdapter): RunnerAdapter[] {
  return runnerAdapters.filter(
    (adapter) =>
      adapter !== primary && adapter.alongside === true && adapter.detect(project) >= ALONGSIDE_SCORE,
  );
}

function best(
  project: ProjectInfo,
  eligible: (adapter: RunnerAdapter) => boolean,
): RunnerAdapter | undefined {
  let found: RunnerAdapter | undefined;
  let bestScore = 0;
  for (const adapter of runnerAdapters) {
    if (!eligible(adapter)) continue;
    const score = adapter.detect(project);
    if (score > bestScore) {
      found = adapter;
      bestScore = score;
    }
  }
  return found;
}

export function runnerByName(name: RunnerName): RunnerAdapter | undefined {
  return runnerAdapters.find((adapter) => adapter.name === name);
}
