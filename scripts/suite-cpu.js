// Runs the test suite (`vitest run` and the arguments given) while reading every process's CPU time from
// /proc, then says where the suite's CPU went: by the kind of process the tests started (vitest, jest,
// node:test, the testloop CLI, git…) and the suite's own worker processes. On a machine whose cores the
// suite keeps busy, its CPU-seconds divided by the cores is the least wall time it can take; this shows
// which processes that time is made of, and what one run of each runner costs against Node's own start.
// The processes a test file starts are counted for it too (the TMPDIR test/setup/file-tmp.ts gives each
// file). Linux only (/proc). Usage: node scripts/suite-cpu.js [--json] [vitest arguments...]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SAMPLE_MS = 50;
const FILES_SHOWN = 20;
/**
 * A process's command line and environment can still be its parent's (forked, not yet exec'd) in its first
 * samples.
 */
const CMDLINE_SAMPLES = 3;
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** The kinds of process a test starts, by command line; the first that matches names it. */
const KINDS = [
  ['vitest', /vitest\.mjs (run|list)\b|\/\.bin\/vitest (run|list)\b|runners\/vitest-(driver|config)\.js/],
  ['jest', /jest\/bin\/jest\.js|\/\.bin\/jest\b/],
  ['playwright', /playwright\/cli\.js|\/\.bin\/playwright\b/],
  ['node:test', /\s--test\b/],
  ['testloop CLI', /bin\/testloop\.js|dist\/cli\.js|npx --no-install testloop/],
  ['tsc', /\/\.bin\/tsc\b|typescript\/bin|\/tsc\s/],
  ['chromium', /chromium|chrome/],
  ['git', /(^|\/)git(\s|$)|git-core\//],
  ['postgres', /postgres/],
];

/** The kind a command line names, or undefined for a process that works for its parent (a worker). */
export function kindOf(cmdline) {
  return KINDS.find(([, pattern]) => pattern.test(cmdline))?.[0];
}

const SUITE = 'suite (vitest and the test files)';

/** A process's parent: the process of its parent's pid that had started by then (pids are reused). */
function parents(processes) {
  const byPid = new Map();
  for (const p of processes) byPid.set(p.pid, [...(byPid.get(p.pid) ?? []), p]);
  return (p) =>
    (byPid.get(p.ppid) ?? [])
      .filter((q) => q.start <= p.start)
      .reduce((best, q) => (best === undefined || q.start > best.start ? q : best), undefined);
}

/** `processes` that descend from `root` (the machine may run others meanwhile). */
export function descendants(processes, root) {
  const parentOf = parents(processes);
  const below = new Map([[root, true]]);
  const isBelow = (p) => {
    if (p === undefined) return false;
    if (!below.has(p)) {
      below.set(p, false);
      below.set(p, isBelow(parentOf(p)));
    }
    return below.get(p);
  };
  return processes.filter((p) => p !== root && isBelow(p));
}

/**
 * What each process was. `processes`: every process seen, { key, pid, ppid, start, cmdline, cpu (s), tmp };
 * `suiteKey`: the suite's vitest process. A process counts for the nearest of itself and its ancestors that
 * has a kind, below the suite's workers; one without is the suite's own (a worker) or "other". `run`: it is
 * a run of its kind (a runner's main process), not a process working for one.
 */
export function classify(processes, suiteKey) {
  const parentOf = parents(processes);
  return processes.map((p) => {
    if (p.key === suiteKey) return { process: p, parent: undefined, kind: SUITE, run: false };
    const parent = parentOf(p);
    let kind = 'other';
    let own = false;
    for (let q = p, depth = 0; q !== undefined && depth < 64; q = parentOf(q), depth++) {
      if (q.key === suiteKey) {
        if (q === parent) kind = SUITE;
        break;
      }
      const named = kindOf(q.cmdline);
      if (named !== undefined) {
        kind = named;
        own = q === p;
        break;
      }
    }
    // The children a runner starts of its own kind (node --test runs each file in one) are part of its run.
    const run = own && (parent === undefined || kindOf(parent.cmdline) !== kind);
    return { process: p, parent, kind, run };
  });
}

/** CPU by kind of process, most first: { kind, processes, runs, cpu }. */
export function attribute(processes, suiteKey) {
  return tally(classify(processes, suiteKey), (c) => c.kind, 'kind');
}

/**
 * CPU of the processes each test file started, most first: { file, processes, runs, cpu }. `folders`: each
 * file's TMPDIR (test/setup/file-tmp.ts), which the processes it starts inherit or name on their command
 * line; a process with neither counts for its parent's file. The suite's own workers count for no file.
 */
export function attributeToFiles(processes, suiteKey, folders) {
  const classified = classify(processes, suiteKey);
  const byProcess = new Map(classified.map((c) => [c.process, c]));
  const fileOf = new Map();
  const ownFile = (p) => {
    for (const [folder, file] of folders) {
      const inside = (path) => path === folder || path?.startsWith(`${folder}/`);
      if (inside(p.tmp) || p.cmdline.includes(`${folder}/`)) return file;
    }
    return undefined;
  };
  const find = (c) => {
    if (c === undefined || c.kind === SUITE) return undefined;
    if (!fileOf.has(c.process)) fileOf.set(c.process, ownFile(c.process) ?? find(byProcess.get(c.parent)));
    return fileOf.get(c.process);
  };
  const files = classified.filter((c) => find(c) !== undefined);
  return tally(files, find, 'file');
}

function tally(classified, keyOf, name) {
  const rows = new Map();
  for (const c of classified) {
    const key = keyOf(c);
    const row = rows.get(key) ?? { [name]: key, processes: 0, runs: 0, cpu: 0 };
    row.processes++;
    row.cpu += c.process.cpu;
    if (c.run) row.runs++;
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) => b.cpu - a.cpu);
}

function readProc(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    ppid: Number(fields[1]),
    cpu: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
    start: Number(fields[19]),
  };
}

function readCmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}

/** The TMPDIR a process started with. */
function readTmpdir(pid) {
  try {
    const variable = readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .find((entry) => entry.startsWith('TMPDIR='));
    return variable?.slice('TMPDIR='.length);
  } catch {
    return undefined;
  }
}

/** Samples /proc until stopped: every process that was not there at the start, with its latest CPU time. */
function sampler() {
  const seen = new Map();
  const before = new Set();
  const sample = (into) => {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const { ppid, cpu, start } = readProc(name);
        const key = `${name}@${start}`;
        if (into === before) {
          before.add(key);
          continue;
        }
        if (before.has(key) || ppid === 2 || name === '2') continue;
        const known = seen.get(key);
        if (known === undefined) {
          const [cmdline, tmp] = [readCmdline(name), readTmpdir(name)];
          seen.set(key, { key, pid: Number(name), ppid, start, cpu, samples: 1, cmdline, tmp });
        } else {
          known.cpu = cpu;
          if (known.samples++ < CMDLINE_SAMPLES) {
            known.cmdline = readCmdline(name) || known.cmdline;
            known.tmp = readTmpdir(name) ?? known.tmp;
          }
        }
      } catch {
        // Gone between the listing and the read.
      }
    }
  };
  sample(before);
  const timer = setInterval(() => sample(seen), SAMPLE_MS);
  return {
    stop() {
      clearInterval(timer);
      sample(seen);
      return [...seen.values()];
    },
  };
}

/** The CPU-seconds of a shell's children, from the last line of its `times` (user, then system). */
function childrenCpu(timesOutput) {
  const [user, system] = timesOutput.trim().split('\n').at(-1).split(/\s+/);
  const seconds = (text) => {
    const m = /(\d+)m([\d.]+)s/.exec(text ?? '');
    return m ? Number(m[1]) * 60 + Number(m[2]) : 0;
  };
  return seconds(user) + seconds(system);
}

/** CPU-seconds of one `node -e 0`: what any Node process costs before it runs a line of its own. */
function nodeStartCpu(times = 10) {
  const script = `for i in $(seq ${times}); do "$0" -e 0; done; times`;
  return childrenCpu(execFileSync('bash', ['-c', script, process.execPath], { encoding: 'utf8' })) / times;
}

/**
 * Runs `vitest run` with `args` from `root`, sampling: the processes seen, the suite's vitest process, and
 * the CPU of every process it waited for, short ones included, from a shell's `times` on fd 3 (the samples
 * miss a process that lives less than a sample: most of git's).
 */
async function runSuite(root, args, quiet) {
  const folders = join(mkdtempSync(join(tmpdir(), 'testloop-suite-cpu-')), 'folders.tsv');
  writeFileSync(folders, '');
  const watch = sampler();
  const started = performance.now();
  const script = '"$0" node_modules/vitest/vitest.mjs run "$@"; code=$?; times >&3; exit $code';
  const suite = spawn('bash', ['-c', script, process.execPath, ...args], {
    cwd: root,
    env: { ...process.env, TESTLOOP_SUITE_FOLDERS: folders },
    stdio: ['ignore', quiet ? 'ignore' : 'inherit', quiet ? 'ignore' : 'inherit', 'pipe'],
  });
  let timesOutput = '';
  suite.stdio[3].on('data', (chunk) => {
    timesOutput += chunk;
  });
  const exitCode = await new Promise((resolve) => suite.on('close', (status) => resolve(status ?? 1)));
  const wallSeconds = (performance.now() - started) / 1000;
  const seen = watch.stop();
  const shell = seen.find((p) => p.pid === suite.pid);
  const vitest = seen.find((p) => shell !== undefined && p.ppid === suite.pid && p.start >= shell.start);
  const fileFolders = readFileSync(folders, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\t'))
    .map(([folder, file]) => [folder, relative(root, file)]);
  rmSync(dirname(folders), { recursive: true, force: true });
  return {
    exitCode,
    wallSeconds,
    waitedCpuSeconds: childrenCpu(timesOutput),
    processes: shell === undefined ? [] : descendants(seen, shell),
    suiteKey: vitest?.key,
    fileFolders,
  };
}

const column = (values, widths) =>
  values
    .map((value, i) => (i === 0 ? String(value).padEnd(widths[0]) : String(value).padStart(widths[i])))
    .join(' ');

function report(summary) {
  const { wallSeconds: wall, cpuSeconds: cpu, sampledCpuSeconds: sampled, cores, byKind, byFile } = summary;
  const percent = (part) => `${((100 * part) / sampled).toFixed(0)} %`;
  const perRun = (row) => (row.runs ? (row.cpu / row.runs).toFixed(2) : '');
  const kindWidths = [36, 6, 6, 8, 6, 10];
  const fileWidths = [52, 6, 6, 8, 6];
  return [
    '',
    `suite: ${wall.toFixed(0)} s wall, ${cpu.toFixed(0)} CPU-s on ${cores} cores (${((100 * cpu) / (wall * cores)).toFixed(0)} % busy): no less than ${(cpu / cores).toFixed(0)} s on these cores`,
    `by process: ${sampled.toFixed(0)} CPU-s sampled (it misses processes shorter than ${SAMPLE_MS} ms, most of them git's), ${summary.waitedCpuSeconds.toFixed(0)} CPU-s of the processes waited for (they miss what nobody waits for, esbuild's service): the larger counts`,
    `one \`node -e 0\`: ${summary.nodeStartCpuSeconds.toFixed(3)} CPU-s`,
    '',
    column(['process', 'runs', 'procs', 'CPU-s', 'share', 'CPU-s/run'], kindWidths),
    ...byKind.map((r) =>
      column([r.kind, r.runs || '', r.processes, r.cpu.toFixed(1), percent(r.cpu), perRun(r)], kindWidths),
    ),
    '',
    `the processes each test file started (the ${FILES_SHOWN} that used the most CPU):`,
    column(['test file', 'runs', 'procs', 'CPU-s', 'share'], fileWidths),
    ...byFile
      .slice(0, FILES_SHOWN)
      .map((r) => column([r.file, r.runs || '', r.processes, r.cpu.toFixed(1), percent(r.cpu)], fileWidths)),
  ].join('\n');
}

async function main() {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const root = fileURLToPath(new URL('..', import.meta.url));
  const run = await runSuite(
    root,
    args.filter((arg) => arg !== '--json'),
    json,
  );
  const byKind = attribute(run.processes, run.suiteKey);
  const sampled = byKind.reduce((sum, row) => sum + row.cpu, 0);
  const summary = {
    exitCode: run.exitCode,
    wallSeconds: run.wallSeconds,
    cpuSeconds: Math.max(run.waitedCpuSeconds, sampled),
    waitedCpuSeconds: run.waitedCpuSeconds,
    sampledCpuSeconds: sampled,
    cores: availableParallelism(),
    nodeStartCpuSeconds: nodeStartCpu(),
    byKind,
    byFile: attributeToFiles(run.processes, run.suiteKey, run.fileFolders),
  };
  process.stdout.write(json ? `${JSON.stringify(summary, null, 2)}\n` : `${report(summary)}\n`);
  process.exitCode = run.exitCode;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
