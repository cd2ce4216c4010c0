import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import type { Alias } from '../../graph/types.ts';
import { readInput } from '../inputs.ts';
import { installedManifest } from '../installed.ts';
import { isPathLike, ProjectFiles, uniqueSorted } from '../project-files.ts';
import {
  ConfigReader,
  getPath,
  incompleteOf,
  isObject,
  loadConfig,
  mergeConfig,
  normalizeAlias,
  StaticRegExp,
  type StaticValue,
  Unknown,
} from '../static-config.ts';
import type { ProjectInfo, TestDiscovery } from '../types.ts';
import { CONFIG_EXTENSIONS, findVitestConfig, scriptFlags, VITEST_CONFIG_FILES } from './config-files.ts';

const WORKSPACE_FILES = ['vitest.workspace', 'vitest.projects'].flatMap((name) =>
  [...CONFIG_EXTENSIONS, '.json'].map((ext) => name + ext),
);
/** vitest's CONFIG_REGEXP: what a `projects` glob may match as a config file. */
const PROJECT_CONFIG = /^vite(?:st)?(?:\.[\w-]+)?\.config\./;

const DEFAULT_INCLUDE = ['**/*.{test,spec}.?(c|m)[jt]s?(x)'];
/** vitest 4 narrowed the default exclude to node_modules and .git. */
const DEFAULT_EXCLUDE_V4 = ['**/node_modules/**', '**/.git/**'];
const DEFAULT_EXCLUDE_V3 = [
  '**/node_modules/**',
  '**/dist/**',
  '**/cypress/**',
  '**/.{idea,git,cache,output,temp}/**',
  '**/{karma,rollup,webpack,vite,vitest,jest,ava,babel,nyc,cypress,tsup,build,eslint,prettier}.config.*',
];

/** One vitest project: its evaluated config, the folder its globs are relative to, and where it came from. */
interface VitestProject {
  value: StaticValue;
  root: string;
  /** The config file to name in warnings (package.json when there is none). */
  file: string;
}

/** The installed vitest's major version (package.json of node_modules/vitest, else the declared range). */
function vitestMajor(project: ProjectInfo): number {
  const manifest = installedManifest(project, 'vitest');
  if (manifest !== undefined) {
    const version = (JSON.parse(readInput(manifest)) as { version?: string }).version;
    const major = Number(version?.split('.')[0]);
    if (Number.isInteger(major)) return major;
  }
  const deps = {
    ...(project.packageJson.dependencies as object),
    ...(project.packageJson.devDependencies as object),
  };
  const range = (deps as Record<string, unknown>).vitest;
  const major = typeof range === 'string' ? Number(/\d+/.exec(range)?.[0]) : Number.NaN;
  return Number.isInteger(major) ? major : 4;
}

export function discoverVitest(project: ProjectInfo): TestDiscovery {
  const files = ProjectFiles.of(project);
  const reader = new ConfigReader(project.root);
  const major = vitestMajor(project);
  const exclude = major >= 4 ? DEFAULT_EXCLUDE_V4 : DEFAULT_EXCLUDE_V3;
  const library = (module: string, name: string): StaticValue => {
    if (!module.startsWith('vitest')) return undefined;
    if (name === 'configDefaults') return { include: DEFAULT_INCLUDE, exclude };
    if (name === 'defaultInclude') return DEFAULT_INCLUDE;
    if (name === 'defaultExclude') return exclude;
    return undefined;
  };
  const configFiles = new Set<string>();
  const load = (file: string): StaticValue => {
    const loaded = loadConfig(file, { cwd: project.dir, library });
    for (const read of loaded.files) configFiles.add(read);
    return loaded.value;
  };
  const flags = scriptFlags(project);
  const configPath = findVitestConfig(project, files);
  const packageJson = join(project.dir, 'package.json');
  const rootValue = configPath === undefined ? {} : load(configPath);
  const file = configPath ?? packageJson;
  // test.root wins over vite's root; both are relative to the folder vitest starts in.
  const rootSetting =
    flags.root ?? reader.string(rootValue, 'test.root', file) ?? reader.string(rootValue, 'root', file);
  const root = resolve(project.dir, rootSetting ?? '.');

  const definition = projectsDefinition(rootValue, file, root, major, reader, load, files);
  const projects = definition
    ? resolveProjects(definition, { value: rootValue, root, file }, configPath, reader, load, files)
    : [{ value: rootValue, root, file }];

  const tests: string[] = [];
  const setupFiles: string[] = [];
  const aliases: Alias[] = [];
  for (const entry of projects) {
    const dirSetting = flags.dir ?? reader.string(entry.value, 'test.dir', entry.file);
    const dir = dirSetting === undefined ? entry.root : resolve(project.dir, dirSetting);
    tests.push(...testFiles(entry, dir, files, reader, exclude));
    for (const key of ['test.setupFiles', 'test.globalSetup']) {
      for (const spec of reader.strings(entry.value, key, entry.file) ?? []) {
        const found = resolveSetup(spec, entry.root, files);
        if (found !== undefined) setupFiles.push(found);
        else if (isPathLike(spec))
          reader.warn(entry.file, `${key} names ${spec}, which is not in the repository`);
      }
    }
    aliases.push(...readAliases(entry, files, reader));
  }
  if (files.has(packageJson)) configFiles.add(packageJson);
  const rel = (paths: Iterable<string>): string[] =>
    uniqueSorted([...paths].flatMap((path) => files.rel(path) ?? []));
  // The root itself is no folder of its own (rel gives nothing for it).
  const projectDirs = definition ? rel(projects.map((entry) => entry.root)) : [];
  return {
    runner: 'vitest',
    tests: rel(tests),
    configFiles: rel(configFiles),
    setupFiles: rel(setupFiles),
    aliases: dedupeAliases(aliases),
    warnings: reader.warnings(),
    ...incompleteOf(reader),
    ...(projectDirs.length > 0 ? { projectDirs } : {}),
  };
}

function testFiles(
  entry: VitestProject,
  dir: string,
  files: ProjectFiles,
  reader: ConfigReader,
  defaultExclude: string[],
): string[] {
  const include = (reader.strings(entry.value, 'test.include', entry.file) ?? DEFAULT_INCLUDE).map(clean);
  const exclude = (reader.strings(entry.value, 'test.exclude', entry.file) ?? defaultExclude).map(clean);
  const includeSource = (reader.strings(entry.value, 'test.includeSource', entry.file) ?? []).map(clean);
  const isIncluded = picomatch(include, { dot: true });
  const isExcluded = exclude.length > 0 ? picomatch(exclude, { dot: true }) : () => false;
  const isSource = includeSource.length > 0 ? picomatch(includeSource, { dot: true }) : () => false;
  const out: string[] = [];
  // Listed paths are clean, so on POSIX the path below `dir` is a slice: relative() per file is the
  // slowest part of discovery in a large repository.
  const prefix = dir.endsWith(sep) ? dir : dir + sep;
  for (const file of files.absolute) {
    let rel: string;
    if (sep === '/') {
      if (!file.startsWith(prefix)) continue;
      rel = file.slice(prefix.length);
    } else {
      rel = relative(dir, file).split(sep).join('/');
      if (rel.startsWith('../') || isAbsolute(rel)) continue;
    }
    if (isExcluded(rel)) continue;
    if (isIncluded(rel)) out.push(file);
    else if (isSource(rel) && inSourceTests(file)) out.push(file);
  }
  return out;
}

/** `test.includeSource` files are tests when they contain `import.meta.vitest` (vitest's own check). */
function inSourceTests(file: string): boolean {
  try {
    return readInput(file).includes('import.meta.vitest');
  } catch {
    return false; // listed by git but deleted in the working tree
  }
}

/** tinyglobby drops a leading `./` from patterns. */
function clean(pattern: string): string {
  return pattern.replace(/^(!?)\.\//, '$1');
}

/** vitest's resolvePath: a module id resolved from the root, else a path under the root. */
function resolveSetup(spec: string, root: string, files: ProjectFiles): string | undefined {
  if (isPathLike(spec)) return files.resolveFile(resolve(root, spec));
  return files.resolveFile(join(root, spec));
}

function projectsDefinition(
  value: StaticValue,
  file: string,
  root: string,
  major: number,
  reader: ConfigReader,
  load: (file: string) => StaticValue,
  files: ProjectFiles,
): StaticValue[] | undefined {
  for (const key of ['test.projects', 'test.workspace']) {
    const found = getPath(value, key);
    if (found === undefined || found === null) continue;
    if (Array.isArray(found)) return found;
    if (typeof found === 'string') return asArray(load(resolve(root, found)), key, file, reader);
    reader.fallback(found instanceof Unknown ? found : new Unknown('is not a list', file, 0), key);
    return undefined;
  }
  if (major >= 4) return undefined;
  const workspace = WORKSPACE_FILES.map((name) => join(root, name)).find((path) => files.has(path));
  return workspace === undefined ? undefined : asArray(load(workspace), 'the workspace', workspace, reader);
}

function asArray(
  value: StaticValue,
  label: string,
  file: string,
  reader: ConfigReader,
): StaticValue[] | undefined {
  if (Array.isArray(value)) return value;
  reader.fallback(value instanceof Unknown ? value : new Unknown('is not a list', file, 0), label);
  return undefined;
}

function resolveProjects(
  definition: StaticValue[],
  rootProject: VitestProject,
  rootConfig: string | undefined,
  reader: ConfigReader,
  load: (file: string) => StaticValue,
  files: ProjectFiles,
): VitestProject[] {
  const root = rootProject.root;
  const configs = new Set<string>();
  const folders = new Set<string>();
  const out: VitestProject[] = [];
  const addFolder = (folder: string): void => {
    const config = VITEST_CONFIG_FILES.map((name) => join(folder, name)).find((path) => files.has(path));
    if (config !== undefined) configs.add(config);
    else folders.add(folder);
  };
  definition.forEach((entry, index) => {
    const label = `test.projects[${index}]`;
    if (typeof entry === 'string') {
      const pattern = entry.replace('<rootDir>', root);
      if (!picomatch.scan(pattern).isGlob) {
        const path = resolve(root, pattern);
        if (files.has(path)) configs.add(path);
        else if (files.isDir(path)) addFolder(path);
        else reader.warn(rootProject.file, `${label} names ${entry}, which is not in the repository`);
        return;
      }
      const isMatch = picomatch(clean(isAbsolute(pattern) ? relative(root, pattern) : pattern), {
        dot: true,
      });
      const visible = (path: string): boolean => !path.split(sep).includes('node_modules');
      for (const file of files.absolute) {
        if (PROJECT_CONFIG.test(basename(file)) && visible(file) && isMatch(relative(root, file)))
          configs.add(file);
      }
      for (const folder of files.directories()) {
        const rel = relative(root, folder);
        if (rel !== '' && !rel.startsWith('..') && visible(folder) && isMatch(rel)) addFolder(folder);
      }
    } else if (isObject(entry)) {
      const extended = entry.extends;
      const base =
        extended === true
          ? rootProject.value
          : typeof extended === 'string'
            ? load(resolve(root, extended))
            : {};
      const value = mergeConfig(base, entry);
      const own = getPath(entry, 'test.root') ?? getPath(entry, 'root');
      out.push({ value, root: typeof own === 'string' ? resolve(root, own) : root, file: rootProject.file });
    } else {
      reader.fallback(
        entry instanceof Unknown ? entry : new Unknown('is not a path or a config', rootProject.file, 0),
        label,
      );
    }
  });
  for (const config of configs) {
    if (config === rootConfig) {
      out.push({ value: rootProject.value, root, file: config });
      continue;
    }
    const value = load(config);
    const own = reader.string(value, 'test.root', config);
    out.push({
      value,
      root: own === undefined ? dirname(config) : resolve(dirname(config), own),
      file: config,
    });
  }
  for (const folder of folders) out.push({ value: {}, root: folder, file: rootProject.file });
  return out;
}

function readAliases(entry: VitestProject, files: ProjectFiles, reader: ConfigReader): Alias[] {
  const out: Alias[] = [];
  for (const key of ['resolve.alias', 'test.alias']) {
    const value = getPath(entry.value, key);
    if (value === undefined || value === null) continue;
    const list = normalizeAlias(value);
    if (list instanceof Unknown) {
      reader.fallback(list, key);
      continue;
    }
    for (const item of list) {
      const find = isObject(item) ? item.find : undefined;
      const replacement = isObject(item) ? item.replacement : undefined;
      const bad = [item, find, replacement].find((part) => part instanceof Unknown);
      if (bad instanceof Unknown || typeof replacement !== 'string') {
        reader.fallback(
          bad instanceof Unknown
            ? bad
            : new Unknown('has an entry without a string replacement', entry.file, 0),
          key,
        );
        continue;
      }
      const target = aliasTarget(replacement, entry.root, files);
      if (typeof find === 'string') out.push({ find, replacement: target });
      else if (find instanceof StaticRegExp)
        out.push({ find: find.source, regex: true, replacement: target });
    }
  }
  return out;
}

/** Vite reads an absolute-looking `/src` replacement as root-relative when the root has that folder. */
function aliasTarget(replacement: string, root: string, files: ProjectFiles): string {
  if (!replacement.startsWith('/') || replacement.startsWith(files.root)) return replacement;
  const underRoot = join(root, replacement);
  return files.isDir(underRoot) || files.resolveFile(underRoot) ? underRoot : replacement;
}

function dedupeAliases(aliases: Alias[]): Alias[] {
  const seen = new Set<string>();
  return aliases.filter((alias) => {
    const key = JSON.stringify(alias);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
