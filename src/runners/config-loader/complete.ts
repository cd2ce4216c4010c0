// What a runner itself makes of a config the static reader could not evaluate (a computed include, aliases
// built at load time, a preset): the package's own installed runner loads it in a child process, running
// no test, with a time limit. Its answer replaces the defaults the static reader stood in with; where there
// is none, a package whose test files (or, for jest, module mapping) are unknown widens to all its tests.
import { relative } from 'node:path';
import { distScript } from '../../util/dist-script.ts';
import { inputExists } from '../inputs.ts';
import { installedManifest } from '../installed.ts';
import { ProjectFiles, uniqueSorted } from '../project-files.ts';
import type { ProjectInfo, RunnerName, TestDiscovery } from '../types.ts';
import type { LoadedRunnerConfig } from './protocol.ts';
import { runConfigChild } from './spawn.ts';

export interface RunnerLoad {
  runner: RunnerName;
  /** The config file the runner would read, when one is known (for messages). */
  configFile: string | undefined;
  /** Arguments of the runner's child, dist/runners/<runner>-config.js. */
  args: string[];
  input?: string;
  /**
   * Whether aliases the runner could not give leave the whole package unknown. jest's moduleNameMapper
   * routinely sends package names elsewhere (`^react$`, style stubs): a specifier the graph resolves to
   * some other file is not unresolved, so the unresolved-import rule cannot bound it.
   */
  unreadAliasesWiden: boolean;
  timeoutMs?: number;
}

/**
 * The discovery with the runner's own answer, or the discovery marked incomplete (the whole package's
 * tests are selected) with why the runner could not answer.
 */
export async function completeWithRunner(
  project: ProjectInfo,
  discovery: TestDiscovery,
  load: RunnerLoad,
): Promise<TestDiscovery> {
  // A cached discovery is stale once the runner is installed, removed or upgraded.
  installedManifest(project, load.runner);
  let loaded: LoadedRunnerConfig;
  try {
    const script = distScript(`runners/${load.runner}-config.js`);
    if (script === undefined)
      throw new Error(`testloop's build has no dist/runners/${load.runner}-config.js`);
    const { args, input, timeoutMs } = load;
    loaded = await runConfigChild({ script, args, cwd: project.dir, input, timeoutMs });
  } catch (error) {
    const config = load.configFile ? relative(project.root, load.configFile) : 'the config';
    const failed = `${load.runner}'s own loader could not read ${config} either: ${(error as Error).message}`;
    const unread = discovery.incomplete ?? (load.unreadAliasesWiden ? discovery.warnings[0] : undefined);
    return {
      ...discovery,
      warnings: [...discovery.warnings, failed],
      ...(unread === undefined ? {} : { incomplete: `${unread}; ${failed}` }),
    };
  }
  const files = ProjectFiles.of(project);
  const rel = (paths: Iterable<string>): string[] =>
    uniqueSorted([...paths].flatMap((p) => files.rel(p) ?? []));
  // The files the config imported decide the answer: a cached discovery is stale when one changes.
  for (const dependency of loaded.dependencies) inputExists(dependency);
  const { incomplete: _unread, ...rest } = discovery;
  const projectDirs = loaded.projectDirs && rel(loaded.projectDirs);
  return {
    ...rest,
    tests: rel(loaded.projects.flatMap((p) => p.tests)),
    setupFiles: uniqueSorted([...discovery.setupFiles, ...rel(loaded.projects.flatMap((p) => p.setupFiles))]),
    configFiles: uniqueSorted([...discovery.configFiles, ...rel(loaded.dependencies)]),
    aliases: [...discovery.aliases, ...loaded.projects.flatMap((p) => p.aliases)],
    warnings: discovery.warnings.map((warning) =>
      warning.replace(/; using the default$/, `; read through ${load.runner}'s own loader instead`),
    ),
    ...(projectDirs && projectDirs.length > 0 ? { projectDirs } : {}),
  };
}
