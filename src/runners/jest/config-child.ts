// Run as a child process: reads a package's jest config through the package's own jest (jest-config's
// readConfigs, as `jest` itself does: presets, `projects`, functions and imports all evaluated) and prints
// each project's test files, setup files and moduleNameMapper, and the files the config imported. No test
// runs. The test files are the package's listed files (given on stdin) that jest's own SearchSource takes,
// after the filters jest's file crawl applies first (extensions, modulePathIgnorePatterns, node_modules).
import { realpathSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { readStdin } from '../../util/stdin.ts';
import { answerAndExit } from '../config-loader/child.ts';
import type { LoadedRunnerConfig } from '../config-loader/protocol.ts';
import { mapperAlias } from './module-name-mapper.ts';

const NODE_MODULES = `${sep}node_modules${sep}`;
/** Node's one CommonJS module cache, whichever require filled it. */
const moduleCache = createRequire(import.meta.url).cache;

async function loadConfig(dir: string, config: string | undefined): Promise<LoadedRunnerConfig> {
  // jest works from its working directory's real path: the answer goes back in the spelling given.
  const real = realpathSync(dir);
  const given = (path: string) =>
    path === real || path.startsWith(real + sep) ? dir + path.slice(real.length) : path;
  const files = (JSON.parse((await readStdin()).toString('utf8')) as string[]).map((file) =>
    file.startsWith(dir + sep) ? real + file.slice(dir.length) : file,
  );
  // The modules the package's jest itself uses: jest → @jest/core → jest-config.
  const fromJest = createRequire(createRequire(join(real, 'package.json')).resolve('jest/package.json'));
  const fromCore = createRequire(fromJest.resolve('@jest/core'));
  const { SearchSource } = fromJest('@jest/core') as { SearchSource: SearchSourceClass };
  const { readConfigs } = fromCore('jest-config') as JestConfigModule;
  const argv = { $0: 'jest', _: [], ...(config ? { config } : {}) };
  const { value, imported } = await recordImports(() => readConfigs(argv, [process.cwd()]));
  const { globalConfig, configs } = value;
  const globalSetup = [globalConfig.globalSetup, globalConfig.globalTeardown];
  return {
    projects: configs.map((project) => {
      const search = new SearchSource({ config: project });
      const crawled = crawlFilter(project);
      return {
        tests: files.filter((file) => crawled(file) && search.isTestFilePath(file)).map(given),
        setupFiles: [
          ...project.setupFiles,
          ...project.setupFilesAfterEnv,
          ...[...globalSetup, project.globalSetup, project.globalTeardown].filter(
            (file): file is string => typeof file === 'string',
          ),
        ].map(given),
        aliases: project.moduleNameMapper.flatMap(([pattern, target]) =>
          (Array.isArray(target) ? target : [target]).map((to) => mapperAlias(pattern, given(to))),
        ),
      };
    }),
    dependencies: imported.filter((file) => !file.includes(NODE_MODULES)).map(given),
    ...(globalConfig.projects.length > 0
      ? { projectDirs: configs.map((project) => given(project.rootDir)) }
      : {}),
  };
}

/** What jest's file crawl keeps (jest-runtime's createHasteMap, jest-haste-map's ignore matcher). */
function crawlFilter(project: ProjectConfig): (file: string) => boolean {
  const extensions = new Set(project.moduleFileExtensions.map((ext) => `.${ext}`));
  const parts = [...project.modulePathIgnorePatterns];
  if (project.cacheDirectory.startsWith(project.rootDir + sep)) parts.push(project.cacheDirectory);
  const ignore = parts.length > 0 ? new RegExp(parts.join('|')) : undefined;
  const retainAll = project.haste.retainAllFiles === true;
  return (file) =>
    extensions.has(extname(file)) && !ignore?.test(file) && (retainAll || !file.includes(NODE_MODULES));
}

/**
 * Runs `load` and returns, with its value, every file it loaded: CommonJS modules (and configs compiled
 * through a require hook, as ts-node's are) appear in require.cache; ES modules are seen by a resolve hook.
 */
async function recordImports<T>(load: () => Promise<T>): Promise<{ value: T; imported: string[] }> {
  const before = new Set(Object.keys(moduleCache));
  const { port1, port2 } = new MessageChannel();
  const esm = new Set<string>();
  let flushed: (() => void) | undefined;
  port1.on('message', (message: { url?: string }) => {
    if (message.url === undefined) flushed?.();
    else if (message.url.startsWith('file:')) esm.add(fileURLToPath(message.url));
  });
  register(`data:text/javascript,${encodeURIComponent(RESOLVE_HOOK)}`, {
    data: { port: port2 },
    transferList: [port2],
  });
  const value = await load();
  // The hooks run on their own thread: a reply to this message comes after every URL it sent before.
  await new Promise<void>((done) => {
    flushed = done;
    port1.postMessage('flush');
  });
  port1.close();
  const required = Object.keys(moduleCache).filter((file) => !before.has(file));
  return { value, imported: [...new Set([...required, ...esm])].sort() };
}

/** Runs on Node's module hooks thread: tells the main thread every URL an `import` resolved to. */
const RESOLVE_HOOK = `
let port;
export function initialize(data) {
  port = data.port;
  port.on('message', () => port.postMessage({}));
}
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  port.postMessage({ url: result.url });
  return result;
}
`;

// Last: the module's constants above are set before the answer is worked out.
const [dir, config] = process.argv.slice(2);
await answerAndExit(() => loadConfig(dir!, config));

interface ProjectConfig {
  rootDir: string;
  cacheDirectory: string;
  moduleFileExtensions: string[];
  modulePathIgnorePatterns: string[];
  haste: { retainAllFiles?: boolean };
  moduleNameMapper: [string, string | string[]][];
  setupFiles: string[];
  setupFilesAfterEnv: string[];
  globalSetup?: string | null;
  globalTeardown?: string | null;
}

interface JestConfigModule {
  readConfigs(
    argv: object,
    projectPaths: string[],
  ): Promise<{
    globalConfig: { projects: unknown[]; globalSetup?: string | null; globalTeardown?: string | null };
    configs: ProjectConfig[];
  }>;
}

type SearchSourceClass = new (context: {
  config: ProjectConfig;
}) => { isTestFilePath(path: string): boolean };
