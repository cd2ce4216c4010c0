// Run as a child process: loads a package's vitest config through the package's own `vitest/node` (the
// way `vitest list` does, running no test) and prints what the static reader could not evaluate: each
// project's test files, setup files and aliases, and the files the config imported.
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { answerAndExit } from '../config-loader/child.ts';
import type { LoadedRunnerConfig } from '../config-loader/protocol.ts';

/** vite's own aliases (`/@vite/client`), not the project's. */
const VITE_INTERNAL = /@vite\//;

const [dir, config] = process.argv.slice(2);
await answerAndExit(() => loadConfig(dir!, config));

async function loadConfig(dir: string, config: string | undefined): Promise<LoadedRunnerConfig> {
  const requireFromProject = createRequire(`${dir}/package.json`);
  const { createVitest } = (await import(pathToFileURL(requireFromProject.resolve('vitest/node')).href)) as {
    createVitest: (mode: string, options: object, vite: object, vitest: object) => Promise<VitestLike>;
  };
  const vitest = await createVitest(
    'test',
    { root: dir, watch: false, reporters: [], ...(config ? { config } : {}) },
    {},
    {},
  );
  const loaded: LoadedRunnerConfig = { projects: [], dependencies: [] };
  for (const project of vitest.projects) {
    const { testFiles, typecheckTestFiles } = await project.globTestFiles();
    const global = project.config.globalSetup ?? [];
    loaded.projects.push({
      tests: [...testFiles, ...typecheckTestFiles],
      setupFiles: [...(project.config.setupFiles ?? []), ...(Array.isArray(global) ? global : [global])],
      aliases: project.vite.config.resolve.alias.flatMap(({ find, replacement }) => {
        const to = isAbsolute(replacement) ? replacement : resolve(dir, replacement);
        if (typeof find === 'string') return VITE_INTERNAL.test(find) ? [] : [{ find, replacement: to }];
        // A regex alias is one too: dropped, a bare name it sends to a repository file would go unseen.
        if (!(find instanceof RegExp))
          throw new Error(`resolve.alias: cannot read the alias ${String(find)}`);
        if (VITE_INTERNAL.test(find.source.replaceAll('\\/', '/'))) return [];
        if (/[^dsu]/.test(find.flags))
          throw new Error(`resolve.alias: the regex alias ${find} has flags the module graph cannot apply`);
        return [{ find: find.source, regex: true, replacement: to }];
      }),
    });
    loaded.dependencies.push(...(project.vite.config.configFileDependencies ?? []));
  }
  await vitest.close();
  return loaded;
}

interface VitestLike {
  projects: {
    config: { setupFiles?: string[]; globalSetup?: string[] | string };
    vite: {
      config: {
        resolve: { alias: { find: unknown; replacement: string }[] };
        configFileDependencies?: string[];
      };
    };
    globTestFiles(): Promise<{ testFiles: string[]; typecheckTestFiles: string[] }>;
  }[];
  close(): Promise<void>;
}
