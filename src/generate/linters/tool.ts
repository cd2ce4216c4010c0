import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { withoutTestloopSecrets } from '../../sandbox/env.ts';

/**
 * Longest a linter or type-check may take on one file. Type-aware ESLint builds the project's whole
 * TypeScript program for one file: over a minute on a large repository when the machine is busy, and a
 * run cut short reads as the candidate's lint failure.
 */
const TOOL_TIMEOUT_MS = 180_000;

/**
 * A tool that did not finish judged nothing: the candidate is discarded saying so (the validator's
 * failure, never a repair round whose prompt would blame the candidate for the machine's load).
 */
export function unfinished(tool: string): Error {
  return new Error(
    `${tool} did not finish within ${TOOL_TIMEOUT_MS / 1000} s, so the candidate could not be checked`,
  );
}

/** The first of `names` in the package folder or a folder above it, up to the repository root. */
export function findConfig(root: string, projectDir: string, names: readonly string[]): string | undefined {
  for (let dir = projectDir; ; dir = dirname(dir)) {
    for (const name of names) if (existsSync(join(dir, name))) return join(dir, name);
    if (relative(root, dir) === '' || relative(root, dir).startsWith('..') || dirname(dir) === dir)
      return undefined;
  }
}

/**
 * A node script of the project's tooling, with a time limit; its output whole. The tools load the
 * repository's own configuration code, so they get the environment without testloop's secrets.
 */
export function runTool(
  bin: string,
  args: string[],
  cwd: string,
  input?: string,
  env: NodeJS.ProcessEnv = {},
  timeoutMs = TOOL_TIMEOUT_MS,
): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd,
      env: { ...withoutTestloopSecrets(process.env), ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', (error) =>
      resolve({ code: null, stdout, stderr: stderr + String(error), timedOut: false }),
    );
    // Killed at the time limit: spawn's `timeout` sends SIGTERM, so the exit code is null.
    child.on('close', (code, signal) => resolve({ code, stdout, stderr, timedOut: signal === 'SIGTERM' }));
    child.stdin.end(input ?? '');
  });
}
