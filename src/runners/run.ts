import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { TestloopError } from '../errors.ts';
import type { ProjectInfo, RunnerAdapter, RunOptions } from './types.ts';

export interface RunTestsOptions extends RunOptions {
  /** Kill the runner's whole process group after this long; the result then has `timedOut`. */
  timeoutMs?: number;
  /** Added to the environment, over the adapter's own variables. */
  env?: Record<string, string>;
  /** The environment to start from instead of `process.env` (generated tests run with a scrubbed one). */
  baseEnv?: Record<string, string | undefined>;
  /**
   * - 'stream' (default): the runner's stdout and stderr both go to our stderr, live, so stdout stays
   *   free for testloop's own output (json stays parseable).
   * - 'inherit': the runner writes to our stdout and stderr.
   * - 'capture': nothing is shown; both streams are returned, interleaved, in `output`.
   * - 'tee': shown on stderr and returned in `output`.
   */
  output?: 'stream' | 'inherit' | 'capture' | 'tee';
  /** Runs the command line through another program (a sandbox: see src/sandbox/); `argv` stays the runner's. */
  wrap?: (argv: readonly string[]) => string[];
}

export interface RunResult {
  /** The runner's exit code; 128 + n when killed by signal n; 124 on timeout. */
  exitCode: number;
  durationMs: number;
  output?: string;
  timedOut: boolean;
  /** The command that ran (empty when there was nothing to run). */
  argv: string[];
}

/** How long a runner gets to exit after SIGTERM before SIGKILL. */
const KILL_GRACE_MS = 5_000;

/**
 * Runs exactly `tests` (repository-relative) with the package's runner, from the package folder, without
 * a shell. An empty list runs nothing and succeeds: every runner would read it as "run everything".
 */
export function runTests(
  project: ProjectInfo,
  adapter: RunnerAdapter,
  tests: readonly string[] | 'all',
  options: RunTestsOptions = {},
): Promise<RunResult> {
  const mode = options.output ?? 'stream';
  const capturing = mode === 'capture' || mode === 'tee';
  if (tests !== 'all' && tests.length === 0) {
    return Promise.resolve({
      exitCode: 0,
      durationMs: 0,
      timedOut: false,
      argv: [],
      ...(capturing ? { output: '' } : {}),
    });
  }
  const { argv, env } = adapter.commandLine(project, tests, options);
  const [command, ...args] = options.wrap ? options.wrap(argv) : argv;
  if (command === undefined) throw new Error(`${adapter.name}: empty command line`);
  const started = performance.now();
  const group = process.platform !== 'win32';
  const child = spawn(command, args, {
    cwd: project.dir,
    env: { ...(options.baseEnv ?? process.env), ...env, ...options.env },
    stdio: ['ignore', ...outputStdio(mode)],
    // Its own process group, so a timeout kills the workers the runner forked too.
    detached: group,
  });
  const chunks: Buffer[] = [];
  const collect = (chunk: Buffer): void => {
    chunks.push(chunk);
    if (mode === 'tee') process.stderr.write(chunk);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const supervisor = supervise(child, group, options.timeoutMs);

  return new Promise((resolve, reject) => {
    child.on('error', (error: NodeJS.ErrnoException) => {
      supervisor.release();
      reject(
        new TestloopError(
          'TESTLOOP_RUNNER_FAILED',
          `${adapter.name}: cannot start ${command} (${error.code ?? error.message}). Install the package's dependencies (npm ci) and retry`,
          { cause: error },
        ),
      );
    });
    child.on('close', async (code, signal) => {
      supervisor.release();
      const timedOut = supervisor.timedOut();
      const exitCode = timedOut ? 124 : (code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
      if (options.junit !== undefined && adapter.collectJUnit !== undefined) {
        try {
          await adapter.collectJUnit(project, options.junit);
        } catch (error) {
          reject(
            new TestloopError(
              'TESTLOOP_RUNNER_FAILED',
              `${adapter.name}: cannot read its results for ${options.junit} (${(error as Error).message}). Rerun with the runner's own output to see what it wrote`,
              { cause: error },
            ),
          );
          return;
        }
      }
      resolve({
        exitCode,
        durationMs: Math.round(performance.now() - started),
        timedOut,
        argv,
        ...(capturing ? { output: Buffer.concat(chunks).toString('utf8') } : {}),
      });
    });
  });
}

/** Where the runner's stdout and stderr go for each output mode (2: our stderr). */
function outputStdio(mode: NonNullable<RunTestsOptions['output']>) {
  if (mode === 'inherit') return ['inherit', 'inherit'] as const;
  if (mode === 'capture' || mode === 'tee') return ['pipe', 'pipe'] as const;
  return [2, 2] as const;
}

/**
 * Keeps a runner in bounds: its whole process group is killed on timeout (SIGTERM, then SIGKILL after a
 * grace period), when it exits (workers it left behind would hold the pipes open) and when this process
 * exits; Ctrl-C is passed on. `release` stops watching once the run is over.
 */
function supervise(
  child: ChildProcess,
  group: boolean,
  timeoutMs: number | undefined,
): { timedOut(): boolean; release(): void } {
  const kill = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined || child.exitCode !== null) return;
    try {
      if (group) process.kill(-child.pid, signal);
      else spawnSync('taskkill', ['/pid', String(child.pid), '/T', '/F']);
    } catch {
      // Already gone.
    }
  };
  let timedOut = false;
  let graceTimer: NodeJS.Timeout | undefined;
  const terminate = (): void => {
    kill('SIGTERM');
    graceTimer ??= setTimeout(() => kill('SIGKILL'), KILL_GRACE_MS);
    graceTimer.unref();
  };
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          terminate();
        }, timeoutMs);
  // A detached group does not get the terminal's Ctrl-C: pass it on, and SIGKILL on a second one.
  let interrupts = 0;
  const forward = (signal: NodeJS.Signals): void => {
    interrupts++;
    kill(interrupts > 1 ? 'SIGKILL' : signal);
  };
  const onExit = (): void => kill('SIGKILL');
  if (group) {
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    process.on('exit', onExit);
  }
  // Workers the runner left behind would hold the pipes open: the run is over when the runner exits.
  child.on('exit', () => {
    if (group && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Nothing left.
      }
    }
  });
  return {
    timedOut: () => timedOut,
    release() {
      clearTimeout(timer);
      clearTimeout(graceTimer);
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      process.off('exit', onExit);
    },
  };
}
