import { join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { distScript } from '../../util/dist-script.ts';
import { readInput } from '../inputs.ts';
import { escapeGlob, isPathLike, localBin, namePart, ProjectFiles, uniqueSorted } from '../project-files.ts';
import { envOf, testInvocations } from '../scripts.ts';
import type { ProjectInfo, RunnerAdapter, TestName } from '../types.ts';

/** Node flags that take their value as the next word (`--import tsx`). */
const VALUE_FLAGS = new Set([
  '--import',
  '--require',
  '-r',
  '--loader',
  '--experimental-loader',
  '--conditions',
  '-C',
  '--env-file',
  '--input-type',
  '--test-reporter',
  '--test-reporter-destination',
  '--test-name-pattern',
  '--test-skip-pattern',
  '--test-concurrency',
  '--test-timeout',
  '--test-shard',
  '--test-coverage-include',
  '--test-coverage-exclude',
  '--test-global-setup',
  '--watch-path',
]);
const SETUP_FLAGS = new Set([
  '--import',
  '--require',
  '-r',
  '--loader',
  '--experimental-loader',
  '--test-global-setup',
]);
/** Loaders that make `node --test` pick up .ts files. */
const TS_LOADER = /(^|\/)(tsx|ts-node|@swc-node|esbuild-register|@esbuild-kit)/;

interface NodeScript {
  program: 'node' | 'tsx';
  /** Flags as written, with their values, in order; `--watch` dropped. */
  flags: string[];
  /** Files, folders or globs named in the script. */
  paths: string[];
  /** [flag, value] pairs, for setup files and TypeScript loaders. */
  values: [string, string][];
  env: Record<string, string>;
}

/** `node [flags] --test [flags] [paths]` (or `tsx --test …`) from the package's test script. */
function nodeScript(project: ProjectInfo): NodeScript | undefined {
  const invocation = testInvocations(project.packageJson).find(
    (inv) => (inv.program === 'node' || inv.program === 'tsx') && inv.args.includes('--test'),
  );
  if (invocation === undefined) return undefined;
  const script: NodeScript = {
    program: invocation.program as 'node' | 'tsx',
    flags: [],
    paths: [],
    values: [],
    env: invocation.env,
  };
  const { args } = invocation;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const name = arg.split('=')[0]!;
    if (arg === '--') {
      script.paths.push(...args.slice(i + 1));
      break;
    }
    if (arg === '--watch' || name === '--watch-path') {
      if (arg === '--watch-path') i++; // watching is for people, not for CI
    } else if (VALUE_FLAGS.has(arg) && i + 1 < args.length) {
      script.flags.push(arg, args[i + 1]!);
      script.values.push([arg, args[++i]!]);
    } else if (arg.startsWith('-')) {
      script.flags.push(arg);
      if (arg.includes('=')) script.values.push([name, arg.slice(name.length + 1)]);
    } else {
      script.paths.push(arg);
    }
  }
  return script;
}

/** True when the run loads TypeScript: a TS loader, --experimental-strip-types, tsx, or a Node that strips types. */
function runsTypeScript(script: NodeScript | undefined): boolean {
  if (script?.program === 'tsx') return true;
  if (script?.flags.some((flag) => /^--experimental-(strip|transform)-types$/.test(flag))) return true;
  if (script?.values.some(([flag, value]) => SETUP_FLAGS.has(flag) && TS_LOADER.test(value))) return true;
  const stripsByDefault = Boolean((process.features as { typescript?: unknown }).typescript);
  return stripsByDefault && !script?.flags.includes('--no-experimental-strip-types');
}

/** Node's own default patterns (`node --test` with no paths), with the .ts variants under a TS loader. */
function defaultPatterns(typescript: boolean): string[] {
  const ext = typescript ? '{cjs,mjs,js,cts,mts,ts}' : '{cjs,mjs,js}';
  return ['**/*.test', '**/*-test', '**/*_test', '**/test-*', '**/test', '**/test/**/*'].map(
    (p) => `${p}.${ext}`,
  );
}

/** Node's default test file names for JavaScript (see defaultPatterns), as one expression. */
const DEFAULT_JS_TEST =
  /(?:^|\/)(?:[^/]*[.\-_]test|test-[^/]*|test)\.[cm]?js$|(?:^|\/)test\/(?:[^/]+\/)*[^/]+\.[cm]?js$/;
const NODE_TEST_IMPORT = /(?:from\s*|import\s*\(\s*|require\s*\(\s*)['"]node:test['"]/;
/** How many candidate files detection reads at most: one that imports node:test is usually among the first. */
const MAX_PROBED = 50;

function importsNodeTest(project: ProjectInfo): boolean {
  const prefix = relative(project.root, project.dir).split(sep).join('/');
  let probed = 0;
  for (const file of project.files) {
    const local =
      prefix === '' ? file : file.startsWith(`${prefix}/`) ? file.slice(prefix.length + 1) : undefined;
    if (local === undefined || local.includes('node_modules/') || !DEFAULT_JS_TEST.test(local)) continue;
    if (++probed > MAX_PROBED) return false;
    try {
      if (NODE_TEST_IMPORT.test(readInput(join(project.root, file)))) return true;
    } catch {
      // Listed but gone from the working tree.
    }
  }
  return false;
}

function discoverNode(project: ProjectInfo, picomatch: typeof import('picomatch')) {
  const files = ProjectFiles.of(project);
  const script = nodeScript(project);
  const warnings: string[] = [];
  const isDefault = picomatch(defaultPatterns(runsTypeScript(script)), { dot: true });
  const visible = (file: string): boolean => !file.split(sep).includes('node_modules');
  const relToDir = (file: string): string => relative(project.dir, file).split(sep).join('/');
  const tests: string[] = [];
  if (script === undefined || script.paths.length === 0) {
    tests.push(...files.under(project.dir).filter((file) => visible(file) && isDefault(relToDir(file))));
  }
  for (const path of script?.paths ?? []) {
    const absolute = resolve(project.dir, path);
    if (files.has(absolute)) tests.push(absolute);
    else if (files.isDir(absolute)) {
      tests.push(...files.under(absolute).filter((file) => visible(file) && isDefault(relToDir(file))));
    } else if (picomatch.scan(path).isGlob) {
      const isMatch = picomatch(path.replace(/^\.\//, ''), { dot: true });
      tests.push(...files.under(project.dir).filter((file) => visible(file) && isMatch(relToDir(file))));
    } else warnings.push(`package.json: the test script names ${path}, which is not in the repository`);
  }
  const setupFiles = (script?.values ?? []).flatMap(([flag, value]) => {
    if (!SETUP_FLAGS.has(flag) || !isPathLike(value)) return [];
    return files.resolveFile(resolve(project.dir, value)) ?? [];
  });
  const packageJson = join(project.dir, 'package.json');
  const rel = (paths: string[]): string[] => uniqueSorted(paths.flatMap((path) => files.rel(path) ?? []));
  return {
    runner: 'node' as const,
    tests: rel(tests),
    configFiles: rel(files.has(packageJson) ? [packageJson] : []),
    setupFiles: rel(setupFiles),
    aliases: [],
    warnings,
  };
}

/**
 * testloop's JUnit reporter for node --test (./junit-reporter.ts: Node's own shape, with each test's
 * file); Node's own where this package is not built, whose report names no file.
 */
const JUNIT_REPORTER = 'runners/node-junit-reporter.js';

function junitReporter(): string {
  const built = distScript(JUNIT_REPORTER);
  return built === undefined ? 'junit' : pathToFileURL(built).href;
}

export const nodeTestRunner: RunnerAdapter = {
  name: 'node',
  handCommand: { all: ['node', '--test'], some: ['node', '--test'] },
  // node --test writes raw V8 coverage (NODE_V8_COVERAGE) of the files its tests load.
  coverage: { report: 'v8', listsUnloadedFiles: false },
  // Only through testloop's reporter: Node's own names no file.
  get junitNamesFiles() {
    return distScript(JUNIT_REPORTER) !== undefined;
  },
  assertionStyle: 'assert',
  authoring: {
    moduleStyle: 'cjs',
    // Node's own loader resolves an ES module import only by its full name.
    extensionlessImports: false,
    frameworkImports(esm, names) {
      if (names === 'stub')
        return [
          esm
            ? "import { describe, test } from 'node:test';"
            : "const { describe, test } = require('node:test');",
        ];
      return esm
        ? ["import assert from 'node:assert/strict';", "import { describe, it } from 'node:test';"]
        : ["const assert = require('node:assert/strict');", "const { describe, it } = require('node:test');"];
    },
    todo: 'test.todo',
  },
  console: {
    // TAP (`# pass 1`) or spec (`ℹ pass 1`) summary; the file itself counts as a test when it reported
    // none, so its own point is taken off.
    counts(output, file) {
      const stat = (word: string): number | undefined => {
        const m = new RegExp(`^[#ℹ] ${word} (\\d+)\\s*$`, 'm').exec(output);
        return m ? Number(m[1]) : undefined;
      };
      const pass = stat('pass');
      if (pass === undefined) return undefined;
      const fileOk = testPoints(output).some((point) => point.ok && isFilePoint(point.name, file));
      return {
        passed: pass - (fileOk ? 1 : 0),
        failed: (stat('fail') ?? 0) + (stat('cancelled') ?? 0),
        skipped: (stat('skipped') ?? 0) + (stat('todo') ?? 0),
      };
    },
    // The file itself is reported as a failed test, and no test of it ran.
    loadError(output, _counts, file) {
      const points = testPoints(output);
      const own = points.filter((point) => isFilePoint(point.name, file));
      return own.some((point) => !point.ok) && own.length === points.length;
    },
  },

  detect(project) {
    if (nodeScript(project) !== undefined) return 60;
    // No test script, yet files node --test would find import node:test: `node --test` is how they run.
    return importsNodeTest(project) ? 5 : 0;
  },

  async discover(project) {
    // picomatch loads only when discovery runs: a cached discovery (most runs of select) never needs it.
    return discoverNode(project, (await import('picomatch')).default);
  },

  commandLine(project, tests, options) {
    const script = nodeScript(project);
    const program = script?.program === 'tsx' ? localBin(project.dir, 'tsx') : [process.execPath];
    const argv = [...program, ...(script?.flags ?? ['--test'])];
    // Options go before the paths: node reads whatever follows the first path as another path.
    const paths: string[] = [];
    if (tests === 'all') paths.push(...(script?.paths ?? []));
    else {
      if (tests.length === 0)
        throw new Error('node --test: no test files to run (pass "all" for the whole suite)');
      // Node 21+ reads every path argument as a glob: escape so `[id].test.js` names only itself.
      const globs = Number(process.versions.node.split('.')[0]) >= 21;
      for (const test of tests) {
        const path = relative(project.dir, join(project.root, test)).split(sep).join('/');
        paths.push(globs ? escapeGlob(path) : path);
      }
    }
    if (options?.junit !== undefined) {
      // Reporters pair with destinations in order; the spec reporter keeps the log readable.
      const count = (flag: string) => argv.filter((arg) => arg === flag || arg.startsWith(`${flag}=`)).length;
      const reporters = count('--test-reporter');
      const destinations = count('--test-reporter-destination');
      if (reporters === 0) argv.push('--test-reporter=spec', '--test-reporter-destination=stderr');
      for (let i = destinations; i < reporters; i++) argv.push('--test-reporter-destination=stdout');
      argv.push(`--test-reporter=${junitReporter()}`, `--test-reporter-destination=${options.junit}`);
    }
    if (options?.testName) argv.push(`--test-name-pattern=${namePattern(options.testName)}`);
    // node --test cannot shuffle (Node 20): its files run in the order given.
    if (options?.workers !== undefined) argv.push(`--test-concurrency=${options.workers}`);
    argv.push(...paths);
    const coverage = options?.coverage
      ? { NODE_V8_COVERAGE: resolve(project.dir, options.coverageDir ?? 'coverage') }
      : undefined;
    const env = envOf(script?.env, coverage);
    return env ? { argv, env } : { argv };
  },
};

/**
 * node --test matches a pattern against each test's own name (Node 20) or its full name (later
 * releases), and runs a subtest only when the test around it runs: the test itself, the tests it is
 * nested in, and its full name. A describe block runs whichever of its tests match.
 */
function namePattern(test: TestName): string {
  const names = new Set([
    namePart(test),
    ...test.ancestors.filter((a) => a.kind === 'test').map(namePart),
    [...test.ancestors, test].map(namePart).join(' '),
  ]);
  return `^(?:${[...names].join('|')})$`;
}

/** Top-level and nested results of node:test, TAP (`not ok 1 - name`) or spec (`✖ name (1ms)`). */
function testPoints(output: string): { ok: boolean; name: string }[] {
  const points: { ok: boolean; name: string }[] = [];
  for (const m of output.matchAll(/^\s*(not ok|ok) \d+ - (.*?)(?:\s+#\s+(?:SKIP|TODO)\b.*)?$/gm))
    points.push({ ok: m[1] === 'ok', name: m[2]! });
  if (points.length > 0) return points;
  for (const m of output.matchAll(/^\s*([✔✖﹣]) (.*?)(?: \([\d.]+m?s\))?(?: # .*)?$/gm)) {
    if (m[2] !== 'failing tests:') points.push({ ok: m[1] !== '✖', name: m[2]! });
  }
  return points;
}

function isFilePoint(name: string, file: string): boolean {
  const posixName = name.replace(/\\/g, '/');
  const path = file.split(sep).join('/');
  return posixName === path || (posixName.length > 0 && path.endsWith(`/${posixName}`));
}
