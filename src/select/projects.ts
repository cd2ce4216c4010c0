import { join, posix } from 'node:path';
import { readInput, recordInputs } from '../runners/inputs.ts';
import { detectRunner, runnerByName, runnersAlongside } from '../runners/registry.ts';
import type { ProjectInfo, RunnerAdapter, TestDiscovery } from '../runners/types.ts';
import {
  discoveryKey,
  loadProjects,
  type ProjectsCacheId,
  type StoredProject,
  saveProjects,
} from './project-cache.ts';

export interface Project {
  /** Package folder relative to the repository root, '' for the root. */
  dir: string;
  info: ProjectInfo;
  runner?: RunnerAdapter;
  discovery?: TestDiscovery;
}

export interface DiscoverOptions {
  /** Blob ids of the files git vouches for: with them, the discovery is cached (see project-cache.ts). */
  blobIds?: ReadonlyMap<string, string>;
  cache?: boolean;
  /** Told which cached discovery the result is, when the cache on disk holds it. */
  onCached?: (id: ProjectsCacheId) => void;
}

/** The packages a runner runs (see discoverAll); each one's runner and tests are read from its own config. */
export async function discoverProjects(
  root: string,
  files: readonly string[],
  options: DiscoverOptions = {},
): Promise<Project[]> {
  const blobIds = options.blobIds ?? new Map<string, string>();
  const useCache = options.cache !== false && options.blobIds !== undefined;
  const key = useCache ? discoveryKey(root, files, blobIds) : '';
  const cached = useCache ? loadProjects(root, key, blobIds) : undefined;
  if (cached) {
    options.onCached?.({ key, generation: cached.generation });
    return cached.projects.map((stored) => fromStored(root, () => files, stored));
  }

  const { value: projects, inputs } = await recordInputs(() => discoverAll(root, files));
  if (useCache) {
    const generation = saveProjects(root, key, inputs, blobIds, projects.map(toStored));
    if (generation !== undefined) options.onCached?.({ key, generation });
  }
  return projects;
}

/**
 * The discovery a tree stamp names, for a tree the stamp vouches is unchanged: neither the file list nor
 * git's blob ids are needed (`files` is read only if a project's files are asked for).
 */
export function stampedProjects(
  root: string,
  files: () => readonly string[],
  id: ProjectsCacheId,
): Project[] | undefined {
  const cached = loadProjects(root, id.key, undefined);
  if (cached?.generation !== id.generation) return undefined;
  return cached.projects.map((stored) => fromStored(root, files, stored));
}

/**
 * The packages a runner runs: the root, the members its workspace settings name, the folders a runner
 * config names as projects, and any package no enclosing package's runner covers (a repository of
 * independent packages). A package inside one whose runner decides what it runs (fixture projects,
 * examples) is not a project: its test files are tests only when that runner's own globs take them.
 */
async function discoverAll(root: string, files: readonly string[]): Promise<Project[]> {
  const packageDirs = files
    .filter((f) => (f === 'package.json' || f.endsWith('/package.json')) && !f.includes('node_modules/'))
    .map((f) => posix.dirname(f))
    .filter((d) => d !== '.')
    // Outer packages first: whether one is a project depends on the projects around it.
    .sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1));
  const { workspaceMembers } = await import('./workspace-members.ts');
  const listed = new Set(files);
  const projects: Project[] = [];
  /** Folders a workspace setting or a runner config names. */
  const named = new Set<string>();
  const add = async (dir: string): Promise<void> => {
    const info = projectInfo(root, () => files, dir, readPackageJson(join(root, dir, 'package.json')));
    const project: Project = { dir, info };
    const runner = detectRunner(info);
    if (runner) {
      project.runner = runner;
      project.discovery = await runner.discover(info);
    }
    projects.push(project);
    // End-to-end specs beside the unit tests: the same package, another runner, its own test files.
    for (const other of runner ? runnersAlongside(info, runner) : [])
      projects.push({ dir, info, runner: other, discovery: await other.discover(info) });
    for (const member of workspaceMembers(root, dir, info.packageJson, packageDirs, listed))
      named.add(member);
    for (const reached of project.discovery?.projectDirs ?? []) named.add(reached);
  };
  await add('');
  // A config may name a folder outside the packages seen so far: look again until nothing is added.
  let pending = packageDirs;
  for (let added = true; added; ) {
    added = false;
    const left: string[] = [];
    for (const dir of pending) {
      if (named.has(dir) || projectOf(projects, dir).runner === undefined) {
        await add(dir);
        added = true;
      } else left.push(dir);
    }
    pending = left;
  }
  return projects.sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
}

function projectInfo(
  root: string,
  files: () => readonly string[],
  dir: string,
  packageJson: Record<string, unknown>,
): ProjectInfo {
  const prefix = dir === '' ? '' : `${dir}/`;
  let own: readonly string[] | undefined;
  return {
    root,
    dir: join(root, dir),
    packageJson,
    // Listed on first use: a cached discovery never needs a package's files unless its tests run.
    get files() {
      own ??= prefix === '' ? files() : filesUnder(files(), prefix);
      return own;
    },
  };
}

const sortedLists = new WeakMap<readonly string[], boolean>();

/**
 * The files that start with `prefix`, in list order. git lists files sorted, so in a sorted list they
 * are one run, found by binary search: a monorepo's packages each filtering every file of the
 * repository was most of a cold discovery. An unsorted list is filtered.
 */
function filesUnder(files: readonly string[], prefix: string): readonly string[] {
  let sorted = sortedLists.get(files);
  if (sorted === undefined) {
    sorted = files.every((file, i) => i === 0 || files[i - 1]! <= file);
    sortedLists.set(files, sorted);
  }
  if (!sorted) return files.filter((f) => f.startsWith(prefix));
  const start = lowerBound(files, prefix);
  let end = start;
  while (end < files.length && files[end]!.startsWith(prefix)) end++;
  return files.slice(start, end);
}

/** The first index whose file is not below `key`. */
function lowerBound(files: readonly string[], key: string): number {
  let lo = 0;
  let hi = files.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (files[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function toStored(project: Project): StoredProject {
  return {
    dir: project.dir,
    packageJson: project.info.packageJson,
    ...(project.runner ? { runner: project.runner.name } : {}),
    ...(project.discovery ? { discovery: project.discovery } : {}),
  };
}

function fromStored(root: string, files: () => readonly string[], stored: StoredProject): Project {
  const project: Project = {
    dir: stored.dir,
    info: projectInfo(root, files, stored.dir, stored.packageJson),
  };
  const runner = stored.runner && runnerByName(stored.runner);
  if (runner && stored.discovery) {
    project.runner = runner;
    project.discovery = stored.discovery;
  }
  return project;
}

/** The innermost package containing `file`. */
export function projectOf(projects: readonly Project[], file: string): Project {
  let best = projects.find((p) => p.dir === '')!;
  let sharing = false;
  for (const project of projects) {
    if (project.dir !== '' && file.startsWith(`${project.dir}/`) && project.dir.length > best.dir.length)
      best = project;
  }
  for (const project of projects) if (project !== best && project.dir === best.dir) sharing = true;
  // A package running two runners (unit tests, end-to-end specs): a test file is the one listing it's.
  if (sharing) {
    const owner = projects.find((p) => p.dir === best.dir && testSet(p).has(file));
    if (owner) return owner;
  }
  return best;
}

const testSets = new WeakMap<readonly string[], Set<string>>();

/** A project's test files as a set, built once per discovery: projectOf runs for every file of a selection. */
function testSet(project: Project): ReadonlySet<string> {
  const tests = project.discovery?.tests;
  if (!tests) return new Set();
  let set = testSets.get(tests);
  if (!set) {
    set = new Set(tests);
    testSets.set(tests, set);
  }
  return set;
}

function readPackageJson(path: string): Record<string, unknown> {
  try {
    const value = JSON.parse(readInput(path)) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}
