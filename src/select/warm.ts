import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from '../git/base.ts';
import type { ChangedPath } from '../git/changed-paths.ts';
import { isDefaultOutput } from '../git/own-outputs.ts';
import { workingTree } from '../git/working-tree.ts';
import type { ModuleGraph } from '../graph/types.ts';
import type { Project } from './projects.ts';
import { projectsAndGraph, type SelectOptions, selectIn } from './select-tests.ts';
import type { SelectedTest } from './types.ts';

/**
 * The packages and module graph of a tree, loaded once and kept by a long-lived caller (the language
 * server): each question about a file is then a walk of the graph in memory, the same walk `select` makes.
 */
export interface WarmTree {
  root: string;
  projects: Project[];
  graph: ModuleGraph;
  /** The listing the graph was built from: every file, and the blob ids git vouches for. */
  files: string[];
  blobIds: ReadonlyMap<string, string>;
  /** Every test file the runners would run. */
  totalTests: number;
}

export interface AffectedTests {
  /** Set when the change cannot be seen through and every test is affected: why. */
  all?: string;
  tests: SelectedTest[];
}

type WarmOptions = Pick<SelectOptions, 'cache' | 'aliases' | 'typeImports'>;

/** Lists the tree and builds (or reads from the caches) its packages and module graph. */
export async function loadWarmTree(cwd: string, options: WarmOptions = {}): Promise<WarmTree> {
  const root = await repositoryRoot(cwd);
  const tree = await workingTree(root);
  const files = tree.files.filter((f) => !isDefaultOutput(f));
  return build(root, files, tree.blobIds, [], options);
}

/**
 * The tree after `saved` changed on disk: git no longer vouches for their content, so the graph reads and
 * parses those files again and takes every other file from its cache. A saved file new to the tree joins it.
 */
export async function refreshWarmTree(
  warm: WarmTree,
  saved: readonly string[],
  options: WarmOptions = {},
): Promise<WarmTree> {
  const blobIds = new Map(warm.blobIds);
  for (const file of saved) blobIds.delete(file);
  const listed = new Set(warm.files);
  const files = [...warm.files, ...saved.filter((f) => !listed.has(f) && existsSync(join(warm.root, f)))];
  return build(warm.root, files, blobIds, saved, options);
}

/** The tests a change of `files` (repository-relative) can affect, as `testloop select --changed` answers. */
export function affectedTests(
  warm: WarmTree,
  files: readonly string[],
  options: WarmOptions = {},
): AffectedTests {
  const changes: ChangedPath[] = files.map((path) => ({
    path,
    status: existsSync(join(warm.root, path)) ? 'modified' : 'deleted',
  }));
  const { impact, selected } = selectIn(warm.projects, warm.graph, changes, options);
  return impact.all === undefined ? { tests: selected } : { all: impact.all, tests: selected };
}

async function build(
  root: string,
  files: string[],
  blobIds: ReadonlyMap<string, string>,
  validate: readonly string[],
  options: WarmOptions,
): Promise<WarmTree> {
  const { projects, graph } = await projectsAndGraph(root, files, blobIds, validate, options);
  const tests = new Set(projects.flatMap((p) => p.discovery?.tests ?? []));
  return { root, projects, graph, files, blobIds, totalTests: tests.size };
}
