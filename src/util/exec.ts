import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ExecResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs a program without a shell and collects its output as bytes (diffs need not be valid UTF-8). */
export function exec(
  command: string,
  args: readonly string[],
  options: {
    cwd: string;
    input?: string;
    env?: NodeJS.ProcessEnv;
    /**
     * Output of a megabyte or more goes through a temporary file: a pipe holds 64 KiB, so the program
     * would wait whenever this process is busy elsewhere instead of running alongside it.
     */
    largeOutput?: boolean;
  },
): Promise<ExecResult> {
  const file = options.largeOutput
    ? join(tmpdir(), `testloop-${process.pid}-${randomBytes(6).toString('hex')}`)
    : '';
  const fd = file === '' ? undefined : openOutput(file);
  return new Promise<ExecResult>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', fd ?? 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        const stdout = fd === undefined ? Buffer.concat(out) : readFileSync(file);
        resolve({ code: code ?? 1, stdout, stderr: Buffer.concat(err).toString('utf8') });
      } catch (error) {
        reject(error);
      }
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  }).finally(() => {
    if (fd === undefined) return;
    closeSync(fd);
    rmSync(file, { force: true });
  });
}

/** A fresh file for a child's output, or undefined (then a pipe) where the temporary folder is not writable. */
function openOutput(file: string): number | undefined {
  try {
    // Only this user may read it: the listing names every file of the repository, untracked ones too.
    return openSync(file, 'wx', 0o600);
  } catch {
    return undefined;
  }
}
