// One long-lived validation process per vitest package (./child.ts): vitest starts once, through the
// project's own `vitest/node`, and each validation run costs a fresh worker process instead of a whole
// `vitest run`. It keeps the sandbox of a runner process: a scrubbed environment with CI=true and an empty
// HOME of its own, its own process group, a time limit per request after which the whole group is killed
// (the next request starts a new process). When it cannot start, `run` answers undefined and the caller
// runs the old way, one process per run.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { strayProcesses } from '../../../sandbox/processes.ts';
import { makeTempDir, type TempPath } from '../../../sandbox/temp.ts';
import { distScript } from '../../../util/dist-script.ts';
import { killProcessGroup, PROCESS_GROUPS } from '../../../util/process-group.ts';
import { envOf } from '../../scripts.ts';
import type { PooledRun, RepeatResult, RunPoolOptions } from '../../types.ts';
import { scriptFlags, vitestInvocation } from '../config-files.ts';
import type { DriverReply, DriverRequest, DriverStart, RunCounts } from './protocol.ts';

/** As `RunPoolOptions`; `script` defaults to the built dist/runners/vitest-driver.js. */
export type DriverOptions = RunPoolOptions;

/** A run as generate's validator reads it (`PooledRun`). */
export type DriverRun = PooledRun;

interface Child {
  process: ChildProcess;
  temp: TempPath;
  /** Output of the request in flight (or of the start). */
  output: string[];
  onReply: (reply: DriverReply) => void;
  onExit: (code: number | null, signal: NodeJS.Signals | null) => void;
  /** Settles once the process has exited (and was reaped). */
  exited: Promise<void>;
}

/** How long vitest gets to close (global teardown) before the group is killed. */
const CLOSE_GRACE_MS = 5_000;

export class VitestDriver {
  private child: Child | undefined;
  /** Why the driver cannot be used: every run then goes the old way. */
  unsupported: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: DriverOptions) {}

  /**
   * Runs `files` (repository-relative) one after another, each in a fresh worker, with coverage of
   * `coverage.include` (globs relative to the package) written as coverage-final.json into `coverage.dir`.
   * Requests run one at a time, in order. Undefined: the driver cannot run it, run it another way.
   */
  run(
    files: readonly string[],
    coverage?: { dir: string; include: string[] },
    repeats = 0,
  ): Promise<DriverRun | undefined> {
    const queued = performance.now();
    const next = this.queue.then(() => this.request(files, coverage, repeats, queued));
    this.queue = next.catch(() => {});
    return next;
  }

  /** Starts the validation process now, ahead of the first run (which then waits for this start). */
  prepare(): void {
    if (this.child !== undefined || this.unsupported !== undefined || this.closed) return;
    const started = this.queue.then(async () => {
      if (this.child === undefined && this.unsupported === undefined && !this.closed) await this.start();
    });
    this.queue = started.catch(() => {});
  }

  /**
   * Lets vitest close (the project's global teardown runs, as at the end of `vitest run`), then kills what is
   * left of the process group, and waits until the process has exited (a killed one is gone once reaped).
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    const child = this.child;
    if (child === undefined) return;
    // Referenced again, so that testloop waits for the exit instead of ending with the promise pending.
    child.process.ref();
    const within = (ms: number) =>
      Promise.race([child.exited, new Promise((resolve) => setTimeout(resolve, ms).unref())]);
    if (alive(child.process)) {
      child.process.disconnect();
      await within(CLOSE_GRACE_MS);
    }
    this.stop(child);
    await within(CLOSE_GRACE_MS);
  }

  private async request(
    files: readonly string[],
    coverage: { dir: string; include: string[] } | undefined,
    repeats: number,
    queued: number,
  ): Promise<DriverRun | undefined> {
    if (this.unsupported !== undefined || this.closed) return undefined;
    // One that died while idle (not this run's doing) is replaced before the run.
    if (this.child && !alive(this.child.process)) this.stop(this.child);
    const child = this.child ?? (await this.start());
    if (child === undefined) return undefined;
    const { project, timeoutMs } = this.options;
    const id = this.nextId++;
    const request: DriverRequest = {
      id,
      files: files.map((file) => join(project.root, file)),
      ...(coverage ? { coverage } : {}),
      ...(repeats > 0 ? { repeats } : {}),
    };
    child.output.length = 0;
    // Each repetition gets the time a run of its own would have.
    const reply = await this.exchange(child, request, timeoutMs * (repeats + 1), id);
    const output = child.output.join('');
    const durationMs = Math.round(performance.now() - queued);
    const base = { durationMs, argv: [], output };
    if (reply === 'timeout') {
      this.stop(child);
      return { ...base, exitCode: 124, timedOut: true };
    }
    if (reply.type === 'exit') {
      this.stop(child);
      const why = `the validation process exited during the run (${reply.how}): did the test kill it?`;
      return { ...base, exitCode: 1, timedOut: false, output: `${output}\n${why}\n` };
    }
    if (reply.type === 'unsupported') return undefined;
    if (reply.type !== 'done') return undefined;
    const exitCode = typeof reply.exitCode === 'number' ? reply.exitCode : 1;
    const error = typeof reply.error === 'string' ? `\n${reply.error}\n` : '';
    const strays = this.options.sandbox && child.process.pid ? await killStrays(child.process.pid) : [];
    return {
      ...base,
      ...(strays.length > 0 ? { strays } : {}),
      output: output + error,
      exitCode,
      timedOut: false,
      ...(isCounts(reply.counts) ? { counts: reply.counts } : {}),
      ...(repeats > 0 ? { repeats: repeatResultOf(reply.repeats) } : {}),
    };
  }

  /** Sends `request` and waits for its reply, the child's exit, or the time limit. */
  private exchange(
    child: Child,
    request: DriverRequest,
    timeoutMs: number,
    id: number,
  ): Promise<DriverReply | { type: 'exit'; how: string } | 'timeout'> {
    return new Promise((resolve) => {
      // The timer keeps testloop alive while a request is in flight; the idle child does not.
      const timer = setTimeout(() => resolve('timeout'), timeoutMs);
      child.onReply = (reply) => {
        if ((reply.type === 'done' || reply.type === 'unsupported') && reply.id === id) {
          clearTimeout(timer);
          resolve(reply);
        }
      };
      child.onExit = (code, signal) => {
        clearTimeout(timer);
        resolve({ type: 'exit', how: signal ?? `exit code ${code}` });
      };
      if (!alive(child.process)) return child.onExit(child.process.exitCode, child.process.signalCode);
      child.process.send(request, (error) => {
        if (error) child.onExit(null, null);
      });
    });
  }

  private async start(): Promise<Child | undefined> {
    const script = this.options.script ?? distScript('runners/vitest-driver.js');
    const vitestNode = resolveVitestNode(this.options.project.dir);
    if (typeof vitestNode !== 'string') {
      this.unsupported = vitestNode.reason;
      return undefined;
    }
    if (script === undefined) {
      this.unsupported = 'dist/runners/vitest-driver.js is missing (node scripts/build.js)';
      return undefined;
    }
    const child = this.spawnChild(script, vitestNode);
    const { timeoutMs } = this.options;
    const ready = await startReply(child, timeoutMs);
    if (typeof ready === 'object' && ready.type === 'ready') {
      this.child = child;
      return child;
    }
    const why = notStarted(ready, timeoutMs);
    this.unsupported = `${why}${child.output.length > 0 ? `\n${child.output.join('').slice(-2_000)}` : ''}`;
    killGroup(child.process);
    child.temp.remove();
    return undefined;
  }

  /** Starts the validation process in its own process group, with a temp folder and (outside a sandbox) a HOME. */
  private spawnChild(script: string, vitestNode: string): Child {
    const { project, env, sandbox } = this.options;
    const temp = makeTempDir('testloop-driver-', sandbox?.tempParent);
    const home = sandbox?.home ?? join(temp.path, 'home');
    if (sandbox === undefined) mkdirSync(home);
    const start = driverStart(this.options, vitestNode, temp);
    const [command, ...args] = (sandbox?.wrap ?? ((argv) => [...argv]))([
      process.execPath,
      script,
      JSON.stringify(start),
    ]);
    const proc = spawn(command!, args, {
      cwd: project.dir,
      env: { ...env, ...envOf(vitestInvocation(project)?.env), HOME: home, USERPROFILE: home },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Its own process group: a timeout kills the workers it forked too.
      detached: PROCESS_GROUPS,
    });
    let exited = (): void => {};
    const child: Child = {
      process: proc,
      temp,
      output: [],
      onReply: () => {},
      onExit: () => {},
      exited: new Promise((resolve) => {
        exited = resolve;
      }),
    };
    this.listen(child, exited);
    keepTrackOf(proc);
    idle(proc);
    return child;
  }

  /** Collects the child's output, passes its replies on, and cleans up after it when it exits. */
  private listen(child: Child, exited: () => void): void {
    const proc = child.process;
    const collect = (chunk: Buffer): void => {
      child.output.push(chunk.toString('utf8'));
    };
    proc.stdout?.on('data', collect);
    proc.stderr?.on('data', collect);
    proc.on('message', (message: DriverReply) => {
      if (message?.type === 'output' && typeof message.text === 'string') child.output.push(message.text);
      else if (message && typeof message === 'object') child.onReply(message);
    });
    proc.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      killGroup(proc);
      child.temp.remove();
      exited();
      child.onExit(code, signal);
    });
    proc.on('error', () => {
      exited();
      child.onExit(null, null);
    });
  }

  private stop(child: Child): void {
    if (this.child === child) this.child = undefined;
    killGroup(child.process);
    child.temp.remove();
  }
}

/** What the validation process starts vitest with: the package's root, config and folder, and where to write. */
function driverStart(options: DriverOptions, vitestNode: string, temp: TempPath): DriverStart {
  const { project } = options;
  const flags = scriptFlags(project);
  return {
    vitestNode,
    root: resolve(project.dir, flags.root ?? '.'),
    reportsDir: join(temp.path, 'coverage'),
    repeatRunner: join(temp.path, 'repeating-runner.mjs'),
    ...(flags.config === undefined ? {} : { config: resolve(project.dir, flags.config) }),
    ...(flags.dir === undefined ? {} : { dir: flags.dir }),
  };
}

type StartReply = DriverReply | { type: 'exit'; how: string } | 'timeout';

/** The child's first message (ready, or why not), its exit, or the time limit. */
function startReply(child: Child, timeoutMs: number): Promise<StartReply> {
  return new Promise<StartReply>((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), timeoutMs);
    child.onReply = (reply) => {
      clearTimeout(timer);
      resolve(reply);
    };
    child.onExit = (code, signal) => {
      clearTimeout(timer);
      resolve({ type: 'exit', how: signal ?? `exit code ${code}` });
    };
  });
}

/** Why the validation process did not become ready. */
function notStarted(ready: StartReply, timeoutMs: number): string {
  if (ready === 'timeout') return `it did not start within ${timeoutMs} ms`;
  if (ready.type === 'unsupported') return ready.reason;
  return `it exited (${ready.type === 'exit' ? ready.how : ready.type})`;
}

/** How long a run's worker processes get to exit after the reply before what is left counts as a stray. */
const STRAY_GRACE_MS = 1_000;

/** Kills what a run left in the validation process's namespace (see src/sandbox/processes.ts), and names it. */
async function killStrays(unsharePid: number): Promise<string[]> {
  let strays = strayProcesses(unsharePid);
  for (const until = performance.now() + STRAY_GRACE_MS; strays.length > 0 && performance.now() < until; ) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    strays = strayProcesses(unsharePid);
  }
  for (const stray of strays) {
    try {
      process.kill(stray.pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  return strays.map((stray) => `pid ${stray.pid} (${stray.command})`);
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null && child.connected;
}

/** Driver processes not yet killed: all go when testloop exits, however it exits. */
const live = new Set<ChildProcess>();
let exitHook = false;

/** Registers a driver process, and on the first one the hook that kills them all when testloop exits. */
function keepTrackOf(child: ChildProcess): void {
  live.add(child);
  if (live.size === 1 && !exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const each of live) killGroup(each);
    });
  }
}

function killGroup(child: ChildProcess): void {
  live.delete(child);
  killProcessGroup(child);
}

/** A waiting child does not keep testloop running: a pending request's timer does that. */
function idle(child: ChildProcess): void {
  child.unref();
  child.channel?.unref();
  for (const stream of [child.stdout, child.stderr]) (stream as { unref?: () => void } | null)?.unref?.();
}

/** The child's answer, checked: anything malformed counts as repeats not applied. */
function repeatResultOf(value: unknown): RepeatResult {
  const result = value as RepeatResult | undefined;
  if (typeof result !== 'object' || result === null) return { applied: false };
  const applied = result.applied === true;
  const first = result.firstFailed;
  return typeof first === 'number' && Number.isInteger(first) && first >= 0
    ? { applied, firstFailed: first }
    : { applied };
}

function isCounts(value: unknown): value is RunCounts {
  const counts = value as RunCounts | undefined;
  return (
    typeof counts === 'object' &&
    counts !== null &&
    [counts.passed, counts.failed, counts.skipped].every((n) => Number.isInteger(n) && n >= 0)
  );
}

/** The project's own `vitest/node`, when it is vitest 4 or newer (the API the driver relies on). */
function resolveVitestNode(dir: string): string | { reason: string } {
  const require = createRequire(join(dir, 'package.json'));
  try {
    const manifest = require.resolve('vitest/package.json');
    const version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version ?? '';
    if (Number(version.split('.')[0]) < 4) return { reason: `vitest ${version} is older than 4` };
    return require.resolve('vitest/node');
  } catch (error) {
    return { reason: `cannot resolve vitest/node from ${dir} (${(error as Error).message.split('\n')[0]})` };
  }
}
