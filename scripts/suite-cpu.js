// Runs the test suite (`vitest run` and the arguments given) while reading every process's CPU time from
// /proc, then says where the suite's CPU went: by the kind of process the tests started (vitest, jest,
// node:test, the testloop CLI, git…) and the suite's own worker processes. On a machine whose cores the
// suite keeps busy, its CPU-seconds divided by the cores is the least wall time it can take; this shows
// which processes that time is made of, and what one run of each runner costs against Node's own start.
// Linux only (/proc). Usage: node scripts/suite-cpu.js [--json] [vitest arguments...]
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SAMPLE_MS = 50;
/** A process's command line can still be its parent's (forked, not yet exec'd) in its first samples. */
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

/**
 * Where the CPU went. `processes`: every process seen, { key, ppid, cmdline, cpu (s), start }; `suiteKey`:
 * the suite's vitest process. A process counts for the nearest of itself and its ancestors that has a
 * kind, below the suite's workers; one without is the suite's own (a worker) or "other".
 */
export function attribute(processes, suiteKey) {
  const byPid = new Map();
  for (const p of processes) byPid.set(p.pid, [...(byPid.get(p.pid) ?? []), p]);
  // The parent is the process of that pid that had started by then (pids are reused).
  const parentOf = (p) =>
    (byPid.get(p.ppid) ?? [])
      .filter((q) => q.start <= p.start)
      .reduce((best, q) => (best === undefined || q.start > best.start ? q : best), undefined);
  const rows = new Map();
  const add = (kind, p, isRun) => {
    const row = rows.get(kind) ?? { kind, processes: 0, runs: 0, cpu: 0 };
    row.processes++;
    row.cpu += p.cpu;
    if (isRun) row.runs++;
    rows.set(kind, row);
  };
  for (const p of processes) {
    if (p.key === suiteKey) {
      add('suite (vitest and the test files)', p, false);
      continue;
    }
    let kind;
    let own = false;
    for (let q = p, depth = 0; q !== undefined && depth < 64; q = parentOf(q), depth++) {
      if (q.key === suiteKey) {
        kind = q === parentOf(p) ? 'suite (vitest and the test files)' : 'other';
        break;
      }
      const named = kindOf(q.cmdline);
      if (named !== undefined) {
        kind = named;
        own = q === p;
        break;
      }
    }
    // A process of a kind started by one of the same kind (a runner's own git, say) is not a run of its own.
    const parent = parentOf(p);
    const isRun = own && (parent === undefined || kindOf(parent.cmdline) !== kind);
    add(kind ?? 'other', p, isRun);
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
        if (known === undefined)
          seen.set(key, { key, pid: Number(name), ppid, start, cpu, samples: 1, cmdline: readCmdline(name) });
        else {
          known.cpu = cpu;
          if (known.samples++ < CMDLINE_SAMPLES) known.cmdline = readCmdline(name) || known.cmdline;
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

async function main() {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const vitestArgs = args.filter((arg) => arg !== '--json');
  const root = fileURLToPath(new URL('..', import.meta.url));
  const watch = sampler();
  const started = performance.now();
  // Through a shell whose `times` (on fd 3) gives the CPU of every process the suite waited for, short
  // ones included: the samples miss a process that lives less than a sample (most of git's).
  const script = '"$0" node_modules/vitest/vitest.mjs run "$@"; code=$?; times >&3; exit $code';
  const suite = spawn('bash', ['-c', script, process.execPath, ...vitestArgs], {
    cwd: root,
    stdio: ['ignore', json ? 'ignore' : 'inherit', json ? 'ignore' : 'inherit', 'pipe'],
  });
  let timesOutput = '';
  suite.stdio[3].on('data', (chunk) => {
    timesOutput += chunk;
  });
  const code = await new Promise((resolve) => suite.on('close', (status) => resolve(status ?? 1)));
  const wall = (performance.now() - started) / 1000;
  const seen = watch.stop();
  const shell = seen.find((p) => p.pid === suite.pid);
  const vitest = seen.find((p) => shell !== undefined && p.ppid === suite.pid && p.start >= shell.start);
  const rows = attribute(
    seen.filter((p) => p !== shell),
    vitest?.key,
  );
  const cores = availableParallelism();
  const cpu = childrenCpu(timesOutput);
  const sampled = rows.reduce((sum, row) => sum + row.cpu, 0);
  const nodeStart = nodeStartCpu();
  const summary = {
    exitCode: code,
    wallSeconds: wall,
    cpuSeconds: cpu,
    sampledCpuSeconds: sampled,
    cores,
    nodeStartCpuSeconds: nodeStart,
    rows,
  };
  if (json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    const lines = [
      '',
      `suite: ${wall.toFixed(0)} s wall, ${cpu.toFixed(0)} CPU-s on ${cores} cores (${((100 * cpu) / (wall * cores)).toFixed(0)} % busy): no less than ${(cpu / cores).toFixed(0)} s on these cores`,
      `sampled by process: ${sampled.toFixed(0)} CPU-s (the rest: processes shorter than ${SAMPLE_MS} ms, most of them git)`,
      `one \`node -e 0\`: ${nodeStart.toFixed(3)} CPU-s`,
      '',
      `${'process'.padEnd(36)} ${'runs'.padStart(6)} ${'procs'.padStart(6)} ${'CPU-s'.padStart(8)} ${'share'.padStart(6)} ${'CPU-s/run'.padStart(10)}`,
      ...rows.map(
        (r) =>
          `${r.kind.padEnd(36)} ${String(r.runs || '').padStart(6)} ${String(r.processes).padStart(6)} ${r.cpu.toFixed(1).padStart(8)} ${`${((100 * r.cpu) / sampled).toFixed(0)} %`.padStart(6)} ${(r.runs ? (r.cpu / r.runs).toFixed(2) : '').padStart(10)}`,
      ),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  process.exitCode = code;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
