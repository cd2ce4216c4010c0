import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { TestloopError } from '../errors.ts';
import { repositoryRoot, resolveRevisions } from '../git/base.ts';
import type { ChangedPath } from '../git/changed-paths.ts';
import {
  historyStoreFiles,
  isDefaultOutput,
  ownOutputMatcher,
  withoutOwnOutputs,
} from '../git/own-outputs.ts';
import { type WorkingTree, workingTree } from '../git/working-tree.ts';
import { buildGraph, CODE_FILE, stampedGraph, startScanning } from '../graph/build-graph.ts';
import type { Alias, ModuleGraph } from '../graph/types.ts';
import { now } from '../util/clock.ts';
import { readStdin } from '../util/stdin.ts';
import { applyHistory, readHistory } from './history-priors.ts';
import type { ProjectsCacheId } from './project-cache.ts';
import { discoverProjects, type Project, projectOf, stampedProjects } from './projects.ts';
import { isInert, isOpaqueToGraph, snapshotOwner } from './safety.ts';
import { parseShard, type ShardSummary, shardTests } from './shard.ts';
import { loadStamp, saveStamp, stampKey, unvouchedFingerprints } from './tree-stamp.ts';
import type { SelectedTest, SelectResult } from './types.ts';
import { untestedFiles } from './untested.ts';
import { urlTestsReached } from './url-tests.ts';
import { walkToTests } from './walk.ts';

export interface SelectOptions {
  cwd?: string;
  /** Base ref: the change is everything since its merge base with HEAD, plus uncommitted work. */
  base?: string;
  /** Changed files, relative to cwd, instead of asking git. */
  changed?: string[];
  /** A unified diff file, or "-" for stdin. */
  diffFile?: string;
  /** Follow `import type` edges: set when type checking is part of the test run. */
  typeImports?: boolean;
  /** Extra path aliases `find=replacement`, the replacement relative to cwd, as `--alias`. */
  alias?: string[];
  /** The older spelling of alias, already parsed (replacements absolute); both are used. */
  aliases?: Alias[];
  cache?: boolean;
  /** SQLite history file relative to cwd (default .testloop/history.db), read when it exists. */
  history?: string;
  /**
   * Files and folders this run writes (relative to cwd): never counted as changes, nor is anything
   * testloop writes by default (see git/own-outputs.ts). The history file is added to them.
   */
  ownOutputs?: string[];
  env?: NodeJS.ProcessEnv;
  readStdin?: () => Promise<Buffer>;
  /**
   * Keep one part of the selection for this machine of a parallel CI job: `index/total` counting from 1,
   * or `auto` from the CI's own variables (CircleCI, Buildkite, GitLab).
   */
  shard?: string;
}

/** Seeds for the reverse walk, and the tests chosen by rule rather than by the graph. */
export interface Impact {
  seeds: Map<string, string>;
  ruleTests: Map<string, string>;
  all?: string;
  ignored: { file: string; reason: string }[];
}

/** `testloop select` as a library call: the tests a change can affect, most relevant first. */
export async function selectTests(options: SelectOptions = {}): Promise<SelectResult> {
  return (await planSelection(options)).result;
}

export interface SelectionPlan {
  result: SelectResult;
  /** The packages and their runners, for running the selection. */
  projects: Project[];
}

export async function planSelection(input: SelectOptions): Promise<SelectionPlan> {
  const started = now();
  const cwd = input.cwd ?? process.cwd();
  const options = input.alias === undefined ? input : { ...input, aliases: aliasesOf(input, cwd) };
  const warnings: string[] = [];
  // A bad --shard is a usage error before any work.
  const shardSpec =
    options.shard === undefined
      ? undefined
      : parseShard(options.shard, options.env ?? process.env, (text) => warnings.push(text));
  // Listing the working tree depends on neither the root nor the change: the git calls run at once.
  const listing = workingTree(cwd);
  // Awaited below; meanwhile a failure must not count as unhandled.
  listing.catch(() => undefined);
  const root = await repositoryRoot(cwd);
  // testloop's own files (the history, the graph cache, this run's reports) are never a change.
  const changes = withoutOwnOutputs(
    await changesOf(root, cwd, options),
    ownOutputMatcher(root, cwd, [...(options.ownOutputs ?? []), ...historyStoreFiles(options.history)]),
  );
  // A file deleted in the working tree but still in the index is gone: leaving it in would keep its
  // importers' cached edges (the file list, part of the cache key, would not change) and its tests listed.
  const deleted = new Set(
    changes.filter((c) => c.status === 'deleted' && !existsSync(join(root, c.path))).map((c) => c.path),
  );
  // The change's files that exist: the full parser must check them (the lexer does not validate syntax,
  // and a change that does not parse must select every test).
  const validate = changes.filter((c) => c.status !== 'deleted').map((c) => c.path);
  const {
    projects,
    graph,
    tests,
    impact,
    selected: ranked,
    untested,
  } = await selection(root, listing, { changes, deleted, validate }, options);
  let selected = ranked;
  // Runner settings read only in part: the defaults stood in for them, which the user should know.
  for (const project of projects) warnings.push(...(project.discovery?.warnings ?? []));
  const { history, ordered } = await orderByHistory(selected, cwd, options, warnings);
  selected = ordered;
  const historyFiles = history?.size;
  let shard: ShardSummary | undefined;
  if (shardSpec) {
    const part = shardTests(root, selected, shardSpec, history);
    selected = part.tests;
    shard = part.summary;
  }
  const result: SelectResult = {
    all: impact.all !== undefined,
    ...(impact.all === undefined ? {} : { reason: impact.all }),
    tests: selected,
    ignored: impact.ignored,
    ...(shard === undefined ? {} : { shard }),
    untested,
    ...(warnings.length > 0 ? { warnings } : {}),
    stats: {
      files: graph.stats.files,
      parsed: graph.stats.parsed,
      cached: graph.stats.cached,
      ms: Math.round(now() - started),
      changedFiles: changes.length,
      totalTests: tests.size,
      graphMs: graph.stats.ms,
      unresolved: countUnresolved(graph),
      ...(historyFiles === undefined ? {} : { historyFiles }),
    },
  };
  return { result, projects };
}

/**
 * The selection ordered by the test history, when there is one. History only orders the selection;
 * without it the selection is the same, so it never fails the run: a history it cannot read is a warning.
 */
async function orderByHistory(
  selected: SelectedTest[],
  cwd: string,
  options: SelectOptions,
  warnings: string[],
): Promise<{ history: Awaited<ReturnType<typeof readHistory>>; ordered: SelectedTest[] }> {
  if (selected.length === 0) return { history: undefined, ordered: selected };
  try {
    const history = await readHistory({
      cwd,
      env: options.env ?? process.env,
      ...(options.history === undefined ? {} : { path: options.history }),
    });
    return { history, ordered: history ? applyHistory(selected, history) : selected };
  } catch (error) {
    warnings.push(`test history not used: ${(error as Error).message}`);
    return { history: undefined, ordered: selected };
  }
}

interface Change {
  changes: readonly ChangedPath[];
  /** Changed files gone from the working tree. */
  deleted: ReadonlySet<string>;
  /** Changed files the full parser must check. */
  validate: readonly string[];
}

export interface Selection {
  projects: Project[];
  graph: ModuleGraph;
  /** test file → the project that runs it. */
  tests: Map<string, Project>;
  impact: Impact;
  /** Ranked by graph distance, before the history's order. */
  selected: SelectedTest[];
  /** Changed files no test reaches. */
  untested: string[];
}

/**
 * The packages and the module graph of the tree, from the caches when they hold it, and the tests the
 * change reaches in them. A tree stamp lets a run whose tree is unchanged skip the file list altogether:
 * its caches are read and the selection made while git is still listing the tree, which then only has to
 * match the stamp. Any other run checks the caches against the file list, and leaves a stamp for the next.
 */
async function selection(
  root: string,
  listing: Promise<WorkingTree>,
  change: Change,
  options: SelectOptions,
): Promise<Selection> {
  const { deleted, validate } = change;
  let tree: WorkingTree | undefined;
  let files: string[] | undefined;
  // testloop's own files, listed by git when not ignored (the history with its journals coming and
  // going, the graph cache): no test reads them, and leaving them out keeps the file list, and so the
  // caches keyed by it, stable.
  const listed = () => (files ??= tree!.files.filter((f) => !deleted.has(f) && !isDefaultOutput(f)));
  const useCache = options.cache !== false;
  const stamp = useCache ? loadStamp(root) : undefined;
  let stamped: Selection | undefined;
  // A deleted file still listed is one git does not vouch for: with none of those, the list is as stamped.
  if (stamp && !stamp.unvouched.some(([file]) => deleted.has(file))) {
    const projects = stampedProjects(root, listed, stamp.projects);
    const graph = projects && stampedGraph(root, stamp.graph, validate);
    if (projects && graph) stamped = selectIn(projects, graph, change.changes, options);
  }
  tree = await listing;
  const key = stampKey(root, tree.digest, options.aliases ?? []);
  if (stamped && stamp?.key === key) return stamped;

  // Taken before the caches are checked: see saveStamp.
  const unvouched = useCache ? unvouchedFingerprints(root, listed(), tree.blobIds) : undefined;
  let projectsId: ProjectsCacheId | undefined;
  const { projects, graph } = await projectsAndGraph(
    root,
    listed(),
    tree.blobIds,
    validate,
    options,
    (id) => {
      projectsId = id;
    },
  );
  // The stamp holds for the listing as git printed it: not when this run's deleted files were left out of it.
  const complete = deleted.size === 0 || !tree.files.some((f) => deleted.has(f));
  if (unvouched && projectsId && graph.cacheId && complete)
    saveStamp(root, key, unvouched, projectsId, graph.cacheId);
  return selectIn(projects, graph, change.changes, options);
}

/** The packages of a listed tree and its module graph, each from its cache on disk where that holds it. */
export async function projectsAndGraph(
  root: string,
  files: readonly string[],
  blobIds: ReadonlyMap<string, string>,
  validate: readonly string[],
  options: Pick<SelectOptions, 'cache' | 'aliases'>,
  onCached?: (id: ProjectsCacheId) => void,
): Promise<{ projects: Project[]; graph: ModuleGraph }> {
  const cache = options.cache === undefined ? {} : { cache: options.cache };
  // The files the graph must read start on a second thread while the runner configs are read.
  const early = startScanning({ root, files, blobIds, ...cache });
  let projects: Project[];
  try {
    projects = await discoverProjects(root, files, {
      blobIds,
      ...cache,
      ...(onCached === undefined ? {} : { onCached }),
    });
  } catch (error) {
    early.ahead?.close();
    throw error;
  }
  const graph = await buildGraph({
    root,
    files,
    blobIds,
    validate,
    aliases: [...(options.aliases ?? []), ...projects.flatMap((p) => p.discovery?.aliases ?? [])],
    ...cache,
    early,
  });
  return { projects, graph };
}

/** The tests `changes` can affect in this tree, most relevant first by graph distance. */
export function selectIn(
  projects: Project[],
  graph: ModuleGraph,
  changes: readonly ChangedPath[],
  options: SelectOptions,
): Selection {
  const tests = testOwners(projects);
  const impact = classifyChanges(changes, graph, projects, tests);
  const testFiles = new Set(tests.keys());
  if (impact.all !== undefined) {
    const selected = [...tests.keys()]
      .sort()
      .map((file) => withOwner({ file, score: 0.01, reasons: [impact.all!] }, tests));
    // Every test runs, those reading files by path among them: none is left out to name.
    return { projects, graph, tests, impact, selected, untested: [] };
  }
  const changedCode = [...impact.seeds].filter(([, why]) => why === 'changed').map(([file]) => file);
  const untested = untestedFiles(graph, changedCode, testFiles);
  const typeImports = options.typeImports === true;
  const reached = walkToTests(graph, impact.seeds, testFiles, typeImports);
  const byUrl = urlTestsReached(projects, graph, impact.seeds, testFiles, typeImports);
  for (const [file, reason] of [...impact.ruleTests, ...byUrl]) {
    const hit = reached.get(file);
    if (hit) {
      if (!hit.reasons.includes(reason)) hit.reasons.push(reason);
    } else reached.set(file, { file, score: 0.05, reasons: [reason] });
  }
  const selected = [...reached.values()]
    .map((t) => withOwner(t, tests))
    .sort((a, b) => b.score - a.score || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { projects, graph, tests, impact, selected, untested };
}

function countUnresolved(graph: ModuleGraph): number {
  let count = 0;
  for (const specifiers of graph.unresolved.values()) count += specifiers.length;
  return count;
}

async function changesOf(root: string, cwd: string, options: SelectOptions): Promise<ChangedPath[]> {
  if (options.changed && options.changed.length > 0) {
    return options.changed.map((file) => {
      const absolute = resolve(cwd, file);
      const path = relative(root, absolute).split('\\').join('/');
      // Seen as a change the graph cannot place, it would select every test: name the mistake instead.
      if (path === '..' || path.startsWith('../') || isAbsolute(path))
        throw new TestloopError(
          'TESTLOOP_USAGE',
          `${file} is not a file of the repository at ${root}: pass changed files inside it, relative to the current folder`,
        );
      return existsSync(absolute)
        ? { path, status: 'modified' as const }
        : { path, status: 'deleted' as const };
    });
  }
  if (options.diffFile !== undefined) {
    const diffPath = options.diffFile === '-' ? '-' : resolve(cwd, options.diffFile);
    const { readDiffFile } = await import('../git/diff.ts');
    const parsed = await readDiffFile(diffPath, options.readStdin ?? readStdin);
    return parsed.map((c) => ({
      path: c.path,
      status: c.status,
      ...(c.oldPath ? { oldPath: c.oldPath } : {}),
    }));
  }
  const revisions = await resolveRevisions(cwd, options.base, options.env ?? process.env);
  // Each way of naming the change loads only its own reader: --changed, the most common, needs none.
  const { changedPathsSince } = await import('../git/changed-paths.ts');
  return changedPathsSince(root, revisions.base);
}

/** test file → the project whose runner runs it; the innermost package wins. */
function testOwners(projects: readonly Project[]): Map<string, Project> {
  const owners = new Map<string, Project>();
  for (const project of [...projects].sort((a, b) => a.dir.length - b.dir.length)) {
    for (const test of project.discovery?.tests ?? []) owners.set(test, project);
  }
  return owners;
}

/** Sets the runner and package of a test this run made (in place: a spread per test cost milliseconds). */
function withOwner(test: SelectedTest, owners: Map<string, Project>): SelectedTest {
  const owner = owners.get(test.file);
  if (owner?.runner) {
    test.runner = owner.runner.name;
    test.project = owner.dir;
  }
  return test;
}

/** Applies the safety rules: what the graph can follow becomes a seed, what it cannot widens the set. */
function classifyChanges(
  changes: readonly ChangedPath[],
  graph: ModuleGraph,
  projects: readonly Project[],
  tests: Map<string, Project>,
): Impact {
  const impact: Impact = { seeds: new Map(), ruleTests: new Map(), ignored: [] };
  // A few changed files are looked up directly; a set of every file pays only for many.
  const inGraph =
    changes.length > 16 ? new Set(graph.files) : { has: (file: string) => graph.files.includes(file) };
  const widen = (file: string, why: string) => {
    const project = projectOf(projects, file);
    if (project.dir === '') {
      impact.all ??= why;
      return;
    }
    // A package-level change: the package's own tests, and every test that reaches any of its files.
    for (const [test, owner] of tests)
      if (owner === project || test.startsWith(`${project.dir}/`)) impact.ruleTests.set(test, why);
    for (const file of graph.files)
      if (file.startsWith(`${project.dir}/`) && !impact.seeds.has(file)) impact.seeds.set(file, why);
  };
  const removed: string[] = [];
  for (const change of changes) {
    if (change.status === 'deleted' || change.status === 'renamed') {
      const gone = change.status === 'deleted' ? change.path : change.oldPath!;
      if (!isInert(gone)) removed.push(gone);
      if (!CODE_FILE.test(gone) && !isInert(gone) && !tests.has(gone))
        widen(gone, `${gone} was removed; the graph cannot tell who read it`);
      if (isOpaqueToGraph(gone)) widen(gone, `${gone} was removed`);
      if (change.status === 'deleted') continue;
    }
    const file = change.path;
    const setupOf = projects.find(
      (p) => p.discovery?.setupFiles.includes(file) || p.discovery?.configFiles.includes(file),
    );
    if (setupOf) {
      const why = `${file} configures the ${setupOf.runner!.name} run of ${setupOf.dir || 'the repository'}`;
      if (setupOf.dir === '') impact.all ??= why;
      else widen(`${setupOf.dir}/package.json`, why);
      continue;
    }
    if (isOpaqueToGraph(file)) {
      widen(file, `${file} changed and the module graph cannot see through it`);
      continue;
    }
    if (tests.has(file)) impact.seeds.set(file, 'changed test file');
    if (inGraph.has(file)) {
      const parseError = graph.parseErrors.get(file);
      if (parseError !== undefined) impact.all ??= `${file} does not parse (${parseError})`;
      impact.seeds.set(file, 'changed');
      continue;
    }
    if (tests.has(file)) continue;
    const owner = snapshotOwner(file);
    if (owner !== undefined) {
      if (tests.has(owner)) impact.ruleTests.set(owner, `its snapshot ${file} changed`);
      else widen(file, `snapshot ${file} changed and its test file was not found`);
      continue;
    }
    if (graph.importers.has(file)) {
      impact.seeds.set(file, 'changed');
      continue;
    }
    if (isInert(file)) {
      impact.ignored.push({ file, reason: 'documentation or tooling file: no test reads it' });
      continue;
    }
    widen(file, `${file} changed and no module imports it (a fixture or data file read by path?)`);
  }
  if (impact.seeds.size > 0 || impact.ruleTests.size > 0 || removed.length > 0) {
    // Test files or module aliases only the runner knows: only it can choose, so every test runs.
    const unread = projects.find((p) => p.discovery?.incomplete !== undefined);
    if (unread)
      impact.all ??= `the runner settings of ${unread.dir || 'the repository'} are not known in full (${unread.discovery!.incomplete})`;
  }
  addHiddenDependencies(impact, graph, projects, removed);
  return impact;
}

/**
 * Files whose imports the graph cannot fully see: unparsable files, computed import()/require(), and
 * imports that resolve to no file. A removal alone seeds nothing (its importers no longer have an edge
 * to it), so it counts as a change of its package here.
 */
function addHiddenDependencies(
  impact: Impact,
  graph: ModuleGraph,
  projects: readonly Project[],
  removed: readonly string[],
): void {
  if (impact.seeds.size === 0 && impact.ruleTests.size === 0 && removed.length === 0) return;
  for (const [file, error] of graph.parseErrors) {
    if (!impact.seeds.has(file))
      impact.seeds.set(file, `${file} does not parse (${error}): its imports are unknown`);
  }
  const seededProjects = new Set([...impact.seeds.keys(), ...removed].map((f) => projectOf(projects, f).dir));
  for (const file of graph.opaque) {
    if (!impact.seeds.has(file) && seededProjects.has(projectOf(projects, file).dir)) {
      impact.seeds.set(file, `${file} imports a computed path that may load the changed code`);
    }
  }
  // An import that resolves to no file may stand for any file of the change (a computed alias, a
  // package whose entry is an unbuilt dist/, a deleted module): the tests reaching its importer run.
  for (const [file, specifiers] of graph.unresolved) {
    if (impact.seeds.has(file)) continue;
    const why =
      removed.length > 0
        ? 'which no longer resolves'
        : 'which resolves to no file of the repository: what it loads is unknown';
    impact.seeds.set(file, `${file} imports ${specifiers[0]}, ${why}`);
  }
}

/** `alias` parsed (replacements resolved against cwd), after the older `aliases`. */
function aliasesOf(options: SelectOptions, cwd: string): Alias[] {
  const parsed = (options.alias ?? []).map((value) => {
    const eq = value.indexOf('=');
    if (eq <= 0)
      throw new TestloopError('TESTLOOP_USAGE', `--alias ${value}: expected find=replacement, e.g. @=src`);
    return { find: value.slice(0, eq), replacement: resolve(cwd, value.slice(eq + 1)) };
  });
  return [...(options.aliases ?? []), ...parsed];
}
