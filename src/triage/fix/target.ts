// A test id as the user gives it (`file › suite › name`) → the file, suite and name its runner reports, the
// package that runs it and the package's other test files.

import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { TestloopError } from '../../errors.ts';
import { listWorkingTree } from '../../sandbox/index.ts';
import { discoverProjects, type Project, projectOf } from '../../select/projects.ts';
import { resolveFile, walk } from '../rerun-test.ts';

export interface FixTarget {
  testId: string;
  /** Repository-relative. */
  file: string;
  suite: string[];
  name: string;
  project: Project & { runner: NonNullable<Project['runner']> };
  /** The package's test files (repository-relative), this one included. */
  testFiles: string[];
}

const LIST_IDS_HINT =
  'test ids are "file › suite › name" as triage reports them: list them with testloop triage --format json (each finding\'s testId)';

/** Every id resolved, or a coded error naming the first that cannot be, before anything runs. */
export async function resolveTargets(root: string, ids: readonly string[]): Promise<FixTarget[]> {
  let files = listWorkingTree(root);
  if (files.length === 0) files = walk(root);
  const projects = await discoverProjects(root, files);
  const targets: FixTarget[] = [];
  for (const id of ids) {
    const parts = id.split(' › ').map((part) => part.trim());
    const name = parts.at(-1);
    if (parts.length < 2 || !name) throw unknownTest(id, 'it is not of the form "file › suite › name"');
    const ref = { testId: id, file: parts[0]! };
    const file = resolveFile(ref, files);
    if (file === undefined) throw unknownTest(id, `no file ${parts[0]} in the repository`);
    const project = projectOf(projects, file);
    if (!project.runner) throw unknownTest(id, `no test runner (vitest, jest, node --test) runs ${file}`);
    const discovery = project.discovery ?? (await project.runner.discover(project.info));
    targets.push({
      testId: id,
      file,
      suite: parts.slice(1, -1),
      name,
      project: project as FixTarget['project'],
      testFiles: [file, ...likeliestNeighbours(root, file, discovery.tests)],
    });
  }
  return targets;
}

export function unknownTest(id: string, why: string): TestloopError {
  return new TestloopError('TESTLOOP_UNKNOWN_TEST', `--fix "${id}": ${why}; ${LIST_IDS_HINT}`);
}

const RELATIVE_IMPORT = /(?:from\s*|import\s*\(\s*|require\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

/**
 * The package's other test files, those likeliest to collide with `file` first: the ones importing the
 * modules it imports (a server on a fixed port, a file at a fixed path, shared module state), then those
 * in its folder, then by name. A parallel run takes the first few along.
 */
function likeliestNeighbours(root: string, file: string, tests: readonly string[]): string[] {
  const own = importedModules(root, file);
  const scored = tests
    .filter((test) => test !== file)
    .map((test) => {
      let shared = 0;
      for (const module of importedModules(root, test)) if (own.has(module)) shared++;
      return { test, shared, near: posix.dirname(test) === posix.dirname(file) ? 1 : 0 };
    });
  scored.sort((a, b) => b.shared - a.shared || b.near - a.near || a.test.localeCompare(b.test));
  return scored.map((entry) => entry.test);
}

/** The relative modules a file imports, repository-relative and without extension. */
function importedModules(root: string, file: string): Set<string> {
  let text: string;
  try {
    text = readFileSync(join(root, file), 'utf8');
  } catch {
    return new Set();
  }
  const modules = new Set<string>();
  for (const match of text.matchAll(RELATIVE_IMPORT)) {
    const path = posix.normalize(posix.join(posix.dirname(file), match[1]!));
    modules.add(path.replace(/\.[cm]?[jt]sx?$/, ''));
  }
  return modules;
}
