// A runner that cannot start (npx failing to fetch it, its binary missing, a config that throws when
// loaded) fails every candidate the same way: that is the runner's failure, never the candidate's, and a
// repair prompt about it only spends the model's tokens.

import { posix } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { TestloopError } from '../errors.ts';
import type { RunResult } from '../runners/run.ts';
import type { RunnerAdapter, TestCounts } from '../runners/types.ts';
import { MARK } from '../sandbox/index.ts';
import { type Names, trimOutput } from './runner-output.ts';

/**
 * What a failed run says about the runner: it ran the file ('ran': whatever failed is the file's), it
 * failed in a way only a runner that never started fails ('start'), or it named no test file and printed
 * no summary without a known shape ('unclear': a run of a file known to work tells).
 */
export type StartVerdict = 'ran' | 'start' | 'unclear';

/** Start failures by their look: npm/npx (a registry error, a package it cannot find), a shell without the program. */
const START_SHAPES = [/^npm (?:ERR!|error) /m, /: (?:command )?not found$/m];
/** The shell's "command not found" and "found but not executable". */
const START_EXIT_CODES = new Set([126, 127]);

export function startVerdict(result: RunResult, file: string, counts: TestCounts | undefined): StartVerdict {
  if (result.exitCode === 0 || result.timedOut || counts !== undefined) return 'ran';
  const text = result.output ?? '';
  // A test file's name is unique to it (a scratch file's carries a random part): the runner got that far.
  if (text.includes(posix.basename(file))) return 'ran';
  if (START_EXIT_CODES.has(result.exitCode) || START_SHAPES.some((shape) => shape.test(text))) return 'start';
  return 'unclear';
}

/** The error a target is discarded with: the runner, the command and the first line it printed. */
function runnerStartError(adapter: RunnerAdapter, result: RunResult, names: Names): TestloopError {
  const clean = (text: string): string => {
    const line = trimOutput(text, names).split('\n')[0] ?? '';
    // Cut in the middle: a command's head names the runner and its tail the test file it was given.
    return line.length > 240 ? `${line.slice(0, 140)}…${line.slice(-99)}` : line;
  };
  const lines = stripVTControlCharacters(result.output ?? '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith(MARK));
  // A heading (`● Validation Error:`) says little without the line it introduces.
  const first = lines[0]?.endsWith(':') && lines[1] ? `${lines[0]} ${lines[1]}` : lines[0];
  const said = first === undefined ? 'no output' : clean(first) || first;
  return new TestloopError(
    'TESTLOOP_RUNNER_START',
    `${adapter.name} cannot start: \`${clean(result.argv.join(' '))}\` exited with code ${result.exitCode} before running any test file: ${said}. Run that command in the package, fix what it reports, and retry`,
  );
}

/** A spawn failure (runTests rejects when the program cannot be executed at all). */
export function isSpawnFailure(error: unknown): error is TestloopError {
  const cause = (error as { cause?: { code?: unknown; syscall?: unknown } } | undefined)?.cause;
  return (
    error instanceof TestloopError &&
    error.code === 'TESTLOOP_RUNNER_FAILED' &&
    typeof cause?.code === 'string' &&
    typeof cause.syscall === 'string' &&
    cause.syscall.startsWith('spawn')
  );
}

/**
 * Whether the runner can start, asked of one package's runs: a failure that is plainly the runner's
 * throws TESTLOOP_RUNNER_START; an unclear one is settled once by `probe` (a run of an existing test file:
 * true when the runner ran it), remembered for every later run.
 */
export class RunnerStartCheck {
  private probed: Promise<boolean> | undefined;
  private failure: TestloopError | undefined;

  constructor(
    private readonly adapter: RunnerAdapter,
    private readonly probe: (near: string) => Promise<boolean>,
  ) {}

  /** Throws the first start failure seen again: nothing runs in a package whose runner cannot start. */
  ensureNotFailed(): void {
    if (this.failure) throw this.failure;
  }

  async check(result: RunResult, file: string, counts: TestCounts | undefined, names: Names): Promise<void> {
    this.ensureNotFailed();
    const verdict = startVerdict(result, file, counts);
    if (verdict === 'ran') return;
    if (verdict === 'unclear') {
      this.probed ??= this.probe(names.testFile);
      if (await this.probed) return;
    }
    this.failure ??= runnerStartError(this.adapter, result, names);
    throw this.failure;
  }

  spawnFailed(error: TestloopError): never {
    this.failure ??= new TestloopError(
      'TESTLOOP_RUNNER_START',
      `${this.adapter.name} cannot start: ${error.message}`,
      { cause: error },
    );
    throw this.failure;
  }
}
