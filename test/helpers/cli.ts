import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/run.ts';

export const BIN = fileURLToPath(new URL('../../bin/testloop.js', import.meta.url));

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI's environment, as in a clean CI job: PATH and HOME, then the test's own variables. */
function cliEnv(env: Record<string, string> | undefined): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env };
}

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/**
 * A command as runTestloop runs it, in this process (src/cli/run.ts with its own CliIO): for tests of what a
 * command prints and returns, where the child process and the built bundle are not what is tested. The
 * bundle and the process (exit status, stdout's pipe) keep tests of their own through runTestloop.
 */
export async function testloopInProcess(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; input?: string },
): Promise<CliRun> {
  // Bytes until the end: a character split between two writes is decoded whole.
  const stdout: Buffer[] = [];
  const stderr: string[] = [];
  const status = await runCli(args, {
    cwd: options.cwd,
    // This process's TMPDIR, the test file's own (setup/file-tmp.ts), which the command's temp folders use
    // anyway, for the processes it starts too.
    env: {
      ...(process.env.TMPDIR === undefined ? {} : { TMPDIR: process.env.TMPDIR }),
      ...cliEnv(options.env),
    },
    isTTY: false,
    version,
    stdout: (text) => stdout.push(Buffer.from(text, 'utf8')),
    stdoutBytes: (bytes) => stdout.push(Buffer.from(bytes)),
    stderr: (text) => stderr.push(text),
    readStdin: async () => Buffer.from(options.input ?? '', 'utf8'),
  });
  return { status, stdout: Buffer.concat(stdout).toString('utf8'), stderr: stderr.join('') };
}

/** Runs the built CLI as a user would, with a clean CI-like environment. */
export function runTestloop(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; input?: string },
): CliRun {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: cliEnv(options.env),
    encoding: 'utf8',
    ...(options.input === undefined ? {} : { input: options.input }),
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * A Node.js script in a child process without blocking this one: for tests whose local servers (LLM,
 * GitHub) live in the test process. `env` is the child's whole environment.
 */
export function runNodeAsync(
  script: string,
  args: string[],
  options: { cwd: string; env: Record<string, string> },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: options.cwd, env: options.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The CLI as runTestloop runs it, asynchronously (see runNodeAsync). */
export function runTestloopAsync(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<CliRun> {
  return runNodeAsync(BIN, args, {
    cwd: options.cwd,
    env: cliEnv(options.env),
  });
}
