// `testloop generate` measured on real repositories with a replayed model (issue 12's measurement).
//
// For each repository of bench/generate-eval/<repo>.json: a copy of its checkout (from /work/corpus, or
// --corpus=<dir>; the checkout itself is never touched) under /tmp/geneval/<repo>/repo with the human test
// files of the targets deleted and committed as the base, so each target is untested; then one
// `testloop generate --target …` run against the answer server (bench/generate-eval/server.js), whose
// replies are the stored answers of bench/generate-eval/answers/<repo>/. Then, for the accepted tests:
// - mutation score against the repository's own (deleted) tests of the same files, on the same mutants:
//   testloop's own mutant operators (src/generate/mutants.ts, cap 12) on the lines of the target's file the
//   accepted test newly covers; each mutant is written over the source in a scratch copy and the runner
//   runs the accepted test and the human tests on it; a set kills a mutant when one of its files fails;
// - the repository's type-check (its tsc and tsconfig; only diagnostics in the accepted files count) and
//   its lint (its eslint on the accepted files; errors count, warnings do not).
//
// Usage: npm run build && node bench/generate-eval.js [<repo>...] [--record] [--skip-measure] [--measure-only[=record]] [--table]
//   [--testloop=<bin>] (another build's bin/testloop.js)
//   --record   an unknown prompt waits in /tmp/geneval/pending/<repo>/<hash>.md for its answer
//              (write it with bench/generate-eval/answer.js); without it (replay) an unknown prompt is an
//              HTTP 500 and the run's figures are invalid (the count is printed).
// The figures come from a replay: stand-in answers written from the prompts, never a model's.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GIT_ENV } from './common.js';
import { startAnswerServer } from './generate-eval/server.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const HERE = join(ROOT, 'bench', 'generate-eval');
const WORK = '/tmp/geneval';
const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const option = (name, fallback) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const RECORD = flag('record');
const CORPUS = option('corpus', '/work/corpus');
// --until=<ISO time>: start no mutation comparison after it (the table says on how many targets it ran).
const UNTIL = option('until') === undefined ? undefined : Date.parse(option('until'));
const TESTLOOP = resolve(option('testloop', join(ROOT, 'bin', 'testloop.js')));
const repos = args.filter((a) => !a.startsWith('--'));
const allRepos = readdirSync(HERE)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -5));

function run(cmd, argv, opts = {}) {
  const result = spawnSync(cmd, argv, {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    ...opts,
    env: { ...process.env, ...GIT_ENV, ...opts.env },
  });
  if (opts.check !== false && result.status !== 0)
    throw new Error(
      `${cmd} ${argv.join(' ')} failed in ${opts.cwd}: ${result.stderr}${result.stdout}`.slice(0, 4000),
    );
  return result;
}
const git = (cwd, argv) => run('git', argv, { cwd }).stdout;
const nice = (argv) => ['-n', '19', ...argv];

/** A fresh copy of the checkout at the pinned commit, its node_modules copied, the human tests deleted. */
function prepare(cfg) {
  const dir = join(WORK, cfg.name, 'repo');
  const source = join(CORPUS, cfg.checkout ?? cfg.name);
  if (existsSync(join(dir, '.git'))) {
    // Reuse the copy (node_modules are large): back to the base, every untracked file but ignored ones gone.
    git(dir, ['reset', '-q', '--hard', 'geneval-base']);
    git(dir, ['clean', '-q', '-fd']);
    return dir;
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  git(WORK, ['clone', '-q', '--no-hardlinks', source, dir]);
  git(dir, ['checkout', '-q', cfg.commit]);
  // Installed dependencies (and any other ignored folder the config names) come from the checkout as they are.
  const found = run('find', [source, '-name', 'node_modules', '-type', 'd', '-prune'], {}).stdout;
  for (const abs of [...found.split('\n').filter(Boolean), ...(cfg.copy ?? []).map((p) => join(source, p))]) {
    const rel = relative(source, abs);
    cpSync(abs, join(dir, rel), { recursive: true, verbatimSymlinks: true });
  }
  for (const target of cfg.targets)
    for (const test of target.humanTests) rmSync(join(dir, test), { force: true });
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'base: human tests of the targets removed']);
  git(dir, ['tag', 'geneval-base']);
  return dir;
}

async function generate(cfg, dir) {
  const out = join(WORK, cfg.name);
  const server = await startAnswerServer({
    answers: join(HERE, 'answers', cfg.name),
    prompts: join(WORK, 'prompts', cfg.name),
    pending: join(WORK, 'pending', cfg.name),
    record: RECORD,
    log: (line) => process.stderr.write(`[${cfg.name}] ${line}\n`),
  });
  const cwd = join(dir, cfg.cwd ?? '.');
  const argv = [
    TESTLOOP,
    'generate',
    ...cfg.targets.flatMap((t) => ['--target', `${relative(cwd, join(dir, t.file))}:${t.fn}`]),
    '--engine',
    'llm',
    '--base-url',
    server.url,
    '--model',
    'stand-in',
    '--format',
    'json',
    '--patch',
    join(out, `accepted.${RECORD ? 'record' : 'replay'}.diff`),
    '--llm-timeout',
    '3h',
    '--budget',
    '6h',
    '--concurrency',
    String(cfg.concurrency ?? 4),
  ];
  const started = Date.now();
  const child = spawn('nice', nice(['node', ...argv]), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
    process.stderr.write(`[${cfg.name}] ${d}`);
  });
  const code = await new Promise((res) => child.on('close', res));
  await server.close();
  writeFileSync(join(out, 'generate.stderr.txt'), stderr);
  if (code !== 0) throw new Error(`generate exited ${code} for ${cfg.name}: ${stderr.slice(-2000)}`);
  const result = JSON.parse(stdout);
  const unknown = [...new Set(server.stats.unknown)];
  const run = {
    repo: cfg.name,
    mode: RECORD ? 'record' : 'replay',
    ms: Date.now() - started,
    unknownPrompts: unknown,
    result,
  };
  writeFileSync(join(out, `generate.${run.mode}.json`), `${JSON.stringify(run, null, 2)}\n`);
  return run;
}

/** testloop's mutant operators, bundled from src/ (Node 20 cannot import TypeScript). */
async function loadMutants() {
  const { build } = await import('esbuild');
  const outfile = join(WORK, 'mutants.mjs');
  await build({
    stdin: {
      contents:
        "export { makeMutants, applyMutant, describeMutant } from './src/generate/mutants.ts';\nexport { parseSource } from './src/generate/ast.ts';\n",
      resolveDir: ROOT,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile,
    external: ['oxc-parser'],
    logLevel: 'error',
    nodePaths: [join(ROOT, 'node_modules')],
  });
  // oxc-parser is resolved from the project's node_modules: the bundle lives outside it.
  const text = readFileSync(outfile, 'utf8').replaceAll(
    '"oxc-parser"',
    JSON.stringify(pathToFileURL(join(ROOT, 'node_modules/oxc-parser/src-js/index.js')).href),
  );
  writeFileSync(outfile, text);
  return import(`${pathToFileURL(outfile).href}?${Date.now()}`);
}

/** Which of `files` fail (or never ran) in one runner run; undefined when the run itself gave no report. */
function failingFiles(cfg, cwd, files) {
  const out = join(WORK, cfg.name, 'run.json');
  rmSync(out, { force: true });
  const argv = cfg.test.replace('{out}', out).split(' ').concat(files);
  const result = run('timeout', ['120', 'nice', ...nice(argv)], { cwd, check: false });
  if (!existsSync(out))
    return { error: `${result.stderr}${result.stdout}`.slice(-1500) || `exit ${result.status}` };
  const report = JSON.parse(readFileSync(out, 'utf8'));
  const failing = new Set();
  for (const file of files) {
    const entry = report.testResults.find((r) => resolve(r.name) === resolve(cwd, file));
    if (entry?.status !== 'passed' || entry.assertionResults.some((a) => a.status === 'failed'))
      failing.add(file);
  }
  return { failing };
}

/** Mutation score of the accepted test and of the human tests on the same mutants of the same lines. */
function compareMutants(cfg, dir, accepted, mutantsLib) {
  const cwd = join(dir, cfg.cwd ?? '.');
  const rows = [];
  git(dir, ['checkout', '-q', 'geneval-base', '--', '.']);
  for (const a of accepted) {
    if (UNTIL !== undefined && Date.now() > UNTIL) {
      process.stderr.write(`[${cfg.name}] mutants ${a.target}: not compared (--until passed)\n`);
      continue;
    }
    const [file, fn] = splitTarget(a.target);
    // generate names targets and test files from the repository root.
    const target = cfg.targets.find((t) => t.file === file && t.fn === fn);
    const human = (target?.humanTests ?? []).filter((t) => cfg.runnable.some((re) => new RegExp(re).test(t)));
    const humanRel = human.map((h) => relative(cwd, join(dir, h)));
    for (const h of target?.humanTests ?? []) git(dir, ['checkout', '-q', cfg.commit, '--', h]);
    const sourcePath = join(dir, file);
    const original = readFileSync(sourcePath, 'utf8');
    const parsed = mutantsLib.parseSource(sourcePath, original);
    const mutants = mutantsLib.makeMutants(parsed, a.newlyCoveredLines, 12);
    const testFile = relative(cwd, join(dir, a.testFile));
    const row = {
      target: a.target,
      testFile,
      human: humanRel,
      total: mutants.length,
      generatedKilled: 0,
      humanKilled: 0,
      gate: a.mutants,
      notes: [],
    };
    const baseline = failingFiles(cfg, cwd, [testFile, ...humanRel]);
    if (baseline.error || baseline.failing.size > 0) {
      row.notes.push(
        `unmutated run: ${baseline.error ? 'no report' : [...baseline.failing].join(', ')} failing`,
      );
    }
    for (const m of mutants) {
      writeFileSync(sourcePath, mutantsLib.applyMutant(original, m));
      const verdict = failingFiles(cfg, cwd, [testFile, ...humanRel]);
      writeFileSync(sourcePath, original);
      if (verdict.error) {
        row.notes.push(`mutant line ${m.line}: no report`);
        continue;
      }
      if (verdict.failing.has(testFile)) row.generatedKilled++;
      if (humanRel.some((h) => verdict.failing.has(h))) row.humanKilled++;
    }
    rows.push(row);
    process.stderr.write(
      `[${cfg.name}] mutants ${a.target}: generated ${row.generatedKilled}/${row.total}, human ${row.humanKilled}/${row.total}\n`,
    );
  }
  git(dir, ['checkout', '-q', 'geneval-base', '--', '.']);
  return rows;
}

const splitTarget = (t) => [t.slice(0, t.lastIndexOf(':')), t.slice(t.lastIndexOf(':') + 1)];

/** Type-check and lint verdicts of each accepted file, with the accepted files applied to the base. */
function checkQuality(cfg, dir, accepted) {
  const cwd = join(dir, cfg.cwd ?? '.');
  const files = accepted.map((a) => join(dir, a.testFile));
  const tsc = run('nice', nice(cfg.typecheck.split(' ')), { cwd, check: false });
  const diagnostics = `${tsc.stdout}${tsc.stderr}`.split('\n').filter((l) => /error TS\d+/.test(l));
  const lint = run('nice', nice([...cfg.lint.split(' '), '--format', 'json', ...files]), {
    cwd,
    check: false,
  });
  let lintReport = [];
  try {
    lintReport = JSON.parse(lint.stdout);
  } catch {
    throw new Error(`lint gave no JSON: ${lint.stderr.slice(0, 2000)}`);
  }
  return accepted.map((a) => {
    const typeErrors = diagnostics.filter((l) => resolve(cwd, l.split('(')[0]) === join(dir, a.testFile));
    const entry = lintReport.find((r) => resolve(r.filePath) === join(dir, a.testFile));
    const lintErrors = entry
      ? entry.messages.filter((m) => m.severity === 2).map((m) => `${m.line}: ${m.ruleId} ${m.message}`)
      : ['not linted'];
    return { target: a.target, typeErrors, lintErrors };
  });
}

/** A second copy for measuring, so that a generate run on the first one never sees a mutant. */
function measureCopy(cfg, dir) {
  const copy = join(WORK, cfg.name, 'measure');
  if (!existsSync(join(copy, '.git'))) run('cp', ['-a', dir, copy]);
  git(copy, ['reset', '-q', '--hard', 'geneval-base']);
  git(copy, ['clean', '-q', '-fd']);
  return copy;
}

async function measure(cfg, repoDir, gen, mutantsLib) {
  const { result } = gen;
  const dir = measureCopy(cfg, repoDir);
  // The accepted files, as the patch has them, on top of the base.
  const patch = join(WORK, cfg.name, `accepted.${gen.mode}.diff`);
  if (result.accepted.length > 0) git(dir, ['apply', patch]);
  const quality = result.accepted.length > 0 ? checkQuality(cfg, dir, result.accepted) : [];
  const mutation = result.accepted.length > 0 ? compareMutants(cfg, dir, result.accepted, mutantsLib) : [];
  git(dir, ['reset', '-q', '--hard', 'geneval-base']);
  git(dir, ['clean', '-q', '-fd']);
  const summary = {
    repo: cfg.name,
    mode: gen.mode,
    unknownPrompts: gen.unknownPrompts.length,
    targets: cfg.targets.length,
    funnel: result.funnel,
    accepted: result.accepted.length,
    usage: result.usage,
    discarded: result.discarded,
    skipped: result.skipped ?? [],
    quality,
    mutation,
  };
  writeFileSync(join(WORK, cfg.name, `measure.${gen.mode}.json`), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

function table(summaries) {
  const stages = ['generated', 'compiled', 'passed', 'stable', 'addedCoverage', 'killsMutants'];
  const sum = (f) => summaries.reduce((n, s) => n + f(s), 0);
  const rows = [
    ...summaries,
    {
      repo: 'total',
      targets: sum((s) => s.targets),
      unknownPrompts: sum((s) => s.unknownPrompts),
      funnel: Object.fromEntries(stages.map((k) => [k, sum((s) => s.funnel[k] ?? 0)])),
      accepted: sum((s) => s.accepted),
      usage: { promptTokens: sum((s) => s.usage.promptTokens), requests: sum((s) => s.usage.requests) },
      quality: summaries.flatMap((s) => s.quality),
      mutation: summaries.flatMap((s) => s.mutation),
    },
  ];
  const head = [
    'repo',
    'targets',
    ...stages,
    'accepted',
    'tokens/acc',
    'tsc ok',
    'lint ok',
    'mut compared',
    'mut gen',
    'mut human',
    'gate',
    'unknown',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const m = r.mutation;
    const total = m.reduce((n, x) => n + x.total, 0);
    const pct = (k) =>
      total
        ? `${m.reduce((n, x) => n + x[k], 0)}/${total} (${Math.round((100 * m.reduce((n, x) => n + x[k], 0)) / total)}%)`
        : '–';
    const gateKilled = m.reduce((n, x) => n + (x.gate?.killed ?? 0), 0);
    const gateTotal = m.reduce((n, x) => n + (x.gate?.total ?? 0), 0);
    lines.push(
      `| ${[
        r.repo,
        r.targets,
        ...stages.map((k) => r.funnel[k] ?? 0),
        r.accepted,
        r.accepted ? Math.round(r.usage.promptTokens / r.accepted) : '–',
        `${r.quality.filter((q) => q.typeErrors.length === 0).length}/${r.quality.length}`,
        `${r.quality.filter((q) => q.lintErrors.length === 0).length}/${r.quality.length}`,
        `${m.length}/${r.accepted}`,
        pct('generatedKilled'),
        pct('humanKilled'),
        `${gateKilled}/${gateTotal}`,
        r.unknownPrompts,
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

const chosen = repos.length > 0 ? repos : allRepos;
if (flag('table')) {
  // The table of the measurements already made: each repository's replay, else its record run.
  const made = chosen.flatMap((name) =>
    ['replay', 'record']
      .map((mode) => join(WORK, name, `measure.${mode}.json`))
      .filter((file) => existsSync(file))
      .slice(0, 1)
      .map((file) => JSON.parse(readFileSync(file, 'utf8'))),
  );
  process.stdout.write(`${table(made)}\n\n${made.map((m) => `${m.repo}: ${m.mode}`).join(', ')}\n`);
  process.exit(0);
}
mkdirSync(WORK, { recursive: true });
const mutantsLib = flag('skip-measure') ? undefined : await loadMutants();
const summaries = [];
for (const name of chosen) {
  const cfg = JSON.parse(readFileSync(join(HERE, `${name}.json`), 'utf8'));
  const measureOnly = option('measure-only', flag('measure-only') ? 'replay' : undefined);
  const dir = measureOnly ? join(WORK, name, 'repo') : prepare(cfg);
  // --measure-only=record measures the record run (to start early); the figures are the replay's.
  const gen = measureOnly
    ? JSON.parse(readFileSync(join(WORK, name, `generate.${measureOnly}.json`), 'utf8'))
    : await generate(cfg, dir);
  if (gen.unknownPrompts.length > 0)
    process.stderr.write(
      `[${name}] ${gen.unknownPrompts.length} prompts had no stored answer: the figures are not valid\n`,
    );
  if (!flag('skip-measure')) summaries.push(await measure(cfg, dir, gen, mutantsLib));
}
if (summaries.length > 0) {
  const modes = summaries.map((s) => `${s.repo}: ${s.mode} run`).join(', ');
  const text = `${table(summaries)}\n\nStand-in answers (${modes}; ${new Date().toISOString().slice(0, 10)}), not a model's.\n`;
  writeFileSync(join(WORK, 'table.md'), text);
  process.stdout.write(text);
}
// The bundler keeps a service process; nothing is left to wait for.
process.exit(0);
