// `testloop select` against `jest --listTests --findRelatedTests` and `vitest list --filesOnly --related` on
// one generated TypeScript monorepo: generator, measurement, comparison. Run alone with `node bench/select.js`
// (after `npm run build`) or from bench/run.js.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { floorMedians, floorSample, GIT_ENV, rng } from './common.js';

/** Bump `version` whenever the generator's output changes: the cached monorepo is then regenerated. */
export const PARAMS = {
  version: 3,
  seed: 20260214,
  packages: 20,
  modulesPerPackage: 500,
  testsPerPackage: 100,
  folders: ['core', 'model', 'util', 'service', 'api'],
  /** Modules of each package re-exported by its `src/index.ts`. */
  barrel: 20,
  changes: 10,
};

/** jest cold / testloop cold at least `coldSpeedup`; testloop warm at most `warmOverFloor` x the floor. */
const TARGETS = { coldSpeedup: 2, warmOverFloor: 1.3 };
const MARKER = '.bench-complete';

const pad = (n, width) => String(n).padStart(width, '0');

// ---------------------------------------------------------------------------------------------------------
// The monorepo: packages/pkgNN (layered: a package imports only from lower ones, by name through `exports`),
// each with src/<folder>/mLLLL.ts modules and test/<folder>/tTTT.test.ts tests.

/** The module graph as generated: what the benchmark's changes and simulated failures are drawn from. */
function plan(params) {
  const r = rng(params.seed);
  const perFolder = Math.ceil(params.modulesPerPackage / params.folders.length);
  const mod = (p, l) => ({
    p,
    l,
    folder: params.folders[Math.floor(l / perFolder)],
    path: `packages/pkg${pad(p, 2)}/src/${params.folders[Math.floor(l / perFolder)]}/m${pad(l, 4)}.ts`,
    name: `p${pad(p, 2)}m${pad(l, 4)}`,
  });
  const modules = [];
  const imports = new Map(); // module path → [{ target, kind, via }]
  for (let p = 0; p < params.packages; p++) {
    for (let l = 0; l < params.modulesPerPackage; l++) {
      const self = mod(p, l);
      modules.push(self);
      const list = [];
      const seen = new Set([self.path]);
      const wanted = r.int(2, 6);
      for (let i = 0; i < wanted * 3 && list.length < wanted; i++) {
        let target;
        let via = 'relative';
        if (p > 0 && (l === 0 || r.chance(0.3))) {
          // Nearer layers more often; hubs (low indexes) far more often.
          const q = p - 1 - Math.floor(p * r.next() ** 2);
          target = mod(q, Math.floor(params.modulesPerPackage * r.next() ** 3));
          via = target.l < params.barrel && r.chance(0.4) ? 'barrel' : 'subpath';
        } else if (l > 0) target = mod(p, Math.floor(l * r.next() ** 2));
        else break;
        if (seen.has(target.path)) continue;
        seen.add(target.path);
        const roll = r.next();
        list.push({ target, via, kind: roll < 0.05 ? 'type' : roll < 0.07 ? 'dynamic' : 'static' });
      }
      imports.set(self.path, list);
    }
  }
  const tests = [];
  for (let p = 0; p < params.packages; p++) {
    for (let t = 0; t < params.testsPerPackage; t++) {
      const targets = [];
      const n = r.int(1, 3);
      while (targets.length < n) {
        const target = mod(p, r.int(0, params.modulesPerPackage - 1));
        if (!targets.some((x) => x.target.path === target.path)) targets.push({ target, via: 'relative' });
      }
      if (p > 0 && r.chance(0.1)) {
        const target = mod(r.int(0, p - 1), r.int(0, params.modulesPerPackage - 1));
        targets.push({ target, via: 'subpath' });
      }
      const folder = targets[0].target.folder;
      tests.push({ path: `packages/pkg${pad(p, 2)}/test/${folder}/t${pad(t, 3)}.test.ts`, folder, targets });
    }
  }
  return { r, modules, imports, tests };
}

function specifier(from, target, via, fromTest) {
  const pkg = `@bench/pkg${pad(target.p, 2)}`;
  if (via === 'barrel') return pkg;
  if (via === 'subpath') return `${pkg}/${target.folder}/m${pad(target.l, 4)}`;
  const up = fromTest ? '../../src/' : '../';
  return !fromTest && from.folder === target.folder
    ? `./m${pad(target.l, 4)}`
    : `${up}${target.folder}/m${pad(target.l, 4)}`;
}

function moduleSource(self, list) {
  const head = [];
  const body = [`  let value = input + ${self.l};`];
  const types = [];
  let lazy = '';
  for (const { target, via, kind } of list) {
    const spec = specifier(self, target, via, false);
    if (kind === 'type') {
      head.push(`import type { T${target.name} } from '${spec}';`);
      types.push(`T${target.name}`);
    } else if (kind === 'dynamic') {
      lazy += `\nexport async function load${target.name}(): Promise<number> {\n  const mod = await import('${spec}');\n  return mod.${target.name}(1);\n}\n`;
    } else {
      head.push(`import { ${target.name} } from '${spec}';`);
      body.push(`  value = ${target.name}(value) % 1000003;`);
    }
  }
  const options = types.length > 0 ? `, options?: ${types.join(' | ')}` : '';
  return `${head.join('\n')}${head.length > 0 ? '\n\n' : ''}export interface T${self.name} {
  id: number;
  label: string;
}

export const LABEL_${self.name} = '${self.path.split('/src/')[1]}';

export function ${self.name}(input: number${options}): number {
${body.join('\n')}
  return value${options ? ' + (options ? 1 : 0)' : ''};
}
${lazy}`;
}

function testSource(test) {
  const lines = test.targets.map(
    ({ target, via }) => `import { ${target.name} } from '${specifier(test, target, via, true)}';`,
  );
  lines.push('', `describe('${test.path.split('/test/')[1]}', () => {`);
  for (const { target } of test.targets) {
    lines.push(`  it('${target.name} returns a number', () => {`);
    lines.push(`    expect(typeof ${target.name}(1)).toBe('number');`, '  });');
  }
  lines.push('});', '');
  return lines.join('\n');
}

function git(cwd, args) {
  const result = spawnSync('git', args, {
    cwd,
    env: { ...process.env, ...GIT_ENV },
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${result.stderr}`);
  return result.stdout;
}

/**
 * The benchmark monorepo at `dir`, generated unless a previous run completed with the same PARAMS.
 * node_modules is a real folder: every entry of `nodeModules` linked in, plus @bench/* linked to the
 * packages as `npm install` of the workspaces would; the graph cache then stays in the monorepo.
 */
export function ensureMonorepo(dir, nodeModules, params = PARAMS, log = () => {}) {
  const key = `select-v${params.version}-${createHash('sha256').update(JSON.stringify(params)).digest('hex').slice(0, 10)}`;
  const graph = plan(params);
  if (existsSync(join(dir, MARKER)) && readFileSync(join(dir, MARKER), 'utf8') === key) {
    return { dir, key, cached: true, generatedMs: 0, graph };
  }
  const started = performance.now();
  log(`generating ${key} in ${dir} …`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const write = (path, text) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  const devDependencies = JSON.parse(
    readFileSync(join(nodeModules, '..', 'package.json'), 'utf8'),
  ).devDependencies;
  write(
    'package.json',
    `${JSON.stringify(
      {
        name: 'bench-monorepo',
        private: true,
        workspaces: ['packages/*'],
        scripts: { test: 'vitest run' },
        devDependencies: { jest: devDependencies.jest, vitest: devDependencies.vitest },
      },
      null,
      2,
    )}\n`,
  );
  write('.gitignore', 'node_modules/\n');
  write(
    'tsconfig.json',
    `${JSON.stringify({ compilerOptions: { target: 'es2022', module: 'esnext', moduleResolution: 'bundler', strict: true, noEmit: true, types: [] } }, null, 2)}\n`,
  );
  // Sources run untransformed: jest only lists (it never loads a test), so no babel or ts-jest is needed.
  write(
    'jest.config.js',
    `module.exports = {\n  testEnvironment: 'node',\n  transform: {},\n  testMatch: ['<rootDir>/packages/*/test/**/*.test.ts'],\n};\n`,
  );
  write(
    'vitest.config.mts',
    `import { defineConfig } from 'vitest/config';\n\nexport default defineConfig({\n  test: { include: ['packages/*/test/**/*.test.ts'], globals: true },\n});\n`,
  );
  for (let p = 0; p < params.packages; p++) {
    const name = `pkg${pad(p, 2)}`;
    const deps = new Set();
    for (const m of graph.modules) {
      if (m.p !== p) continue;
      for (const { target } of graph.imports.get(m.path))
        if (target.p !== p) deps.add(`@bench/pkg${pad(target.p, 2)}`);
    }
    write(
      `packages/${name}/package.json`,
      `${JSON.stringify(
        {
          name: `@bench/${name}`,
          version: '0.0.0',
          private: true,
          exports: { '.': './src/index.ts', './*': './src/*.ts' },
          dependencies: Object.fromEntries([...deps].sort().map((d) => [d, '*'])),
        },
        null,
        2,
      )}\n`,
    );
    const barrel = [];
    for (const m of graph.modules.filter((x) => x.p === p && x.l < params.barrel)) {
      barrel.push(`export { ${m.name} } from './${m.folder}/m${pad(m.l, 4)}';`);
      barrel.push(`export type { T${m.name} } from './${m.folder}/m${pad(m.l, 4)}';`);
    }
    write(`packages/${name}/src/index.ts`, `${barrel.join('\n')}\n`);
  }
  for (const m of graph.modules) write(m.path, moduleSource(m, graph.imports.get(m.path)));
  for (const t of graph.tests) write(t.path, testSource(t));

  linkNodeModules(dir, nodeModules, params);
  git(dir, ['init', '--quiet', '--initial-branch=main']);
  git(dir, ['add', '-A']);
  git(dir, ['-c', 'gc.auto=0', 'commit', '--quiet', '-m', 'monorepo']);
  git(dir, ['gc', '--quiet']);
  writeFileSync(join(dir, MARKER), key);
  return { dir, key, cached: false, generatedMs: performance.now() - started, graph };
}

function linkNodeModules(dir, nodeModules, params) {
  const target = join(dir, 'node_modules');
  mkdirSync(join(target, '@bench'), { recursive: true });
  for (const entry of readdirSync(nodeModules)) {
    if (entry === '.cache' || entry.startsWith('.vite') || entry === '@bench') continue;
    symlinkSync(join(nodeModules, entry), join(target, entry));
  }
  for (let p = 0; p < params.packages; p++) {
    symlinkSync(join('..', '..', 'packages', `pkg${pad(p, 2)}`), join(target, '@bench', `pkg${pad(p, 2)}`));
  }
}

// ---------------------------------------------------------------------------------------------------------
// The changes, and the three tools on each.

/** `count` changes of 1–5 modules: leaves (no module imports them), hubs (most imported), and a mix. */
export function pickChanges(graph, count, seed) {
  const r = rng(seed);
  const indegree = new Map(graph.modules.map((m) => [m.path, 0]));
  for (const list of graph.imports.values()) {
    for (const { target, kind } of list)
      if (kind !== 'type') indegree.set(target.path, indegree.get(target.path) + 1);
  }
  const paths = graph.modules.map((m) => m.path);
  const leaves = paths.filter((p) => indegree.get(p) === 0);
  const hubs = [...paths]
    .sort((a, b) => indegree.get(b) - indegree.get(a))
    .slice(0, Math.ceil(paths.length / 100));
  const kinds = ['leaf', 'hub', 'mixed'];
  const changes = [];
  for (let i = 0; i < count; i++) {
    const kind = kinds[i % kinds.length];
    const size = r.int(1, 5);
    const files = new Set(kind === 'hub' ? [r.pick(hubs)] : []);
    while (files.size < size) files.add(r.pick(kind === 'leaf' ? leaves : paths));
    changes.push({ kind, files: [...files].sort() });
  }
  return changes;
}

/** Tests importing a changed module directly: the simulated failing set for APFD. */
function directTests(graph, files) {
  const changed = new Set(files);
  return new Set(
    graph.tests.filter((t) => t.targets.some(({ target }) => changed.has(target.path))).map((t) => t.path),
  );
}

/** APFD of an ordering where each failing test reveals one fault: 1 − ΣTFᵢ/(n·m) + 1/(2n). */
export function apfd(order, failing) {
  const n = order.length;
  const m = failing.size;
  if (n === 0 || m === 0) return undefined;
  let sum = 0;
  order.forEach((test, i) => {
    if (failing.has(test)) sum += i + 1;
  });
  const missing = [...failing].filter((t) => !order.includes(t)).length;
  sum += missing * (n + 1);
  return 1 - sum / (n * m) + 1 / (2 * n);
}

function median(values) {
  const sorted = values.filter((v) => v !== undefined).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function childEnv() {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(VITEST|JEST_WORKER_ID$|NODE_OPTIONS$|NODE_V8_COVERAGE$)/.test(key)) env[key] = value;
  }
  return { ...env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' };
}

/** Wall time of one process, spawn to exit; throws on a non-zero exit. */
function timed(command, args, cwd) {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd, env: childEnv(), encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = performance.now() - started;
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${result.stderr.slice(-3000)}`);
  }
  return { ms, stdout: result.stdout };
}

function testloop(bin, dir, files) {
  const run = timed(
    process.execPath,
    [bin, 'select', '--format', 'json', ...files.flatMap((f) => ['--changed', f])],
    dir,
  );
  const result = JSON.parse(run.stdout);
  return { ms: run.ms, result, files: result.tests.map((t) => t.file) };
}

function jest(dir, files, cacheDirectory, cold) {
  if (cold) rmSync(cacheDirectory, { recursive: true, force: true });
  const args = [
    join(dir, 'node_modules/jest/bin/jest.js'),
    '--listTests',
    '--ci',
    `--cacheDirectory=${cacheDirectory}`,
  ];
  if (cold) args.push('--no-cache');
  const run = timed(process.execPath, [...args, '--findRelatedTests', ...files], dir);
  const listed = run.stdout.split('\n').filter((line) => line.startsWith('/'));
  // jest prints real paths: relative to the real folder, the same files compare equal when
  // bench/.work is a symbolic link (a worktree sharing the main checkout's generated monorepo).
  const real = realpathSync(dir);
  return { ms: run.ms, files: listed.map((f) => relative(real, f).split('\\').join('/')) };
}

/**
 * vitest 4 has no list-only related mode on its CLI (`vitest list` rejects --related, and `vitest related
 * --run` runs the tests), so this is what `vitest list --filesOnly` does, with `related` set: createVitest,
 * then getRelevantTestSpecifications. That walks every test file's import graph (vite transforms each
 * module once, then one walk per test with an existsSync per edge): minutes here, whatever the change, so
 * only the first change is timed (from process start, as a CI run). With `all`, the other changes are
 * answered by one more walk per test, with the same internal function vitest's filter calls (its own
 * per-change filter holds 2,000 dependency sets at once and outgrows even a 12 GB heap after one change).
 */
const VITEST_SCRIPT = `
import { resolve } from 'node:path';
import { createVitest } from 'vitest/node';
const changes = JSON.parse(process.argv[2]).map((files) => files.map((f) => resolve(f)));
const answer = (ms, files) => process.stdout.write(JSON.stringify({ ms, files }) + '\\n');
const vitest = await createVitest('test', { watch: false, run: true, passWithNoTests: true, related: changes[0] });
const first = await vitest.getRelevantTestSpecifications();
answer(process.uptime() * 1000, first.map((s) => s.moduleId));
if (process.argv[3] === 'all' && changes.length > 1) {
  const rest = changes.slice(1);
  const hits = rest.map(() => []);
  const started = performance.now();
  for (const spec of await vitest.specifications.globTestSpecifications()) {
    const deps = await vitest.specifications.getTestDependencies(spec);
    rest.forEach((files, i) => {
      if (files.some((path) => path === spec.moduleId || deps.has(path))) hits[i].push(spec.moduleId);
    });
  }
  for (const files of hits) answer(undefined, files);
  process.stderr.write('all changes answered in ' + Math.round(performance.now() - started) + ' ms more\\n');
}
await vitest.close();
`;

export function vitestRelated(dir, changes, all, log) {
  log(
    `vitest: related tests for ${all ? `all ${changes.length} changes` : 'the first change'} (minutes: see bench/README.md) …`,
  );
  // Run from the monorepo so 'vitest/node' resolves from its node_modules.
  const script = join(dir, 'node_modules', '.bench-vitest-related.mjs');
  writeFileSync(script, VITEST_SCRIPT);
  const result = spawnSync(
    process.execPath,
    ['--max-old-space-size=8192', script, JSON.stringify(changes.map((c) => c.files)), all ? 'all' : 'first'],
    { cwd: dir, env: childEnv(), encoding: 'utf8', maxBuffer: 1 << 30 },
  );
  const answers = (result.stdout ?? '')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      const { ms, files } = JSON.parse(line);
      return { ms, files: files.map((f) => relative(realpathSync(dir), f).split('\\').join('/')) };
    });
  if (result.status !== 0) {
    const why = result.error?.message ?? (result.stderr ?? '').split('\n').slice(-15).join('\n');
    log(`vitest exited ${result.status} after ${answers.length} answer(s); the rest are left out:\n${why}`);
  } else if (all) log((result.stderr ?? '').trim().split('\n').pop());
  return answers;
}

/**
 * The floors of a warm answer, each after `node -e 0`: the plain list of the tree, and the listing a safe
 * answer needs (stage, modified and untracked files: what testloop reads).
 */
const FLOOR_LISTINGS = {
  plain: ['ls-files', '-z'],
  checked: ['ls-files', '-z', '-v', '-s', '-c', '-o', '-m', '--exclude-standard'],
};

/** Times the three tools on every change and compares their selections. */
export function measure({
  dir,
  bin,
  graph,
  changes,
  coldRuns = 3,
  warmRuns = 5,
  vitest = 'first',
  log = () => {},
}) {
  const cache = join(dir, 'node_modules', '.cache', 'testloop');
  const jestCache = mkdtempSync(join(tmpdir(), 'bench-jest-'));
  const rows = [];
  try {
    for (const [i, change] of changes.entries()) {
      log(
        `change ${i + 1}/${changes.length} (${change.kind}, ${change.files.length} files): testloop, jest …`,
      );
      // Cold runs of both tools alternate, so a busy machine slows both alike.
      const colds = [];
      const jestColds = [];
      for (let k = 0; k < coldRuns; k++) {
        rmSync(cache, { recursive: true, force: true });
        colds.push(testloop(bin, dir, change.files));
        jestColds.push(jest(dir, change.files, jestCache, true));
      }
      // Each warm run is followed by a sample of the floor, so both see the machine alike (see floorSample).
      const warm = [];
      const floor = [];
      for (let k = 0; k < warmRuns; k++) {
        warm.push(testloop(bin, dir, change.files));
        floor.push(floorSample(dir, FLOOR_LISTINGS));
      }
      const jestWarm = jest(dir, change.files, jestCache, false);
      for (const run of [...colds, ...warm]) {
        if (run.files.join('\n') !== colds[0].files.join('\n'))
          throw new Error(`testloop selected differently on two runs of change ${i + 1}`);
      }
      const cold = { ...colds[0], ms: median(colds.map((c) => c.ms)) };
      const jestCold = { ...jestColds[0], ms: median(jestColds.map((c) => c.ms)) };
      rows.push({ change, cold, warm, floor, jestCold, jestWarm });
    }
  } finally {
    rmSync(jestCache, { recursive: true, force: true });
  }
  const vitestRuns = vitest ? vitestRelated(dir, changes, vitest === 'all', log) : [];
  return rows.map((row, i) => {
    const ours = new Set(row.cold.files);
    const anchors = { jest: row.jestCold.files, ...(vitestRuns[i] ? { vitest: vitestRuns[i].files } : {}) };
    const compare = {};
    for (const [name, files] of Object.entries(anchors)) {
      const theirs = new Set(files);
      compare[name] = {
        size: theirs.size,
        extra: row.cold.files.filter((f) => !theirs.has(f)),
        missing: files.filter((f) => !ours.has(f)),
      };
    }
    const failing = directTests(graph, row.change.files);
    return {
      ...row,
      vitest: vitestRuns[i],
      compare,
      failing: failing.size,
      apfd: apfd(row.cold.files, failing),
      apfdOptimal: failing.size > 0 && ours.size > 0 ? 1 - failing.size / (2 * ours.size) : undefined,
    };
  });
}

// ---------------------------------------------------------------------------------------------------------
// Report.

export async function main({ flags = {}, log = (m) => process.stderr.write(`bench: ${m}\n`) } = {}) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const dir = fileURLToPath(new URL('./.work/select-monorepo/', import.meta.url)).replace(/\/$/, '');
  if (flags.fresh === 'true') rmSync(dir, { recursive: true, force: true });
  const repo = ensureMonorepo(dir, join(root, 'node_modules'), PARAMS, log);
  const changes = pickChanges(repo.graph, PARAMS.changes, PARAMS.seed + 1);
  const rows = measure({
    dir,
    bin: join(root, 'bin', 'testloop.js'),
    graph: repo.graph,
    changes,
    coldRuns: Math.max(1, Number(flags['cold-runs'] ?? 3)),
    warmRuns: Math.max(5, Number(flags['select-runs'] ?? 5)),
    vitest:
      flags['no-vitest'] === 'true' || process.env.BENCH_NO_VITEST !== undefined
        ? false
        : flags['vitest-all'] === 'true' || process.env.BENCH_VITEST_ALL !== undefined
          ? 'all'
          : 'first',
    log,
  });
  const out = (line = '') => console.log(line);
  const int = (v) => v.toLocaleString('en-US');
  const ms = (v) => (v === undefined ? '-' : `${Math.round(v)}`);
  const cell = (v, w) => String(v).padStart(w);
  const modules = PARAMS.packages * PARAMS.modulesPerPackage;
  const tests = PARAMS.packages * PARAMS.testsPerPackage;
  out('');
  out(
    `select: ${int(modules)} modules in ${PARAMS.packages} workspace packages, ${int(tests)} test files, ${changes.length} changes` +
      ` (${repo.cached ? 'cached' : `generated in ${(repo.generatedMs / 1000).toFixed(1)} s`}: ${repo.key})`,
  );
  out(
    'times in ms, wall clock per process (cold: median of --cold-runs, warm: of --select-runs); selections in test files',
  );
  out('');
  const head = [
    '#',
    'kind',
    'files',
    'tl cold',
    'tl warm',
    'jest cold',
    'jest warm',
    'vitest',
    'sel tl',
    'sel jest',
    'sel vitest',
    'direct',
    'APFD',
    'APFD opt',
  ];
  const widths = [2, 5, 5, 7, 7, 9, 9, 7, 6, 8, 10, 6, 5, 8];
  const row = (cells) => `| ${cells.map((c, i) => cell(c, widths[i])).join(' | ')} |`;
  out(row(head));
  out(row(widths.map((w) => '-'.repeat(w))));
  rows.forEach((r, i) => {
    out(
      row([
        i + 1,
        r.change.kind,
        r.change.files.length,
        ms(r.cold.ms),
        ms(median(r.warm.map((w) => w.ms))),
        ms(r.jestCold.ms),
        ms(r.jestWarm.ms),
        ms(r.vitest?.ms),
        r.cold.files.length,
        r.jestCold.files.length,
        r.vitest ? r.vitest.files.length : '-',
        r.failing,
        r.apfd === undefined ? '-' : r.apfd.toFixed(3),
        r.apfdOptimal === undefined ? '-' : r.apfdOptimal.toFixed(3),
      ]),
    );
  });
  const coldMs = median(rows.map((r) => r.cold.ms));
  const warmMs = median(rows.map((r) => median(r.warm.map((w) => w.ms))));
  const jestColdMs = median(rows.map((r) => r.jestCold.ms));
  const jestWarmMs = median(rows.map((r) => r.jestWarm.ms));
  const vitestFirst = rows[0]?.vitest?.ms;
  const internal = median(rows.flatMap((r) => r.warm.map((w) => w.result.stats.ms)));
  const graphMs = median(rows.flatMap((r) => r.warm.map((w) => w.result.stats.graphMs)));
  out('');
  out(
    `median testloop cold ${ms(coldMs)}, warm ${ms(warmMs)} (inside the process: stats.ms ${ms(internal)}, graph ${ms(graphMs)})`,
  );
  out(
    `median jest --listTests --findRelatedTests: cold (--no-cache, empty cacheDirectory) ${ms(jestColdMs)}, warm ${ms(jestWarmMs)}`,
  );
  if (vitestFirst !== undefined) {
    const answered = rows.filter((r) => r.vitest).length;
    out(
      `vitest related (list only, first change, from process start): ${ms(vitestFirst)} = ${(vitestFirst / coldMs).toFixed(0)}x testloop cold; selections compared for ${answered} of ${rows.length} changes${answered < rows.length ? ' (--vitest-all for every change)' : ''}`,
    );
  }
  const speedup = jestColdMs / coldMs;
  const verdict = (ok) => (ok ? 'PASS' : 'MISS');
  // The floor of a warm answer: the list of the tree from git, in a process that has only started; sampled
  // after every warm run (measure), and the median of those samples.
  const sampled = floorMedians(rows.flatMap((r) => r.floor));
  const floor = { node: sampled.node, git: sampled.plain, total: sampled.node + sampled.plain };
  const listing = { git: sampled.checked };
  const overFloor = warmMs / floor.total;
  out(
    `floor (sampled after each warm run): node -e 0 ${ms(floor.node)} + git ls-files ${ms(floor.git)} = ${ms(floor.total)}` +
      ` (git ls-files with the stage and untracked files testloop reads: ${ms(listing.git)})`,
  );
  out(
    `targets: jest cold / testloop cold = ${speedup.toFixed(2)}x (target ≥ ${TARGETS.coldSpeedup}x) ${verdict(speedup >= TARGETS.coldSpeedup)};` +
      ` testloop warm / floor = ${overFloor.toFixed(2)}x (target ≤ ${TARGETS.warmOverFloor}x) ${verdict(overFloor <= TARGETS.warmOverFloor)};` +
      ` jest cold / testloop warm = ${(jestColdMs / warmMs).toFixed(1)}x`,
  );
  // A warm answer must see the files edited or added since the cache was written: git lists them only by
  // checking every file's stat data and walking for untracked files, the listing testloop reads.
  const checked = floor.node + listing.git;
  const plainTarget = TARGETS.warmOverFloor * floor.total;
  out(
    `floor with the working tree checked: node -e 0 ${ms(floor.node)} + that listing ${ms(listing.git)} = ${ms(checked)};` +
      ` testloop warm / it = ${(warmMs / checked).toFixed(2)}x; ${TARGETS.warmOverFloor}x the plain floor is ${ms(plainTarget)},` +
      ` ${plainTarget < checked ? 'below' : 'not below'} what a checked answer costs`,
  );
  const apfds = rows.map((r) => r.apfd).filter((v) => v !== undefined);
  if (apfds.length > 0) {
    out(
      `APFD of testloop's order (failing = tests importing a changed module directly): median ${median(apfds).toFixed(3)}, min ${Math.min(...apfds).toFixed(3)}; a random order scores about 0.5`,
    );
  }

  let unsafe = 0;
  rows.forEach((r, i) => {
    for (const [tool, c] of Object.entries(r.compare)) {
      if (c.missing.length > 0) {
        unsafe += c.missing.length;
        out('');
        out(
          `!!! SAFETY: change ${i + 1} (${r.change.files.join(' ')}): testloop misses ${c.missing.length} test file(s) that ${tool} selects:`,
        );
        for (const f of c.missing.slice(0, 20)) out(`!!!   ${f}`);
      }
      if (c.extra.length > 0) {
        out('');
        out(`change ${i + 1}: testloop selects ${c.extra.length} test file(s) more than ${tool}, e.g.:`);
        const reasons = new Map(r.cold.result.tests.map((t) => [t.file, t.reasons.join('; ')]));
        for (const f of c.extra.slice(0, 5)) out(`    ${f}: ${reasons.get(f)}`);
      }
    }
  });
  if (unsafe === 0)
    out(
      `\nagree: testloop selects every test file that jest selects, for all ${rows.length} changes` +
        (rows[0]?.vitest ? `, and that vitest selects, for ${rows.filter((r) => r.vitest).length}` : ''),
    );
  else {
    // Also when bench/run.js later calls process.exit(0): a missed test is never reported as success.
    process.exitCode = 1;
    process.on('exit', () => {
      process.exitCode = 1;
    });
  }
  return { rows, unsafe };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const flags = Object.fromEntries(
    process.argv.slice(2).map((arg) => {
      const [key, value] = arg.replace(/^--/, '').split('=');
      return [key, value ?? 'true'];
    }),
  );
  await main({ flags });
}
