import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { isPathLike, ProjectFiles, uniqueSorted } from '../project-files.ts';
import {
  ConfigReader,
  getPath,
  incompleteOf,
  isObject,
  loadConfig,
  StaticRegExp,
  type StaticValue,
  Unknown,
} from '../static-config.ts';
import type { ProjectInfo, TestDiscovery } from '../types.ts';
import { findPlaywrightConfig } from './config-files.ts';

/** Playwright's default testMatch. */
const DEFAULT_MATCH = ['**/*.@(spec|test).?(c|m)[jt]s?(x)'];

type Pattern = string | RegExp;

/** One Playwright project: where its specs are and which files there are specs. */
interface SpecSet {
  testDir: string;
  match: Pattern[];
  ignore: Pattern[];
}

/**
 * Specs, setup files and the application they reach, read statically from playwright.config.*. Specs
 * reach the application through a URL, which no import shows: the discovery names the folder whose
 * files the application is made of (`urlTests.appDir`), so that a change reaching it selects every spec.
 */
export function discoverPlaywright(project: ProjectInfo): TestDiscovery {
  const files = ProjectFiles.of(project);
  const reader = new ConfigReader(project.root);
  const configPath = findPlaywrightConfig(project, files);
  const configFiles = new Set<string>();
  let value: StaticValue = {};
  if (configPath !== undefined) {
    const loaded = loadConfig(configPath, { cwd: project.dir });
    for (const read of loaded.files) configFiles.add(read);
    value = loaded.value;
  }
  const file = configPath ?? resolve(project.dir, 'package.json');
  const configDir = configPath === undefined ? project.dir : dirname(configPath);
  const top: SpecSet = {
    testDir: resolve(configDir, reader.string(value, 'testDir', file) ?? '.'),
    match: patterns(reader, value, 'testMatch', file) ?? DEFAULT_MATCH,
    ignore: patterns(reader, value, 'testIgnore', file) ?? [],
  };
  const sets = specSets(reader, value, file, configDir, top);
  const tests = new Set<string>();
  for (const set of sets) for (const spec of specsOf(set, files)) tests.add(spec);
  const setupFiles: string[] = [];
  for (const key of ['globalSetup', 'globalTeardown']) {
    for (const spec of reader.strings(value, key, file) ?? []) {
      const found = isPathLike(spec) ? files.resolveFile(resolve(configDir, spec)) : undefined;
      if (found !== undefined) setupFiles.push(found);
      else reader.warn(file, `${key} names ${spec}, which is not a file of the repository`);
    }
  }
  const packageJson = resolve(project.dir, 'package.json');
  if (files.has(packageJson)) configFiles.add(packageJson);
  const rel = (paths: Iterable<string>): string[] =>
    uniqueSorted([...paths].flatMap((path) => files.rel(path) ?? []));
  const testList = rel(tests);
  return {
    runner: 'playwright',
    tests: testList,
    configFiles: rel(configFiles),
    setupFiles: rel(setupFiles),
    aliases: [],
    warnings: reader.warnings(),
    ...incompleteOf(reader),
    urlTests: {
      tests: testList,
      appDir: appDirOf(reader, value, file, configDir, project, files),
      testDirs: uniqueSorted(sets.map((set) => files.rel(set.testDir) ?? '')),
    },
  };
}

/** `projects[]` each with the top level's settings where they set none; the top level alone without. */
function specSets(
  reader: ConfigReader,
  value: StaticValue,
  file: string,
  configDir: string,
  top: SpecSet,
): SpecSet[] {
  const projects = getPath(value, 'projects');
  if (projects === undefined || projects === null) return [top];
  if (!Array.isArray(projects)) {
    reader.fallback(
      projects instanceof Unknown ? projects : new Unknown('is not a list', file, 0),
      'projects',
    );
    return [top];
  }
  return projects.map((entry, i) => {
    if (!isObject(entry)) {
      reader.fallback(
        entry instanceof Unknown ? entry : new Unknown('is not an object', file, 0),
        `projects[${i}]`,
      );
      return top;
    }
    const testDir = reader.string(entry, 'testDir', file);
    return {
      testDir: testDir === undefined ? top.testDir : resolve(configDir, testDir),
      match: patterns(reader, entry, 'testMatch', file) ?? top.match,
      ignore: patterns(reader, entry, 'testIgnore', file) ?? top.ignore,
    };
  });
}

/** A glob, a RegExp, or a list of them; undefined (the default) when absent or computed. */
function patterns(
  reader: ConfigReader,
  value: StaticValue,
  key: string,
  file: string,
): Pattern[] | undefined {
  const found = getPath(value, key);
  if (found === undefined || found === null) return undefined;
  const list = Array.isArray(found) ? found : [found];
  const out: Pattern[] = [];
  for (const item of list) {
    if (typeof item === 'string') out.push(item);
    else if (item instanceof StaticRegExp) out.push(new RegExp(item.source, item.flags.replace(/[gy]/g, '')));
    else {
      reader.fallback(
        item instanceof Unknown ? item : new Unknown('is not a glob or a RegExp', file, 0),
        key,
      );
      return undefined;
    }
  }
  return out;
}

/**
 * Playwright's file matcher: a glob not starting with `**` or `/` matches anywhere below the test folder
 * (it is prefixed with `**\/`), a RegExp is tested against the absolute path; node_modules never holds specs.
 */
function specsOf(set: SpecSet, files: ProjectFiles): string[] {
  const matcher = (list: Pattern[]) => {
    const globs = list.filter((p): p is string => typeof p === 'string');
    const regexps = list.filter((p): p is RegExp => p instanceof RegExp);
    const glob = globs.length === 0 ? () => false : picomatch(globs.map(anywhere), { dot: true });
    return (absolute: string, rel: string) => glob(rel) || regexps.some((re) => re.test(absolute));
  };
  const isSpec = matcher(set.match);
  const isIgnored = set.ignore.length === 0 ? () => false : matcher(set.ignore);
  const out: string[] = [];
  for (const absolute of files.under(set.testDir)) {
    const rel = relative(set.testDir, absolute).split(sep).join('/');
    if (rel.includes('node_modules/')) continue;
    if (isSpec(absolute, rel) && !isIgnored(absolute, rel)) out.push(absolute);
  }
  return out;
}

function anywhere(glob: string): string {
  const clean = glob.replace(/^\.\//, '');
  return clean.startsWith('**') || clean.startsWith('/') ? clean : `**/${clean}`;
}

/**
 * The folder whose files make up the application the specs open (repository-relative, '' for the whole
 * repository): the package, when its `webServer` starts the application from it; the whole repository when
 * there is no webServer (the application is started elsewhere, or is deployed) or it is started from
 * another folder, since the specs may then reach any of it.
 */
function appDirOf(
  reader: ConfigReader,
  value: StaticValue,
  file: string,
  configDir: string,
  project: ProjectInfo,
  files: ProjectFiles,
): string {
  const server = getPath(value, 'webServer');
  const servers = Array.isArray(server) ? server : server === undefined || server === null ? [] : [server];
  if (servers.length === 0) return '';
  const packageDir = files.rel(project.dir) ?? '';
  for (const entry of servers) {
    const command = isObject(entry) ? reader.string(entry, 'command', file) : undefined;
    const cwd = isObject(entry) ? reader.string(entry, 'cwd', file) : undefined;
    if (command === undefined) return '';
    // A command that changes folder or names another workspace starts an application from elsewhere.
    if (/(?:^|[;&|]\s*)cd\s|--prefix|--filter|--workspace|\s-w\s|\s-C\s/.test(command)) return '';
    if (cwd !== undefined) {
      const dir = resolve(configDir, cwd);
      const rel = relative(project.dir, dir);
      if (rel.startsWith('..') || isAbsolute(rel)) return '';
    }
  }
  return packageDir;
}
