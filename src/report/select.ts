import { posix } from 'node:path';
import { runsEverything } from '../select/shard.ts';
import type { SelectResult } from '../select/types.ts';

export type SelectFormat = 'list' | 'json' | 'vitest' | 'jest' | 'node';
type RunnerFormat = Exclude<SelectFormat, 'list' | 'json'>;

const COMMAND: Record<RunnerFormat, { all: string[]; some: string[] }> = {
  vitest: { all: ['npx', 'vitest', 'run'], some: ['npx', 'vitest', 'run'] },
  jest: { all: ['npx', 'jest', '--ci'], some: ['npx', 'jest', '--ci', '--runTestsByPath'] },
  node: { all: ['node', '--test'], some: ['node', '--test'] },
};

/**
 * Renders a selection. A command line runs each package's tests from that package's folder (its runner
 * config lives there), with POSIX-quoted paths; an empty selection prints `true`, which runs nothing.
 */
export function renderSelection(result: SelectResult, format: SelectFormat): string {
  const files = result.tests.map((t) => t.file);
  if (format === 'json') return `${JSON.stringify(result, null, 2)}\n`;
  if (format === 'list') return files.length > 0 ? `${files.join('\n')}\n` : '';
  if (runsEverything(result)) return `${COMMAND[format].all.join(' ')}\n`;
  if (files.length === 0) return 'true\n';
  const byProject = new Map<string, string[]>();
  for (const test of result.tests) {
    const project = test.project ?? '';
    const local = project === '' ? test.file : posix.relative(project, test.file);
    byProject.set(project, [...(byProject.get(project) ?? []), local]);
  }
  const commands = [...byProject].map(([project, tests]) => {
    const command = [...COMMAND[format].some, ...tests].map(shellQuote).join(' ');
    return project === '' ? command : `(cd ${shellQuote(project)} && ${command})`;
  });
  return `${commands.join(' && ')}\n`;
}

/** Selected tests that another runner runs: the caller warns, since `format` was the user's choice. */
export function otherRunners(result: SelectResult, format: SelectFormat): string[] {
  if (format === 'list' || format === 'json' || runsEverything(result)) return [];
  return result.tests.filter((t) => t.runner !== undefined && t.runner !== format).map((t) => t.file);
}

export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
