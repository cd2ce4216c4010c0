import { TestloopError } from '../errors.ts';
import { type ExecResult, exec } from '../util/exec.ts';

/** Git with settings that make its output stable whatever the user's config says. */
const STABLE = [
  '-c',
  'core.quotePath=false',
  '-c',
  'diff.noprefix=false',
  '-c',
  'diff.mnemonicPrefix=false',
  // Diff paths from the repository's top, whichever folder git runs in.
  '-c',
  'diff.relative=false',
];

export async function git(
  cwd: string,
  args: readonly string[],
  options: { largeOutput?: boolean } = {},
): Promise<ExecResult> {
  const key = prefetchKey(cwd, args, options);
  const early = prefetched.get(key);
  if (early) {
    prefetched.delete(key);
    return early;
  }
  return run(cwd, args, options);
}

const prefetched = new Map<string, Promise<ExecResult>>();

function prefetchKey(cwd: string, args: readonly string[], options: { largeOutput?: boolean }): string {
  return JSON.stringify([cwd, args, options.largeOutput === true]);
}

/**
 * Starts a git call before it is asked for: the CLI calls this before loading a command's code, while
 * this process is small. Forking a process that holds a large coverage report or graph in memory takes
 * several times longer, and git works meanwhile. The next git() with the same folder, arguments and
 * options takes the result; one never asked for is left to finish.
 */
export function prefetchGit(
  cwd: string,
  args: readonly string[],
  options: { largeOutput?: boolean } = {},
): void {
  const early = run(cwd, args, options);
  // Awaited by whoever takes it; until then a failure must not count as unhandled.
  early.catch(() => undefined);
  prefetched.set(prefetchKey(cwd, args, options), early);
}

/**
 * Drops the calls started and never asked for: in a process that runs several commands, a later one must
 * see the repository as it is then.
 */
export function discardPrefetchedGit(): void {
  prefetched.clear();
}

async function run(
  cwd: string,
  args: readonly string[],
  options: { largeOutput?: boolean },
): Promise<ExecResult> {
  try {
    return await exec('git', [...STABLE, ...args], {
      cwd,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', GIT_OPTIONAL_LOCKS: '0' },
      ...options,
    });
  } catch (error) {
    throw new TestloopError(
      'TESTLOOP_GIT_FAILED',
      `cannot run git in ${cwd} (${(error as Error).message}). Install git and put it on PATH`,
      {
        cause: error,
      },
    );
  }
}

/** Runs git and returns trimmed stdout, or throws a one-line error with git's own first line. */
export async function gitText(cwd: string, args: readonly string[]): Promise<string> {
  const result = await git(cwd, args);
  if (result.code !== 0) {
    throw new TestloopError(
      'TESTLOOP_GIT_FAILED',
      `git ${args.join(' ')} failed in ${cwd}: ${firstLine(result.stderr)}`,
    );
  }
  return result.stdout.toString('utf8').trim();
}

export function firstLine(text: string): string {
  return (
    text
      .trim()
      .split('\n')[0]
      ?.replace(/^(fatal|error): /, '') ?? ''
  );
}
