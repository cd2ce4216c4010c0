// `testloop generate` on a generated vitest project against a local model server paced at 1,000 tokens/s:
// --concurrency 1 and --concurrency 4 on the same inputs, where the time goes, and the anchor (one vitest
// run of the accepted tests). Alone: `npm run build && node bench/generate.js [--fresh] [--generate-runs=N]
// [--quiet-wait=S] [--testloop=<bin>]`.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { GIT_ENV, rng } from './common.js';
import { answerFromPrompt, startLlmServer } from './llm-server.js';

/** Bump `version` whenever the generator's output changes: it names the cached project. */
export const PARAMS = { version: 1, seed: 20260301, files: 10, gapsPerFile: 2 };
const TOKENS_PER_SECOND = 1000;
const TARGETS = { overheadShare: 0.15, speedup: 2.5 };
const MARKER = '.bench-complete';
const DIRS = ['src/billing', 'src/catalog', 'src/util'];
const WORDS = ['price', 'stock', 'order', 'label', 'score', 'quota', 'batch', 'route', 'token', 'cache'];

function git(cwd, args) {
  const result = spawnSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${result.stderr}`);
  return result.stdout;
}

// ---------------------------------------------------------------------------------------------------------
// The functions the feature branch adds (the gaps), each with the test that reaches every line of it. The
// expected values are computed here by a JavaScript twin of the source, so every answer is correct.

const lit = (value) => JSON.stringify(value).replace(/,/g, ', ');
const GAP_KINDS = [
  (name, r) => {
    const k = r.int(2, 9);
    const twin = (values, limit) => {
      let total = 0;
      for (const v of values) if (v >= 0) total += v * k;
      return Math.min(total, limit);
    };
    const a = [r.int(1, 9), -r.int(1, 9), r.int(1, 9)];
    const b = [r.int(20, 60), r.int(20, 60)];
    return {
      source: [
        `export function ${name}(values: number[], limit: number): number {`,
        '  let total = 0;',
        '  for (const value of values) {',
        '    if (value < 0) {',
        '      continue;',
        '    }',
        `    total += value * ${k};`,
        '  }',
        '  if (total > limit) {',
        '    return limit;',
        '  }',
        '  return total;',
        '}',
      ],
      test: [
        `describe('${name}', () => {`,
        "  it('skips negative values and scales the rest', () => {",
        `    expect(${name}(${lit(a)}, 1000)).toBe(${twin(a, 1000)});`,
        '  });',
        "  it('caps the total at the limit', () => {",
        `    expect(${name}(${lit(b)}, 10)).toBe(${twin(b, 10)});`,
        '  });',
        '});',
      ],
    };
  },
  (name, r) => {
    const lo = r.int(10, 40);
    const hi = lo + r.int(10, 40);
    return {
      source: [
        `export function ${name}(score: number): 'low' | 'mid' | 'high' {`,
        '  if (Number.isNaN(score)) {',
        `    throw new RangeError('${name}: score is NaN');`,
        '  }',
        `  if (score < ${lo}) {`,
        "    return 'low';",
        '  }',
        `  if (score > ${hi}) {`,
        "    return 'high';",
        '  }',
        "  return 'mid';",
        '}',
      ],
      test: [
        `describe('${name}', () => {`,
        "  it('classifies scores into bands', () => {",
        `    expect(${name}(${lo - 1})).toBe('low');`,
        `    expect(${name}(${lo})).toBe('mid');`,
        `    expect(${name}(${hi + 1})).toBe('high');`,
        '  });',
        "  it('rejects NaN', () => {",
        `    expect(() => ${name}(Number.NaN)).toThrow(RangeError);`,
        '  });',
        '});',
      ],
    };
  },
  (name, r) => {
    const n = r.int(2, 9);
    const word = r.pick(WORDS);
    return {
      source: [
        `export function ${name}(label: string, count: number): string {`,
        '  const clean = label.trim().toLowerCase();',
        "  if (clean === '') {",
        `    return '${word}:none';`,
        '  }',
        `  if (count > ${n}) {`,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: generated TypeScript source
        '    return `${clean}:${count}+`;',
        '  }',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: generated TypeScript source
        '  return `${clean}:${count}`;',
        '}',
      ],
      test: [
        `describe('${name}', () => {`,
        "  it('formats a label with its count', () => {",
        `    expect(${name}('  Box ', 1)).toBe('box:1');`,
        `    expect(${name}('Box', ${n + 1})).toBe('box:${n + 1}+');`,
        '  });',
        "  it('names an empty label', () => {",
        `    expect(${name}('   ', 3)).toBe('${word}:none');`,
        '  });',
        '});',
      ],
    };
  },
  (name, r) => {
    const k = r.int(1, 5);
    const record = { delta: r.int(0, 20), alpha: r.int(0, 20), gamma: r.int(0, 20), beta: r.int(0, 20) };
    const min = 8;
    const keys = Object.keys(record)
      .filter((key) => record[key] >= min + k)
      .sort();
    return {
      source: [
        `export function ${name}(record: Record<string, number>, min: number): string[] {`,
        '  const keys: string[] = [];',
        '  for (const [key, value] of Object.entries(record)) {',
        `    if (value >= min + ${k}) {`,
        '      keys.push(key);',
        '    }',
        '  }',
        '  return keys.sort();',
        '}',
      ],
      test: [
        `describe('${name}', () => {`,
        "  it('keeps the keys at or above the threshold, sorted', () => {",
        `    expect(${name}(${lit(record).replace(/"(\w+)":/g, '$1:')}, ${min})).toEqual(${lit(keys)});`,
        `    expect(${name}({}, ${min})).toEqual([]);`,
        '  });',
        '});',
      ],
    };
  },
];

/** The project as data: files on main, files the feature branch rewrites, and the answer for each gap. */
function plan(params) {
  const r = rng(params.seed);
  const main = new Map();
  const feature = new Map();
  const answers = {};
  for (let i = 0; i < params.files; i++) {
    const word = WORDS[i % WORDS.length];
    const file = `${DIRS[i % DIRS.length]}/${word}-${i}.ts`;
    const test = file.replace(/\.ts$/, '.test.ts');
    const base = `./${word}-${i}.ts`;
    const k = r.int(2, 9);
    const covered = [
      `export function ${word}Total${i}(a: number, b: number): number {`,
      `  return a + b * ${k};`,
      '}',
      '',
      `export function ${word}Name${i}(id: number): string {`,
      `  return id > 0 ? '${word}-' + id : '${word}-new';`,
      '}',
    ];
    main.set(file, `${covered.join('\n')}\n`);
    main.set(
      test,
      [
        "import { describe, expect, it } from 'vitest';",
        `import { ${word}Name${i}, ${word}Total${i} } from '${base}';`,
        '',
        `describe('${word}Total${i}', () => {`,
        "  it('adds the weighted second operand', () => {",
        `    expect(${word}Total${i}(1, 2)).toBe(${1 + 2 * k});`,
        '  });',
        '});',
        '',
        `describe('${word}Name${i}', () => {`,
        "  it('names ids', () => {",
        `    expect(${word}Name${i}(3)).toBe('${word}-3');`,
        `    expect(${word}Name${i}(0)).toBe('${word}-new');`,
        '  });',
        '});',
        '',
      ].join('\n'),
    );
    const added = [];
    for (let g = 0; g < params.gapsPerFile; g++) {
      const name = `${word}Gap${i}${String.fromCharCode(97 + g)}`;
      const gap = GAP_KINDS[(i * params.gapsPerFile + g) % GAP_KINDS.length](name, r);
      added.push('', ...gap.source);
      answers[`${file}:${name}`] = `${gap.test.join('\n')}\n`;
    }
    feature.set(file, `${[...covered, ...added].join('\n')}\n`);
  }
  return { main, feature, answers };
}

/**
 * The benchmark project under `workRoot`, reused when a previous run completed with the same PARAMS: a
 * vitest package whose main has 10 files with tested functions, a feature branch adding 2 untested
 * functions to each (20 gaps), and coverage/lcov.info written by vitest itself at the feature head.
 */
export function ensureProject(workRoot, nodeModules, params = PARAMS, log = () => {}) {
  const key = `generate-v${params.version}-${createHash('sha256').update(JSON.stringify(params)).digest('hex').slice(0, 10)}`;
  const dir = join(workRoot, key);
  const { main, feature, answers } = plan(params);
  const ready = existsSync(join(dir, MARKER)) && readFileSync(join(dir, MARKER), 'utf8') === key;
  if (ready) return { dir, key, cached: true, generatedMs: 0, answers };
  const started = performance.now();
  log(`generating ${key} in ${dir} …`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const write = (path, text) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  const dev = JSON.parse(readFileSync(join(nodeModules, '..', 'package.json'), 'utf8')).devDependencies;
  write(
    'package.json',
    `${JSON.stringify(
      {
        name: 'bench-generate',
        private: true,
        type: 'module',
        scripts: { test: 'vitest run' },
        devDependencies: { vitest: dev.vitest, '@vitest/coverage-v8': dev['@vitest/coverage-v8'] },
      },
      null,
      2,
    )}\n`,
  );
  write(
    'vitest.config.ts',
    "import { defineConfig } from 'vitest/config';\n\nexport default defineConfig({\n  test: {\n    include: ['src/**/*.test.ts'],\n    coverage: { include: ['src/**/*.ts'] },\n  },\n});\n",
  );
  write('.gitignore', 'node_modules/\ncoverage/\n*.diff\n*.log\nanswers.json\n.bench-complete\n');
  for (const [path, text] of main) write(path, text);
  mkdirSync(join(dir, 'node_modules'));
  for (const entry of readdirSync(nodeModules)) {
    if (entry !== '.cache' && !entry.startsWith('.vite'))
      symlinkSync(join(nodeModules, entry), join(dir, 'node_modules', entry));
  }
  git(dir, ['init', '--quiet', '--initial-branch=main']);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '--quiet', '-m', 'base']);
  git(dir, ['checkout', '--quiet', '-b', 'feature']);
  for (const [path, text] of feature) write(path, text);
  git(dir, ['commit', '--quiet', '-am', 'feature: 2 new functions per file, untested']);
  // The coverage a CI test step leaves behind.
  const coverage = spawnSync(
    process.execPath,
    [
      vitestBin(dir),
      'run',
      '--coverage.enabled',
      '--coverage.reporter=lcov',
      '--coverage.reportsDirectory=coverage',
    ],
    { cwd: dir, encoding: 'utf8' },
  );
  if (coverage.status !== 0)
    throw new Error(`vitest --coverage failed in ${dir}:\n${coverage.stdout}${coverage.stderr}`);
  writeFileSync(join(dir, 'answers.json'), `${JSON.stringify(answers, null, 2)}\n`);
  writeFileSync(join(dir, MARKER), key);
  return { dir, key, cached: false, generatedMs: performance.now() - started, answers };
}

const vitestBin = (dir) => join(dir, 'node_modules', 'vitest', 'vitest.mjs');

// ---------------------------------------------------------------------------------------------------------
// Measuring.

const CLK_TCK = 100;
/** utime, stime, cutime, cstime of a process in ms (Linux), undefined elsewhere or when it is gone. */
function cpuOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = (i) => (Number(fields[i - 3]) * 1000) / CLK_TCK;
    return { self: ms(14) + ms(15), children: ms(16) + ms(17) };
  } catch {
    return undefined;
  }
}

/** CPU time every process on the machine spent (ms, from /proc/stat), undefined elsewhere. */
function machineBusyMs() {
  try {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = ticks;
    return ((user + nice + system + irq + softirq + steal) * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/**
 * Waits (up to `maxMs`) until the rest of the machine has used under a quarter of a core for two seconds in
 * a row: on a shared machine another job's CPU would be counted as testloop's wall time.
 */
async function waitForQuiet(maxMs, log) {
  if (machineBusyMs() === undefined) return;
  const started = performance.now();
  let quiet = 0;
  let said = false;
  while (performance.now() - started < maxMs) {
    const before = machineBusyMs();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const cores = (machineBusyMs() - before) / 1000;
    quiet = cores < 0.25 ? quiet + 1 : 0;
    if (quiet >= 2) return;
    if (!said && quiet === 0) {
      log(
        `the machine is busy (${cores.toFixed(2)} cores used by other processes): waiting up to ${maxMs / 1000} s …`,
      );
      said = true;
    }
  }
  log('the machine is still busy: measuring anyway (see the !!! lines below)');
}

/** Total length of the union of [start, end] intervals. */
function unionMs(spans) {
  const sorted = spans.filter((s) => s.end > s.start).sort((a, b) => a.start - b.start);
  let total = 0;
  let start = -1;
  let end = -1;
  for (const span of sorted) {
    if (span.start > end) {
      if (end > start) total += end - start;
      start = span.start;
      end = span.end;
    } else end = Math.max(end, span.end);
  }
  return total + (end > start ? end - start : 0);
}

/** A child process, asynchronously (the model server lives in this process): wall time and CPU time. */
function runTimed(command, args, { cwd, env }) {
  return new Promise((resolve, reject) => {
    const before = cpuOf('self');
    const busyBefore = machineBusyMs();
    const ownBefore = process.cpuUsage();
    const started = performance.now();
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    // The child's own CPU time, sampled until it exits (its children's is what remains of the total).
    let own;
    const poll = setInterval(() => {
      own = cpuOf(child.pid)?.self ?? own;
    }, 25);
    child.on('error', reject);
    child.on('close', (status) => {
      const ms = performance.now() - started;
      clearInterval(poll);
      const after = cpuOf('self');
      const cpu = before && after ? after.children - before.children : undefined;
      // What the rest of the machine used meanwhile: everything but the child's tree and this process.
      const spent = process.cpuUsage(ownBefore);
      const busy = machineBusyMs();
      const foreignCpu =
        busy === undefined || busyBefore === undefined || cpu === undefined
          ? undefined
          : Math.max(0, busy - busyBefore - cpu - (spent.user + spent.system) / 1000);
      resolve({ status, stdout, stderr, ms, started, cpu, ownCpu: own, foreignCpu });
    });
  });
}

async function runGenerate({ dir, bin, server, concurrency, quietMs, log }) {
  // A fresh start for every run: no vitest results cache, no testloop cache, no model reply cache.
  rmSync(join(dir, 'node_modules', '.vite'), { recursive: true, force: true });
  rmSync(join(dir, 'node_modules', '.cache'), { recursive: true, force: true });
  const patch = join(dir, `c${concurrency}.diff`);
  rmSync(patch, { force: true });
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(TESTLOOP_|OPENAI_)/.test(name)),
  );
  await waitForQuiet(quietMs, log);
  const first = server.requests.length;
  log(`testloop generate --concurrency ${concurrency} …`);
  const args = [
    bin,
    'generate',
    ...['--base', 'main', '--coverage', 'coverage/lcov.info', '--engine', 'llm'],
    ...['--base-url', server.url, '--model', 'bench-model', '--concurrency', String(concurrency)],
    ...['--format', 'json', '--patch', patch],
  ];
  const run = await runTimed(process.execPath, args, { cwd: dir, env });
  if (run.status !== 0)
    throw new Error(`testloop generate exited ${run.status}:\n${run.stderr.slice(-3000)}`);
  writeFileSync(join(dir, `c${concurrency}.stderr.log`), run.stderr);
  const result = JSON.parse(run.stdout);
  const requests = server.requests.slice(first);
  const spans = requests.map((q) => ({ start: q.started, end: q.ended }));
  return {
    concurrency,
    wall: run.ms,
    cpu: run.cpu,
    foreignCpu: run.foreignCpu,
    ownCpu: run.ownCpu,
    result,
    patch,
    model: {
      requests: requests.length,
      tokens: requests.reduce((n, q) => n + q.tokens, 0),
      sumMs: spans.reduce((n, s) => n + s.end - s.start, 0),
      unionMs: unionMs(spans),
    },
  };
}

/** The anchor: the accepted tests written into the project and run once by vitest, plain and with coverage. */
async function runAnchor({ dir, patch, files, log }) {
  git(dir, ['apply', patch]);
  try {
    log(`anchor: vitest run of the ${files.length} accepted tests …`);
    const env = { ...process.env, CI: 'true' };
    const plain = await runTimed(process.execPath, [vitestBin(dir), 'run', ...files], { cwd: dir, env });
    const covered = await runTimed(
      process.execPath,
      [
        vitestBin(dir),
        'run',
        ...files,
        '--coverage.enabled',
        '--coverage.reporter=json',
        `--coverage.reportsDirectory=${join(tmpdir(), `bench-anchor-${process.pid}`)}`,
      ],
      { cwd: dir, env },
    );
    rmSync(join(tmpdir(), `bench-anchor-${process.pid}`), { recursive: true, force: true });
    const passed = (text) => Number(/Tests\s+(\d+) passed/.exec(stripVTControlCharacters(text))?.[1] ?? 0);
    return { plain, covered, ok: plain.status === 0 && covered.status === 0, tests: passed(plain.stdout) };
  } finally {
    for (const file of files) rmSync(join(dir, file), { force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Report.

export async function main({ flags = {}, log = (m) => process.stderr.write(`bench: ${m}\n`) } = {}) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const work = fileURLToPath(new URL('./.work/', import.meta.url));
  if (flags.fresh === 'true') rmSync(join(work, 'generate'), { recursive: true, force: true });
  const project = ensureProject(join(work, 'generate'), join(root, 'node_modules'), PARAMS, log);
  const { dir, answers } = project;
  const gaps = Object.keys(answers).length;
  const runs = Math.max(1, Number(flags['generate-runs'] ?? process.env.BENCH_GENERATE_RUNS ?? 1));
  const quietMs = 1000 * Number(flags['quiet-wait'] ?? process.env.BENCH_QUIET_WAIT ?? 120);
  // --testloop=<bin> times another build (say, a checkout of the base branch) on the same inputs.
  const bin = flags.testloop ?? process.env.BENCH_TESTLOOP ?? join(root, 'bin', 'testloop.js');
  const server = await startLlmServer({
    tokensPerSecond: TOKENS_PER_SECOND,
    answer: (prompt) => answerFromPrompt(prompt, answers),
  });
  let c1s = [];
  let c4s = [];
  let anchor;
  try {
    // Untimed: the OS file cache warm for vitest and testloop alike.
    log('warm-up: vitest run of the existing tests …');
    await runTimed(process.execPath, [vitestBin(dir), 'run'], { cwd: dir, env: process.env });
    for (let i = 0; i < runs; i++) {
      c1s.push(await runGenerate({ dir, bin, server, concurrency: 1, quietMs, log }));
      c4s.push(await runGenerate({ dir, bin, server, concurrency: 4, quietMs, log }));
    }
    const accepted = c1s[0].result.accepted.map((a) => a.testFile);
    await waitForQuiet(quietMs, log);
    anchor = await runAnchor({ dir, patch: c1s[0].patch, files: accepted, log });
  } finally {
    await server.close();
  }
  // With several runs, the fastest of each kind is reported: on a shared machine the slower ones are the
  // ones other jobs got in the way of (see the !!! lines).
  const pick = (list) => list.reduce((best, r) => (r.wall < best.wall ? r : best));
  const [c1, c4] = [pick(c1s), pick(c4s)];
  c1s = c1s.map((r) => r.wall);
  c4s = c4s.map((r) => r.wall);

  const out = (line = '') => console.log(line);
  const s = (ms) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);
  const pct = (part, whole) => `${((100 * part) / whole).toFixed(1)}%`;
  const cores = availableParallelism();
  out('');
  out(
    `generate: ${PARAMS.files} files, ${gaps} gaps, vitest, model server at ${TOKENS_PER_SECOND.toLocaleString('en-US')} tokens/s, ${cores} core(s)` +
      ` (${project.cached ? 'cached inputs' : `generated in ${s(project.generatedMs)}`}: ${project.key})`,
  );
  out(
    'wall: process spawn to exit; model: stats.llmMs; runner: stats.runnerMs (validation runs, request to result);',
  );
  out(
    'overhead: wall - model - runner (Node start and module loading included); CPU: user+sys of all processes',
  );
  out('');
  const widths = [22, 8, 8, 8, 8, 8, 10, 8, 10];
  const row = (cells) =>
    `| ${cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' | ')} |`;
  out(row(['run', 'wall', 'model', 'runner', 'overhead', 'share', 'accepted', 'CPU', 'CPU/wall']));
  out(row(widths.map((w) => '-'.repeat(w))));
  for (const r of [c1, c4]) {
    const { llmMs, runnerMs } = r.result.stats;
    const overhead = r.wall - llmMs - runnerMs;
    out(
      row([
        `testloop --concurrency ${r.concurrency}`,
        s(r.wall),
        s(llmMs),
        s(runnerMs),
        s(overhead),
        pct(overhead, r.wall),
        `${r.result.accepted.length}/${gaps}`,
        s(r.cpu),
        r.cpu === undefined ? '-' : (r.cpu / r.wall).toFixed(2),
      ]),
    );
  }
  const a = anchor.plain;
  const ac = anchor.covered;
  out(
    row([
      'anchor: vitest run',
      s(a.ms),
      '-',
      s(a.ms),
      '-',
      '-',
      `${anchor.tests} tests`,
      s(a.cpu),
      a.cpu === undefined ? '-' : (a.cpu / a.ms).toFixed(2),
    ]),
  );
  out(
    row([
      'anchor: + coverage',
      s(ac.ms),
      '-',
      s(ac.ms),
      '-',
      '-',
      '',
      s(ac.cpu),
      ac.cpu === undefined ? '-' : (ac.cpu / ac.ms).toFixed(2),
    ]),
  );
  out('');
  for (const r of [c1, c4]) {
    const st = r.result.stats;
    const runnerCpu = r.cpu !== undefined && r.ownCpu !== undefined ? r.cpu - r.ownCpu : undefined;
    out(
      `c${r.concurrency}: stats.ms ${s(st.ms)} (llm ${s(st.llmMs)} + runner ${s(st.runnerMs)} + overhead ${s(st.overheadMs)}), ` +
        `${st.candidates} candidate(s), ${st.repairs} repair(s); model server: ${r.model.requests} request(s), ${r.model.tokens} tokens, ` +
        `streaming ${s(r.model.sumMs)} summed, ${s(r.model.unionMs)} of wall with a request in flight; ` +
        `CPU: testloop process ${s(r.ownCpu)}, runner processes ${s(runnerCpu)}`,
    );
    if (r.foreignCpu !== undefined && r.foreignCpu > 0.1 * r.wall)
      out(
        `  !!! other processes on this machine used ${s(r.foreignCpu)} of CPU during this run (${(r.foreignCpu / r.wall).toFixed(2)} of ${cores} cores): its times are not clean`,
      );
  }
  if (runs > 1)
    out(
      `wall of every run (the fastest is reported): c1 ${c1s.map(s).join(', ')}; c4 ${c4s.map(s).join(', ')}`,
    );
  const share = (c1.wall - c1.result.stats.llmMs - c1.result.stats.runnerMs) / c1.wall;
  const speedup = c1.wall / c4.wall;
  const verdict = (ok) => (ok ? 'PASS' : 'MISS');
  out(
    `targets: overhead share at --concurrency 1 ${pct(share, 1)} (< ${TARGETS.overheadShare * 100}%) ${verdict(share < TARGETS.overheadShare)};` +
      ` c1/c4 wall ${speedup.toFixed(2)}x (≥ ${TARGETS.speedup}x) ${verdict(speedup >= TARGETS.speedup)};` +
      ` generate c1 / anchor ${(c1.wall / a.ms).toFixed(1)}x`,
  );
  if (c4.cpu !== undefined && c1.cpu !== undefined) {
    // --concurrency 4 cannot finish before its CPU time spread over every core: the bound on the speed-up.
    const floor = c4.cpu / cores;
    out(
      `CPU bound: c1 used ${s(c1.cpu)} of CPU in ${s(c1.wall)} (${(c1.cpu / c1.wall).toFixed(2)} cores busy), c4 ${s(c4.cpu)} in ${s(c4.wall)} (${(c4.cpu / c4.wall).toFixed(2)} of ${cores});` +
        ` c4 cannot take less than ${s(floor)} on ${cores} core(s), so c1/c4 ≤ ${(c1.wall / floor).toFixed(2)}x here`,
    );
  }

  const problems = [];
  for (const r of [c1, c4]) {
    if (r.result.accepted.length !== gaps) {
      problems.push(
        `--concurrency ${r.concurrency} accepted ${r.result.accepted.length} of ${gaps} correct tests`,
      );
      for (const d of r.result.discarded ?? []) problems.push(`  ${d.target}: ${d.stage}: ${d.reason}`);
    }
  }
  const ids = (r) => r.result.accepted.map((x) => `${x.target}=${x.newlyCoveredLines.join(',')}`).join(' ');
  if (ids(c1) !== ids(c4)) problems.push('--concurrency 1 and 4 accepted different tests or lines');
  if (!anchor.ok || anchor.tests === 0)
    problems.push('the accepted tests do not pass when vitest runs them together');
  if (problems.length > 0) {
    out(`\nDISAGREE:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    process.exitCode = 1;
    process.on('exit', () => {
      process.exitCode = 1;
    });
  } else
    out(
      `agree: both runs accept all ${gaps} tests, covering the same lines, and vitest passes them together`,
    );
  return { c1, c4, anchor, share, speedup, problems };
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
