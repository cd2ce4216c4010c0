// `testloop ci` against the full test suite a pipeline would otherwise run: a generated vitest project of
// 500 test files, a 5-file change that breaks one test, both with coverage and JUnit, side by side.
// Alone: `npm run build && node bench/ci.js [--fresh] [--ci-runs=N]`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GIT_ENV, rng } from './common.js';

/** Bump `version` whenever the generator's output changes: it names the cached project. */
export const PARAMS = { version: 2, seed: 20261125, modules: 500, sharedModules: 20, changed: 5 };
const TARGET_SPEEDUP = 5;
const MARKER = '.bench-complete';

function git(cwd, args) {
  const result = spawnSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${result.stderr}`);
  return result.stdout;
}

/**
 * 500 feature modules, each with its own test file; each module imports one or two of 20 shared helper
 * modules, the way application code leans on a utility layer. Each test runs a few assertions.
 */
function moduleSource(i, r) {
  const first = r.int(0, PARAMS.sharedModules - 1);
  const helpers = [first, (first + r.int(1, PARAMS.sharedModules - 1)) % PARAMS.sharedModules];
  const factor = r.int(2, 9);
  return {
    helpers,
    factor,
    source: [
      `import { scale${helpers[0]} } from './shared/helper-${helpers[0]}.ts';`,
      `import { scale${helpers[1]} } from './shared/helper-${helpers[1]}.ts';`,
      '',
      `export function feature${i}(values: number[]): number {`,
      '  let total = 0;',
      '  for (const value of values) {',
      `    total += scale${helpers[0]}(value) + scale${helpers[1]}(value) * ${factor};`,
      '  }',
      '  return total;',
      '}',
      '',
      `export function label${i}(name: string): string {`,
      `  return \`feature-${i}:\${name.trim().toLowerCase()}\`;`,
      '}',
      '',
    ].join('\n'),
  };
}

function expected(helpers, factor, values) {
  // Every shared helper is `value * 2 + index`, as written below.
  const scale = (h, v) => v * 2 + h;
  return values.reduce((t, v) => t + scale(helpers[0], v) + scale(helpers[1], v) * factor, 0);
}

function testSource(i, helpers, factor) {
  return [
    "import { describe, expect, it } from 'vitest';",
    `import { feature${i}, label${i} } from './feature-${i}.ts';`,
    '',
    `describe('feature${i}', () => {`,
    "  it('adds up scaled values', () => {",
    `    expect(feature${i}([1, 2, 3])).toBe(${expected(helpers, factor, [1, 2, 3])});`,
    '  });',
    "  it('is zero for nothing', () => {",
    `    expect(feature${i}([])).toBe(0);`,
    '  });',
    "  it('labels', () => {",
    `    expect(label${i}('  Name ')).toBe('feature-${i}:name');`,
    '  });',
    '});',
    '',
  ].join('\n');
}

export function ensureProject(dir, nodeModules, log) {
  if (existsSync(join(dir, MARKER))) return { cached: true };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'src/shared'), { recursive: true });
  const started = performance.now();
  const r = rng(PARAMS.seed);
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'bench-ci', private: true, type: 'module', scripts: { test: 'vitest run' } }, null, 2)}\n`,
  );
  writeFileSync(
    join(dir, 'vitest.config.ts'),
    "import { defineConfig } from 'vitest/config';\n\nexport default defineConfig({ test: { include: ['src/**/*.test.ts'] } });\n",
  );
  writeFileSync(join(dir, '.gitignore'), `node_modules/\ncoverage/\n.testloop/\n${MARKER}\n`);
  for (let h = 0; h < PARAMS.sharedModules; h++) {
    writeFileSync(
      join(dir, `src/shared/helper-${h}.ts`),
      `export function scale${h}(value: number): number {\n  return value * 2 + ${h};\n}\n`,
    );
  }
  for (let i = 0; i < PARAMS.modules; i++) {
    const { helpers, factor, source } = moduleSource(i, r);
    writeFileSync(join(dir, `src/feature-${i}.ts`), source);
    writeFileSync(join(dir, `src/feature-${i}.test.ts`), testSource(i, helpers, factor));
  }
  mkdirSync(join(dir, 'node_modules'));
  for (const entry of ['vitest', '@vitest', 'vite', '.bin']) {
    if (existsSync(join(nodeModules, entry)))
      symlinkSync(join(nodeModules, entry), join(dir, 'node_modules', entry));
  }
  git(dir, ['init', '-q', '--initial-branch=main']);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-qm', 'project']);
  git(dir, ['checkout', '-qb', 'feature']);
  // The change: five feature modules get a new function (uncovered), and one of them a bug its test sees.
  const changed = [];
  for (let k = 0; k < PARAMS.changed; k++) {
    const i = Math.floor((k * PARAMS.modules) / PARAMS.changed) + 7;
    changed.push(i);
    const file = join(dir, `src/feature-${i}.ts`);
    let text = readFileSync(file, 'utf8');
    text += `export function limit${i}(value: number, max: number): number {\n  if (value > max) {\n    return max;\n  }\n  return value;\n}\n`;
    if (k === 0) text = text.replace('.toLowerCase()', '.toUpperCase()');
    writeFileSync(file, text);
  }
  git(dir, ['commit', '-qam', 'feature: limits, and a label bug']);
  git(dir, ['gc', '-q']);
  writeFileSync(join(dir, MARKER), `${JSON.stringify({ changed })}\n`);
  log(
    `ci: generated ${PARAMS.modules} modules and tests in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return { cached: false };
}

function timed(command, args, cwd, env = {}) {
  const started = performance.now();
  const result = spawnSync(command, args, {
    cwd,
    env: { ...process.env, CI: 'true', ...env },
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  return {
    ms: performance.now() - started,
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
  };
}

/** Failing TestIds (`file › describe › test`) from vitest's JSON reporter. */
function failingFromVitestJson(path, root) {
  const report = JSON.parse(readFileSync(path, 'utf8'));
  const failing = [];
  for (const file of report.testResults ?? []) {
    const relative = file.name.startsWith(root) ? file.name.slice(root.length + 1) : file.name;
    // A file that fails before any test runs (a syntax error) is one failure, as testloop records it.
    if (file.status === 'failed' && (file.assertionResults ?? []).length === 0)
      failing.push(`${relative} › (file)`);
    for (const a of file.assertionResults ?? []) {
      if (a.status === 'failed') failing.push([relative, ...(a.ancestorTitles ?? []), a.title].join(' › '));
    }
  }
  return failing.sort();
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

export async function main({ flags = {}, log = (m) => process.stderr.write(`bench: ${m}\n`) } = {}) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const dir = fileURLToPath(new URL(`./.work/ci-v${PARAMS.version}/`, import.meta.url)).replace(/\/$/, '');
  if (flags.fresh === 'true') rmSync(dir, { recursive: true, force: true });
  const project = ensureProject(dir, join(root, 'node_modules'), log);
  const runs = Math.max(1, Number(flags['ci-runs'] ?? 3));
  const out = mkdirSync(join(tmpdir(), `testloop-bench-ci-${process.pid}`), { recursive: true });
  const bin = join(root, 'bin', 'testloop.js');
  const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');

  const testloopRuns = [];
  let ci;
  const anchorRuns = [];
  let anchorFailing = [];
  for (let run = 0; run < runs; run++) {
    // Alternate the two, so that a burst of load on the machine hits both alike.
    rmSync(join(dir, '.testloop'), { recursive: true, force: true });
    log(`ci: testloop ci, run ${run + 1} of ${runs}`);
    const own = timed(process.execPath, [bin, 'ci', '--base', 'main', '--format', 'json'], dir);
    if (own.status === 2 || own.stdout.trim() === '')
      throw new Error(`testloop ci failed: ${own.stderr.slice(-2000)}`);
    ci = JSON.parse(own.stdout);
    testloopRuns.push(own.ms);

    log(`ci: full suite (vitest run --coverage), run ${run + 1} of ${runs}`);
    const json = join(out, 'vitest.json');
    const full = timed(
      process.execPath,
      [
        vitest,
        'run',
        '--coverage.enabled',
        '--coverage.reporter=lcov',
        `--coverage.reportsDirectory=${join(out, 'coverage')}`,
        '--reporter=dot',
        '--reporter=json',
        `--outputFile.json=${json}`,
      ],
      dir,
    );
    anchorRuns.push(full.ms);
    anchorFailing = failingFromVitestJson(json, dir);
  }
  rmSync(out, { recursive: true, force: true });

  const own = median(testloopRuns);
  const anchor = median(anchorRuns);
  const speedup = anchor / own;
  const same = JSON.stringify(ci.run.failedTests) === JSON.stringify(anchorFailing);
  const line = (s = '') => console.log(s);
  line('');
  line(
    `ci: ${PARAMS.modules} test files, a ${PARAMS.changed}-file change (${project.cached ? 'cached' : 'generated'} project), ${runs} run(s) each, medians`,
  );
  line(`| ${'step'.padEnd(40)} | ${'wall'.padStart(9)} |`);
  line(`| ${'-'.repeat(40)} | ${'-'.repeat(9)} |`);
  line(
    `| ${'testloop ci (select → … → triage)'.padEnd(40)} | ${`${(own / 1000).toFixed(1)} s`.padStart(9)} |`,
  );
  for (const step of ci.steps)
    line(`|   ${step.name.padEnd(38)} | ${`${(step.ms / 1000).toFixed(1)} s`.padStart(9)} |`);
  line(
    `| ${'vitest run --coverage (full suite)'.padEnd(40)} | ${`${(anchor / 1000).toFixed(1)} s`.padStart(9)} |`,
  );
  line('');
  line(
    `tests run: ${ci.run.testFiles} of ${ci.run.totalTestFiles} files; diff coverage ${ci.gaps?.totals.percent.toFixed(1) ?? '-'}%; exit ${ci.exitCode}`,
  );
  line(
    `failing tests: testloop ci ${JSON.stringify(ci.run.failedTests)}; full suite ${JSON.stringify(anchorFailing)}`,
  );
  line(
    `speed-up: ${speedup.toFixed(1)}x (target ≥ ${TARGET_SPEEDUP}x: ${speedup >= TARGET_SPEEDUP ? 'PASS' : 'MISS'}); same failing tests: ${same ? 'yes' : 'NO'}`,
  );
  if (!same) process.exitCode = 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const flags = Object.fromEntries(
    process.argv.slice(2).map((arg) => {
      const [key, value] = arg.replace(/^--/, '').split('=');
      return [key, value ?? 'true'];
    }),
  );
  await main({ flags });
}
