import { runTests } from '../runners/run.ts';
import type { Project } from './projects.ts';
import { runsEverything } from './shard.ts';
import type { SelectResult } from './types.ts';

export interface RunSelectionOptions {
  log(text: string): void;
}

/**
 * Runs the selection package by package with each package's own runner, most relevant first, and
 * returns the worst exit status: a failing test is never hidden behind a passing package.
 */
export async function runSelection(
  result: SelectResult,
  projects: readonly Project[],
  options: RunSelectionOptions,
): Promise<number> {
  const groups = new Map<Project, string[]>();
  const orphans: string[] = [];
  for (const test of result.tests) {
    const project = projects.find((p) => p.dir === test.project && p.runner?.name === test.runner);
    if (!project) {
      orphans.push(test.file);
      continue;
    }
    groups.set(project, [...(groups.get(project) ?? []), test.file]);
  }
  if (orphans.length > 0) {
    options.log(
      `testloop: no runner found for ${orphans.length} selected test file(s), e.g. ${orphans[0]}\n`,
    );
  }
  if (groups.size === 0) {
    options.log('testloop: no tests selected; nothing to run\n');
    return orphans.length > 0 ? 2 : 0;
  }
  const runAll = runsEverything(result);
  let worst = 0;
  for (const [project, tests] of groups) {
    const label = `${project.runner!.name} in ${project.dir || '.'}`;
    options.log(`testloop: running ${runAll ? 'all' : tests.length} test file(s) with ${label}\n`);
    // The runner starts from this process's environment; the adapter's own variables (NODE_OPTIONS for
    // ESM jest, coverage folders) must win over it, so nothing more is passed here.
    const run = await runTests(project.info, project.runner!, runAll ? 'all' : tests);
    worst = Math.max(worst, run.exitCode);
  }
  return worst;
}
