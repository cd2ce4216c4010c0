// What vitest itself makes of a config the static reader could not evaluate (a computed include, aliases
// built at load time): the package's own `vitest/node` loads it in a child process with a time limit.
import { spawn } from 'node:child_process';
import { isAbsolute, resolve } from 'node:path';
import type { Alias } from '../../graph/types.ts';
import { distScript } from '../../util/dist-script.ts';
import { killProcessGroup, PROCESS_GROUPS } from '../../util/process-group.ts';
import { inputExists } from '../inputs.ts';
import { ProjectFiles, uniqueSorted } from '../project-files.ts';
import type { ProjectInfo, TestDiscovery } from '../types.ts';

/** Loading a config starts vite: about half a second, and more for a config that does real work. */
const LOAD_TIMEOUT_MS = 30_000;

interface Loaded {
  projects: { tests: string[]; setupFiles: string[]; aliases: { find: string; replacement: string }[] }[];
  dependencies: string[];
}

/**
 * The discovery with the runner's own answer for what the static reader could not evaluate, or the
 * discovery as it was with why the loader could not help (then `incomplete` still widens the selection).
 */
export async function completeWithVitest(
  project: ProjectInfo,
  discovery: TestDiscovery,
  configFile: string | undefined,
): Promise<TestDiscovery> {
  const script = distScript('runners/vitest-config.js');
  if (script === undefined) return discovery;
  let loaded: Loaded;
  try {
    loaded = await load(script, project.dir, configFile);
  } catch (error) {
    const failed = `vitest's own loader could not read the config either: ${(error as Error).message}`;
    return {
      ...discovery,
      warnings: [...discovery.warnings, failed],
      ...(discovery.incomplete === undefined ? {} : { incomplete: `${discovery.incomplete}; ${failed}` }),
    };
  }
  const files = ProjectFiles.of(project);
  const rel = (paths: Iterable<string>): string[] =>
    uniqueSorted([...paths].flatMap((path) => files.rel(resolve(project.dir, path)) ?? []));
  // The files the config imported decide the answer: a cached discovery is stale when one changes.
  for (const dependency of loaded.dependencies) inputExists(dependency);
  const aliases: Alias[] = loaded.projects.flatMap((p) =>
    p.aliases.map((alias) => ({
      find: alias.find,
      replacement: isAbsolute(alias.replacement)
        ? alias.replacement
        : resolve(project.dir, alias.replacement),
    })),
  );
  const { incomplete: _unread, ...rest } = discovery;
  return {
    ...rest,
    tests: rel(loaded.projects.flatMap((p) => p.tests)),
    setupFiles: uniqueSorted([...discovery.setupFiles, ...rel(loaded.projects.flatMap((p) => p.setupFiles))]),
    configFiles: uniqueSorted([...discovery.configFiles, ...rel(loaded.dependencies)]),
    aliases: [...discovery.aliases, ...aliases],
    warnings: discovery.warnings.map((warning) =>
      warning.replace(/; using the default$/, "; read through vitest's own loader instead"),
    ),
  };
}

function load(script: string, dir: string, configFile: string | undefined): Promise<Loaded> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [script, dir, ...(configFile ? [configFile] : [])], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: PROCESS_GROUPS,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => killProcessGroup(child), LOAD_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      fail(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        try {
          return done(JSON.parse(stdout) as Loaded);
        } catch {
          return fail(new Error('it printed no answer'));
        }
      }
      const reported = /^testloop-config-failed: (.*)$/m.exec(stderr)?.[1];
      const last = reported ?? stderr.trim().split('\n').filter(Boolean).at(-1) ?? `exit ${code}`;
      fail(new Error(signal ? `no answer within ${LOAD_TIMEOUT_MS / 1000}s` : last.slice(0, 300)));
    });
  });
}
