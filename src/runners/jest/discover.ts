import { basename, dirname, extname, isAbsolute, join, normalize, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import type { Alias } from '../../graph/types.ts';
import { isPathLike, ProjectFiles, uniqueSorted } from '../project-files.ts';
import { UNKNOWN_KEYS } from '../static/values.ts';
import {
  ConfigReader,
  getPath,
  incompleteOf,
  isObject,
  loadConfig,
  loadJson,
  type StaticValue,
  Unknown,
} from '../static-config.ts';
import type { ProjectInfo, TestDiscovery } from '../types.ts';
import { configIn, findJestConfig, JEST_CONFIG_FILES } from './config-files.ts';
import { mapperAlias } from './module-name-mapper.ts';

/** jest-config's JEST_CONFIG_EXT_ORDER. */
const DEFAULT_TEST_MATCH = ['**/__tests__/**/*.?([mc])[jt]s?(x)', '**/?(*.)+(spec|test).?([mc])[jt]s?(x)'];
const DEFAULT_EXTENSIONS = ['js', 'mjs', 'cjs', 'jsx', 'ts', 'mts', 'cts', 'tsx', 'json', 'node'];
/** Presets known to leave test discovery alone (they only set transforms). */
const HARMLESS_PRESET = /^ts-jest(\/|$)/;

interface JestProject {
  value: StaticValue;
  /** The config file, or the package.json holding `jest`, for messages. */
  file: string;
  rootDir: string;
}

export function discoverJest(project: ProjectInfo): TestDiscovery {
  const files = ProjectFiles.of(project);
  const reader = new ConfigReader(project.root);
  const configFiles = new Set<string>();
  const packageJson = join(project.dir, 'package.json');
  const load = (file: string): StaticValue => {
    if (basename(file) === 'package.json') {
      configFiles.add(file);
      const value = file === packageJson ? (project.packageJson as StaticValue) : loadJson(file);
      return isObject(value) ? (value.jest ?? {}) : value;
    }
    const loaded = loadConfig(file, { cwd: project.dir });
    for (const read of loaded.files) configFiles.add(read);
    return loaded.value;
  };
  const configPath = findJestConfig(project, files);
  const value = configPath === undefined ? {} : load(configPath);
  const file = configPath ?? packageJson;
  const rootDir = resolve(dirname(file), reader.string(value, 'rootDir', file) ?? '.');
  const main: JestProject = { value, file, rootDir };
  const projectsValue = getPath(value, 'projects');
  let projects = [main];
  let projectDirs: string[] = [];
  if (projectsValue instanceof Unknown) reader.fallback(projectsValue, 'projects');
  else if (Array.isArray(projectsValue) && projectsValue.length > 0) {
    projects = resolveProjects(projectsValue, main, project, files, reader, load);
    projectDirs = uniqueSorted(projects.flatMap((entry) => files.rel(entry.rootDir) ?? []));
  }

  const tests: string[] = [];
  const setupFiles: string[] = [];
  const aliases: Alias[] = [];
  for (const entry of projects) {
    tests.push(...testFiles(entry, files, reader));
    for (const key of ['setupFiles', 'setupFilesAfterEnv', 'globalSetup', 'globalTeardown']) {
      for (const spec of reader.strings(entry.value, key, entry.file) ?? []) {
        const path = replaceRootDir(entry.rootDir, spec);
        if (!isPathLike(path)) continue; // a package: jest resolves it from node_modules
        const found = files.resolveFile(resolve(entry.rootDir, path));
        if (found !== undefined) setupFiles.push(found);
        else reader.warn(entry.file, `${key} names ${spec}, which is not in the repository`);
      }
    }
    aliases.push(...moduleNameMapper(entry, reader));
    const preset = reader.string(entry.value, 'preset', entry.file);
    if (preset !== undefined && !HARMLESS_PRESET.test(preset)) {
      reader.warn(
        entry.file,
        `cannot read preset "${preset}" statically (its testMatch, roots and setup files are not seen); using the default`,
      );
    }
  }
  if (files.has(packageJson)) configFiles.add(packageJson);
  const rel = (paths: Iterable<string>): string[] =>
    uniqueSorted([...paths].flatMap((path) => files.rel(path) ?? []));
  return {
    runner: 'jest',
    tests: rel(tests),
    configFiles: rel(configFiles),
    setupFiles: rel(setupFiles),
    aliases,
    warnings: reader.warnings(),
    ...incompleteOf(reader),
    ...(projectDirs.length > 0 ? { projectDirs } : {}),
  };
}

/** jest's `replaceRootDirInPath`: only a leading `<rootDir>` is replaced. */
function replaceRootDir(rootDir: string, path: string): string {
  return path.startsWith('<rootDir>')
    ? resolve(rootDir, normalize(`./${path.slice('<rootDir>'.length)}`))
    : path;
}

/** jest-config's escapeGlobCharacters, for `<rootDir>` inside testMatch globs. */
function escapeRootDir(path: string): string {
  return path.replaceAll(/([!()*?[\\\]{}])/g, '\\$1');
}

/** SearchSource.isTestFilePath over the listed files under `roots` with a module extension. */
function testFiles(entry: JestProject, files: ProjectFiles, reader: ConfigReader): string[] {
  const { value, file, rootDir } = entry;
  const roots = (reader.strings(value, 'roots', file) ?? ['<rootDir>']).map((root) =>
    resolve(rootDir, replaceRootDir(rootDir, root)),
  );
  const extensions = new Set(reader.strings(value, 'moduleFileExtensions', file) ?? DEFAULT_EXTENSIONS);
  const testRegex = compile(reader.strings(value, 'testRegex', file) ?? [], 'testRegex', file, reader);
  const testMatch = (
    reader.strings(value, 'testMatch', file) ?? (testRegex.length > 0 ? [] : DEFAULT_TEST_MATCH)
  ).map((glob) =>
    glob.startsWith('<rootDir>') ? escapeRootDir(rootDir) + glob.slice('<rootDir>'.length) : glob,
  );
  const substitute = (patterns: string[]): string[] =>
    patterns.map((p) => p.replaceAll('<rootDir>', rootDir));
  const ignore = compile(
    substitute(reader.strings(value, 'testPathIgnorePatterns', file) ?? ['/node_modules/']),
    'testPathIgnorePatterns',
    file,
    reader,
  );
  const hasteIgnore = compile(
    substitute(reader.strings(value, 'modulePathIgnorePatterns', file) ?? []),
    'modulePathIgnorePatterns',
    file,
    reader,
  );
  const isMatch = testMatch.length > 0 ? globsToMatcher(testMatch) : () => true;
  return files.absolute.filter((path) => {
    const posix = path.split(sep).join('/');
    return (
      roots.some((root) => path.startsWith(root + sep)) &&
      extensions.has(extname(path).slice(1)) &&
      !hasteIgnore.some((regex) => regex.test(path)) &&
      isMatch(posix) &&
      !ignore.some((regex) => regex.test(path)) &&
      (testRegex.length === 0 || testRegex.some((regex) => regex.test(path)))
    );
  });
}

function compile(patterns: string[], key: string, file: string, reader: ConfigReader): RegExp[] {
  return patterns.flatMap((pattern) => {
    try {
      return [new RegExp(pattern)];
    } catch {
      reader.warn(file, `${key} pattern ${pattern} is not a valid regular expression; it is ignored`);
      return [];
    }
  });
}

/** jest-util's globsToMatcher: kept by a positive glob, dropped by a later negated one. */
function globsToMatcher(globs: string[]): (path: string) => boolean {
  const matchers = globs.map((glob) => {
    const isMatch = picomatch(glob, { dot: true }, true);
    return { isMatch, negated: Boolean(isMatch.state?.negated || isMatch.state?.negatedExtglob) };
  });
  const negatives = matchers.filter((matcher) => matcher.negated).length;
  return (path) => {
    let kept: boolean | undefined;
    for (const { isMatch, negated } of matchers) {
      const matched = isMatch(path);
      if (!matched && negated) kept = false;
      else if (matched && !negated) kept = true;
    }
    return negatives === matchers.length ? kept !== false : Boolean(kept);
  };
}

/** moduleNameMapper → regex aliases (see mapperAlias). */
function moduleNameMapper(entry: JestProject, reader: ConfigReader): Alias[] {
  const mapper = getPath(entry.value, 'moduleNameMapper');
  if (mapper === undefined || mapper === null) return [];
  if (!isObject(mapper)) {
    reader.fallback(
      mapper instanceof Unknown ? mapper : new Unknown('is not an object', entry.file, 0),
      'moduleNameMapper',
    );
    return [];
  }
  // Built with an unknown spread (`{ ...computed(), '^x$': 'y' }`): entries exist that cannot be seen.
  const unknownKeys = mapper[UNKNOWN_KEYS];
  if (unknownKeys !== undefined) {
    reader.fallback(unknownKeys, 'moduleNameMapper');
    return [];
  }
  const out: Alias[] = [];
  for (const [pattern, target] of Object.entries(mapper)) {
    const targets = Array.isArray(target) ? target : [target];
    const bad = targets.find((item) => typeof item !== 'string');
    if (bad !== undefined) {
      reader.fallback(
        bad instanceof Unknown ? bad : new Unknown('maps to a non-string', entry.file, 0),
        `moduleNameMapper['${pattern}']`,
      );
      continue;
    }
    for (const item of targets as string[])
      out.push(mapperAlias(pattern, replaceRootDir(entry.rootDir, item)));
  }
  return out;
}

function resolveProjects(
  entries: StaticValue[],
  main: JestProject,
  project: ProjectInfo,
  files: ProjectFiles,
  reader: ConfigReader,
  load: (file: string) => StaticValue,
): JestProject[] {
  const out: JestProject[] = [];
  const parentDir = dirname(main.file);
  const fromPath = (path: string): void => {
    if (files.isDir(path)) {
      const config = configIn(path, files);
      const value = config === undefined ? {} : load(config);
      const file = config ?? join(path, 'package.json');
      out.push({
        value,
        file,
        rootDir: resolve(dirname(file), reader.string(value, 'rootDir', file) ?? '.'),
      });
    } else if (
      files.has(path) &&
      JEST_CONFIG_FILES.some((name) => path.endsWith(name.slice('jest.config'.length)))
    ) {
      const value = load(path);
      out.push({
        value,
        file: path,
        rootDir: resolve(dirname(path), reader.string(value, 'rootDir', path) ?? '.'),
      });
    } else if (!files.has(path)) {
      reader.warn(main.file, `projects names ${path}, which is not in the repository`);
    }
  };
  entries.forEach((entry, index) => {
    if (typeof entry === 'string') {
      const path = replaceRootDir(main.rootDir, entry);
      if (!picomatch.scan(path).isGlob) {
        fromPath(resolve(project.dir, path));
        return;
      }
      // jest globs projects from the working directory, files and folders alike.
      const isMatch = picomatch(isAbsolute(path) ? path : join(project.dir, path).split(sep).join('/'), {
        dot: true,
      });
      const matches = [...files.directories(), ...files.absolute].filter((candidate) =>
        isMatch(candidate.split(sep).join('/')),
      );
      for (const match of matches.sort()) fromPath(match);
      return;
    }
    if (isObject(entry)) {
      const own = reader.string(entry, 'rootDir', main.file);
      out.push({
        value: entry,
        file: main.file,
        rootDir: own === undefined ? parentDir : resolve(parentDir, replaceRootDir(parentDir, own)),
      });
      return;
    }
    reader.fallback(
      entry instanceof Unknown ? entry : new Unknown('is not a path or a config', main.file, 0),
      `projects[${index}]`,
    );
  });
  return out;
}
