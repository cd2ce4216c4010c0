// `testloop gaps` against diff-cover on one large generated repository: generator, measurement, comparison.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { floorMedians, floorSample, GIT_ENV, rng } from './common.js';

/** Bump `version` whenever the generator's output changes: it names the cached repository. */
export const PARAMS = {
  version: 2,
  seed: 20260101,
  files: 5000,
  changedFiles: 1500,
  minLines: 30,
  maxLines: 300,
};

const MARKER = '.bench-complete';
const WORDS = [
  'alpha',
  'bravo',
  'cache',
  'delta',
  'event',
  'fetch',
  'graph',
  'hash',
  'index',
  'join',
  'kind',
];
const DIRS = ['core', 'api', 'ui/components', 'ui/hooks', 'server/routes', 'server/db', 'util', 'lib/parse'];

function git(cwd, args, input) {
  const result = spawnSync('git', args, {
    cwd,
    env: { ...process.env, ...GIT_ENV },
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    ...(input === undefined ? {} : { input }),
  });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${result.stderr}`);
  return result.stdout;
}

/**
 * The benchmark repository under `workRoot`: main with PARAMS.files TypeScript-ish files, a feature branch
 * editing PARAMS.changedFiles of them, and lcov.info (all files, at the feature head) in its root.
 * Reused when a previous run completed with the same parameters.
 */
export function ensureRepository(workRoot, params = PARAMS, log = () => {}) {
  const key = `gaps-v${params.version}-${createHash('sha256').update(JSON.stringify(params)).digest('hex').slice(0, 10)}`;
  const dir = join(workRoot, key);
  if (existsSync(join(dir, MARKER)) && readFileSync(join(dir, MARKER), 'utf8') === key) {
    return { dir, key, cached: true, generatedMs: 0, ...readStats(dir) };
  }
  const started = performance.now();
  log(`generating ${key} (${params.files} files, ${params.changedFiles} changed) in ${dir} …`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const r = rng(params.seed);
  let id = 0;
  const line = () => codeLine(r, id++);
  const files = new Map();
  for (let i = 0; i < params.files; i++) {
    const path = `src/${r.pick(DIRS)}/${r.pick(WORDS)}-${i}.ts`;
    files.set(path, Array.from({ length: r.int(params.minLines, params.maxLines) }, line));
  }
  git(dir, ['init', '--quiet', '--initial-branch=main']);
  writeFileSync(join(dir, '.gitignore'), 'lcov.info\n*.json\n');
  writeAll(dir, files);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '--quiet', '-m', 'base']);

  git(dir, ['checkout', '--quiet', '-b', 'feature']);
  const paths = [...files.keys()];
  for (let i = paths.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    [paths[i], paths[j]] = [paths[j], paths[i]];
  }
  const changed = paths.slice(0, params.changedFiles);
  for (const path of changed) edit(r, files.get(path), line);
  writeAll(dir, new Map(changed.map((path) => [path, files.get(path)])));
  git(dir, ['commit', '--quiet', '-am', 'feature']);
  // As a CI checkout finds it: objects packed (a clone), index fresh (not racily clean: every file would be
  // re-read by both tools' git diff).
  git(dir, ['gc', '--quiet']);
  git(dir, ['update-index', '--really-refresh']);

  const lcov = lcovFor(r, files);
  writeFileSync(join(dir, 'lcov.info'), lcov);
  const stats = { lcovBytes: Buffer.byteLength(lcov), files: params.files, changedFiles: changed.length };
  writeFileSync(join(dir, 'bench-stats.json'), JSON.stringify(stats));
  writeFileSync(join(dir, MARKER), key);
  return { dir, key, cached: false, generatedMs: performance.now() - started, ...stats };
}

function readStats(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, 'bench-stats.json'), 'utf8'));
  } catch {
    return { lcovBytes: statSync(join(dir, 'lcov.info')).size };
  }
}

function writeAll(dir, files) {
  for (const [path, lines] of files) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, lines.length === 0 ? '' : `${lines.join('\n')}\n`);
  }
}

function codeLine(r, id) {
  const word = r.pick(WORDS);
  switch (r.int(0, 7)) {
    case 0:
      return '';
    case 1:
      return '}';
    case 2:
      return `export function ${word}${id}(input: number): number {`;
    case 3:
      return `  const v${id} = input * ${r.int(2, 99)};`;
    case 4:
      return `  if (v${id} > ${r.int(0, 500)}) return ${word}(v${id});`;
    case 5:
      return `  // ${word} ${r.pick(WORDS)} ${id}`;
    case 6:
      return `  return helper(${id});`;
    default:
      return `export const ${word}_${id} = '${word}';`;
  }
}

/** 1–4 insertions, modifications, deletions or appended blocks of 1–12 lines. */
function edit(r, lines, line) {
  const operations = r.int(1, 4);
  for (let i = 0; i < operations; i++) {
    const at = r.int(0, lines.length);
    const n = r.int(1, 12);
    const fresh = (k) => Array.from({ length: k }, line);
    const op = r.int(0, 3);
    if (op === 0) lines.splice(at, 0, ...fresh(n));
    else if (op === 1) lines.splice(at, n, ...fresh(Math.min(n, Math.max(1, lines.length - at))));
    else if (op === 2) lines.splice(at, n);
    else lines.push(...fresh(n));
  }
}

/** What istanbul's lcovonly reporter writes for vitest or jest: FN/FNDA, DA, BRDA and the summaries. */
function lcovFor(r, files) {
  const out = [];
  for (const [path, lines] of files) {
    const da = [];
    const fns = [];
    const brda = [];
    lines.forEach((text, i) => {
      if (text.trim() === '' || text === '}' || !r.chance(0.8)) return;
      const hits = r.chance(0.2) ? 0 : r.int(1, 60);
      da.push(`DA:${i + 1},${hits}`);
      if (text.startsWith('export function')) fns.push([i + 1, text.split(/[ (]/)[2], hits]);
      if (text.includes(' if (')) brda.push(i + 1, hits);
    });
    out.push('TN:', `SF:${path}`);
    for (const [at, name] of fns) out.push(`FN:${at},${name}`);
    out.push(`FNF:${fns.length}`, `FNH:${fns.filter((f) => f[2] > 0).length}`);
    for (const [, name, hits] of fns) out.push(`FNDA:${hits},${name}`);
    out.push(...da, `LF:${da.length}`, `LH:${da.filter((d) => !d.endsWith(',0')).length}`);
    for (let i = 0; i < brda.length; i += 2) {
      const hits = brda[i + 1];
      out.push(
        `BRDA:${brda[i]},${i / 2},0,${hits}`,
        `BRDA:${brda[i]},${i / 2},1,${hits > 0 ? r.int(0, 3) : 0}`,
      );
    }
    out.push(`BRF:${brda.length}`, 'BRH:0', 'end_of_record');
  }
  return `${out.join('\n')}\n`;
}

/** Wall time of one process, start to exit. */
function timed(command, args, cwd, captureStdout) {
  const started = performance.now();
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['ignore', captureStdout ? 'pipe' : 'ignore', 'pipe'],
  });
  const ms = performance.now() - started;
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${result.stderr.slice(0, 2000)}`);
  }
  return { ms, stdout: result.stdout };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function diffCoverVersion(command = 'diff-cover') {
  const probe = spawnSync(command, ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

/** git's own diff of the change, from the merge base to the working tree: the floor's git part. */
const FLOOR_DIFF = [
  'diff',
  '--no-color',
  '--no-ext-diff',
  '--find-renames',
  '--unified=0',
  '--merge-base',
  'main',
];

/**
 * Times both tools on the repository, side by side: `runs` testloop runs and `anchorRuns` diff-cover
 * runs, each after one untimed warm-up, and a sample of the floor (`node -e 0`, git's diff) after each
 * testloop run. Returns medians and whether the two agree file by file.
 */
export function measure({ dir, bin, runs = 7, anchorRuns = 3, diffCover = 'diff-cover', log = () => {} }) {
  const testloopArgs = [bin, 'gaps', '--base', 'main', '--coverage', 'lcov.info', '--format', 'json'];
  const diffCoverArgs = ['lcov.info', '--compare-branch=main', '--json-report', 'out.json'];
  const anchor = anchorRuns > 0 ? diffCoverVersion(diffCover) : undefined;

  log('testloop: warm-up …');
  const first = timed(process.execPath, testloopArgs, dir, true);
  const ours = JSON.parse(first.stdout);
  const testloopMs = [];
  const floorSamples = [];
  for (let i = 0; i < runs; i++) {
    testloopMs.push(timed(process.execPath, testloopArgs, dir, true).ms);
    floorSamples.push(floorSample(dir, { git: FLOOR_DIFF }));
  }
  const floor = floorMedians(floorSamples);

  const result = {
    testloop: { runs: testloopMs, median: median(testloopMs), internalMs: ours.stats?.ms },
    floor: { node: floor.node, git: floor.git, total: floor.node + floor.git },
    totals: { ...ours.totals, files: ours.files.length },
  };
  if (!anchor) return { ...result, anchor: undefined };

  log(`${anchor}: warm-up …`);
  timed(diffCover, diffCoverArgs, dir, false);
  const theirs = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
  const diffCoverMs = [];
  for (let i = 0; i < anchorRuns; i++) {
    log(`${anchor}: run ${i + 1}/${anchorRuns} …`);
    diffCoverMs.push(timed(diffCover, diffCoverArgs, dir, false).ms);
  }
  return {
    ...result,
    anchor: { name: anchor, runs: diffCoverMs, median: median(diffCoverMs) },
    disagreements: compare(ours, theirs),
    anchorTotals: { coverableLines: theirs.total_num_lines, uncoveredLines: theirs.total_num_violations },
  };
}

/** Every difference between the two reports: totals, the set of measured files, each file's uncovered lines. */
function compare(ours, theirs) {
  const problems = [];
  if (ours.totals.coverableLines !== theirs.total_num_lines)
    problems.push(
      `coverable lines: testloop ${ours.totals.coverableLines}, diff-cover ${theirs.total_num_lines}`,
    );
  if (ours.totals.uncoveredLines !== theirs.total_num_violations)
    problems.push(
      `uncovered lines: testloop ${ours.totals.uncoveredLines}, diff-cover ${theirs.total_num_violations}`,
    );
  const measured = new Map(
    ours.files.filter((f) => f.coverableLines > 0).map((f) => [f.path, f.uncoveredLines]),
  );
  for (const [path, stats] of Object.entries(theirs.src_stats)) {
    const mine = measured.get(path);
    if (!mine) problems.push(`${path}: only diff-cover measures it`);
    else if (mine.join(',') !== stats.violation_lines.join(','))
      problems.push(
        `${path}: uncovered ${mine.join(',')} (testloop) vs ${stats.violation_lines.join(',')} (diff-cover)`,
      );
    measured.delete(path);
  }
  for (const path of measured.keys()) problems.push(`${path}: only testloop measures it`);
  return problems;
}
