// The few lines a config child and its parent agree on: the child may share its output with a config and
// a runner that print what they like, so the answer and the failure each sit on a line of their own.
import type { Alias } from '../../graph/types.ts';

/** What a runner's own loader made of a package's config. Paths are absolute. */
export interface LoadedRunnerConfig {
  projects: { tests: string[]; setupFiles: string[]; aliases: Alias[] }[];
  /** The files the config imported (itself included); installed packages are left out. */
  dependencies: string[];
  /** Folders the config names as projects of their own, when it names any (jest `projects`). */
  projectDirs?: string[];
}

export const ANSWER = 'testloop-config-answer:';
export const FAILED = 'testloop-config-failed:';

/** The one line a failure is told in: a heading (`● Validation Error:`) is joined to the line it heads. */
export function failureLine(message: string): string {
  const lines = message
    // biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes the runners' errors carry
    .replaceAll(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const [first = 'no message', second] = lines;
  return (first.endsWith(':') && second !== undefined ? `${first} ${second}` : first).slice(0, 300);
}
