// What bench/corpus/truth.js and bench/corpus.js share: reading a corpus entry, applying a mutation so that
// the file is restored whatever happens (error, SIGINT, SIGTERM, exit), running a shell command in its own
// process group with a time limit, and reading a runner's JSON report.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_CORPUS_DIR = fileURLToPath(new URL('.', import.meta.url)).replace(/\/$/, '');
export const TESTLOOP_ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

export const corpusRoot = () => resolve(process.env.TESTLOOP_CORPUS_DIR ?? '/work/corpus');

export function entryPath(name) {
  return join(BENCH_CORPUS_DIR, `${name}.json`);
}

export function readEntry(name) {
  const path = entryPath(name);
  if (!existsSync(path)) throw new Error(`no corpus entry ${path}`);
  return JSON.parse(readFileSync(path, 'utf8'));
}

const KEY_ORDER = [
  'name',
  'repository',
  'commit',
  'covers',
  'install',
  'runner',
  'cwd',
  'suite',
  'related',
  'testFiles',
  'baselineFailing',
  'mutations',
];

/** Writes the entry back with its keys in the documented order (keys this script does not know go last). */
export function writeEntry(entry) {
  const ordered = {};
  for (const key of KEY_ORDER) if (key in entry) ordered[key] = entry[key];
  Object.assign(ordered, entry);
  writeFileSync(entryPath(entry.name), `${JSON.stringify(ordered, null, 2)}\n`);
}

const git = (cwd, args) => spawnSync('git', args, { cwd, encoding: 'utf8' });

/**
 * The checkout of an entry, or why it cannot be used: missing, at another commit, or with tracked changes
 * (a mutation left behind would poison every measurement after it).
 */
export function checkoutOf(entry) {
  const dir = join(corpusRoot(), entry.name);
  if (!existsSync(dir)) return { problem: `no checkout at ${dir}` };
  const root = realpathSync(dir);
  const head = git(root, ['rev-parse', 'HEAD']).stdout.trim();
  if (head !== entry.commit) return { problem: `${dir} is at ${head || 'no commit'}, not ${entry.commit}` };
  const dirty = git(root, ['status', '--porcelain', '--untracked-files=no']).stdout.trim();
  if (dirty) return { problem: `${dir} has tracked changes:\n${dirty}` };
  return { root, cwd: join(root, entry.cwd ?? '.') };
}

// ---------------------------------------------------------------------------------------------------------
// Mutations. Every applied mutation is in `pending` until restored; the handlers below restore whatever is
// pending before the process goes, so an interrupted run never leaves a mutated checkout.

const pending = new Map(); // absolute path → original bytes
const children = new Set(); // process group ids of running commands

function restoreAll() {
  for (const [path, original] of pending) {
    try {
      writeFileSync(path, original);
      pending.delete(path);
    } catch (error) {
      process.stderr.write(`!!! could not restore ${path}: ${error.message}\n`);
    }
  }
}

function killChildren() {
  for (const pid of children) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

let guarded = false;
function guard() {
  if (guarded) return;
  guarded = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      killChildren();
      restoreAll();
      process.stderr.write(`\n${signal}: mutated files restored\n`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
  process.on('exit', () => {
    killChildren();
    restoreAll();
  });
}

/**
 * Applies one mutation to the checkout: `from` must occur exactly once on `line` (1-based). Returns the
 * function that restores the file; call it in a `finally`. The file is also restored on exit and signals.
 */
export function applyMutation(root, mutation) {
  guard();
  const path = join(root, mutation.file);
  const original = readFileSync(path);
  const lines = original.toString('utf8').split('\n');
  const text = lines[mutation.line - 1];
  const where = `${mutation.id}: ${mutation.file}:${mutation.line}`;
  if (text === undefined) throw new Error(`${where}: the file has only ${lines.length} lines`);
  const at = text.indexOf(mutation.from);
  if (at < 0 || mutation.from === '')
    throw new Error(
      `${where}: ${JSON.stringify(mutation.from)} is not on that line: ${JSON.stringify(text)}`,
    );
  if (text.indexOf(mutation.from, at + 1) >= 0)
    throw new Error(`${where}: ${JSON.stringify(mutation.from)} occurs twice on that line`);
  if (mutation.from === mutation.to) throw new Error(`${where}: from and to are the same`);
  lines[mutation.line - 1] = text.slice(0, at) + mutation.to + text.slice(at + mutation.from.length);
  pending.set(path, original);
  writeFileSync(path, lines.join('\n'));
  return () => {
    writeFileSync(path, original);
    pending.delete(path);
    const still = git(root, ['diff', '--quiet', '--', mutation.file]);
    if (still.status !== 0) throw new Error(`${mutation.file} differs from the commit after restoring it`);
  };
}

// ---------------------------------------------------------------------------------------------------------
// Commands

/**
 * Runs a shell command in `cwd`, in its own process group (killed whole on timeout or when this process is
 * interrupted). Resolves with the exit status, output and wall time; never rejects on a non-zero status.
 */
export function runCommand(command, cwd, { timeoutMs = 15 * 60_000, env = {} } = {}) {
  guard();
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn('sh', ['-c', command], {
      cwd,
      detached: true,
      env: { ...process.env, CI: '1', FORCE_COLOR: '0', NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      children.delete(child.pid);
      fail(error);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      // Whatever the command left running in its group (watchers, workers) goes with it.
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      children.delete(child.pid);
      done({ status, stdout, stderr, timedOut, ms: Math.round(performance.now() - started) });
    });
  });
}

/** `{out}`, `{file}` and `{bench}` (this folder, for helper scripts) in a command of an entry. */
export function fillCommand(template, values) {
  return template.replace(/\{(out|file|bench)\}/g, (_, key) => values[key] ?? BENCH_CORPUS_DIR);
}

export const toRepoPath = (root, cwd, file) => {
  const absolute = isAbsolute(file) ? file : resolve(cwd, file);
  let real = absolute;
  try {
    real = realpathSync(absolute);
  } catch {
    // a path that does not exist stays as it is
  }
  return relative(root, real).split('\\').join('/');
};

/**
 * Test files of a vitest (`--reporter=json`) or jest (`--json`) report, and the failing ones: a file fails
 * when its status is not passed/skipped/pending or it carries an error message (it failed to load or collect),
 * or one of its tests failed.
 */
export function readReport(path, root, cwd) {
  const report = JSON.parse(readFileSync(path, 'utf8'));
  if (!Array.isArray(report.testResults)) throw new Error(`${path} is not a vitest or jest JSON report`);
  const files = new Set();
  const failing = new Set();
  for (const result of report.testResults) {
    const file = toRepoPath(root, cwd, result.name ?? result.testFilePath);
    files.add(file);
    const failed =
      !['passed', 'skipped', 'pending', 'todo'].includes(result.status) ||
      Boolean(result.testExecError) ||
      // vitest before 1.0 reports a file that failed to load as passed, with the error as its message.
      Boolean(result.message) ||
      (result.assertionResults ?? []).some((a) => a.status === 'failed');
    if (failed) failing.add(file);
  }
  return { files: [...files].sort(), failing: [...failing].sort() };
}

/** Paths a related command printed, one per line (absolute or relative to `cwd`), that are files. */
export function readListedFiles(stdout, root, cwd) {
  const files = new Set();
  for (const raw of stdout.split('\n')) {
    // Strip colours and a `[project]` prefix some runners print.
    const line = raw
      // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes start with ESC
      .replace(/\u001b\[[0-9;]*m/g, '')
      .replace(/^\s*\[[^\]]*\]\s*/, '')
      .trim();
    if (!line) continue;
    const absolute = isAbsolute(line) ? line : resolve(cwd, line);
    try {
      if (statSync(absolute).isFile()) files.add(toRepoPath(root, cwd, absolute));
    } catch {
      // not a path
    }
  }
  return [...files].sort();
}

export const median = (values) => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
