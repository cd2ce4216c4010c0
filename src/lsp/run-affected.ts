import type { RunGroup, RunOutcomes } from '../select/run-outcomes.ts';
import { verdictOf } from '../select/run-verdict.ts';
import type { AffectedTests, WarmTree } from '../select/warm.ts';

/** How long one click's run may take before the runners still going are stopped. */
const RUN_TIMEOUT_MS = 10 * 60_000;

/**
 * Runs the tests a change of a file affects with each package's own runner (the adapters of
 * src/runners/, as `testloop select --run` and the MCP run_tests tool do), and reads their outcomes.
 * A file that affects every test runs every package's suite: the user asked for exactly that set.
 */
export async function runAffected(
  warm: WarmTree,
  affected: AffectedTests,
  log: (line: string) => void,
): Promise<RunOutcomes | string> {
  const groups: RunGroup[] = [];
  if (affected.all !== undefined) {
    for (const project of warm.projects)
      if (project.runner && (project.discovery?.tests.length ?? 0) > 0)
        groups.push({ project, tests: 'all' });
  } else {
    const byProject = new Map<string, string[]>();
    for (const test of affected.tests) {
      const key = `${test.project ?? ''}\0${test.runner ?? ''}`;
      byProject.set(key, [...(byProject.get(key) ?? []), test.file]);
    }
    for (const [key, tests] of byProject) {
      const [dir, runner] = key.split('\0');
      const project = warm.projects.find((p) => p.dir === dir && p.runner?.name === runner);
      if (!project) return `no runner found for the affected test file ${tests[0]}`;
      groups.push({ project, tests });
    }
  }
  if (groups.length === 0) return 'no test is affected: nothing to run';
  const { runWithOutcomes } = await import('../select/run-outcomes.ts');
  return runWithOutcomes(groups, { timeoutMs: RUN_TIMEOUT_MS, log });
}

/** One line for the editor's message: the verdict and the counts, and the first failure. */
export function outcomeMessage(outcome: RunOutcomes): string {
  const { passed, failed, skipped } = outcome.tests;
  const verdict = verdictOf(outcome).toLowerCase();
  const first = outcome.failures[0];
  return `testloop: affected tests ${verdict}: ${passed} passed, ${failed} failed, ${skipped} skipped${first ? `; first failure: ${first.testId}` : ''}`;
}
