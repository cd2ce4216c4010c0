import { type Project, projectOf } from '../select/projects.ts';

// A workspace member often has no runner of its own (no test script, no runner config): the runner of an
// enclosing package runs its tests (a root vitest config whose include reaches `packages/*/test/`, or
// whose `projects` list inline include patterns). For generate such a package is part of that enclosing
// project: its files are targets, their tests run from there with that config.

/** Probe test paths a runner's include patterns would take in a package, by common layout. */
const PROBES = ['test/{}.test', 'tests/{}.test', '__tests__/{}.spec', '__tests__/{}.test', 'src/{}.test'];
const PROBE_STEM = 'testloop-probe';

/**
 * `projects` without the runner-less packages whose tests the runner of the nearest enclosing project
 * runs: those it lists already, or a new test in the package's usual folders it would take. A package
 * that no enclosing runner reaches stays, with no runner (its targets are skipped, saying so).
 */
export async function withEnclosingRunners(projects: readonly Project[]): Promise<Project[]> {
  const kept: Project[] = [];
  for (const project of projects) {
    if (project.runner || project.dir === '' || !(await enclosingRunnerRuns(projects, project)))
      kept.push(project);
  }
  return kept;
}

async function enclosingRunnerRuns(projects: readonly Project[], pkg: Project): Promise<boolean> {
  const enclosing = projectOf(
    projects.filter((p) => p.dir !== pkg.dir),
    `${pkg.dir}/${PROBE_STEM}`,
  );
  if (!enclosing.runner || !enclosing.discovery) return false;
  const prefix = `${pkg.dir}/`;
  if (enclosing.discovery.tests.some((test) => test.startsWith(prefix))) return true;
  const probes = PROBES.flatMap((probe) =>
    ['ts', 'js'].map((ext) => `${prefix}${probe.replace('{}', PROBE_STEM)}.${ext}`),
  );
  const discovery = await enclosing.runner.discover({
    ...enclosing.info,
    files: [...enclosing.info.files, ...probes],
  });
  return discovery.tests.some((test) => probes.includes(test));
}
