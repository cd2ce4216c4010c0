import type { SelectResult } from '../select/types.ts';

export type SelectFormat = 'list' | 'json' | 'vitest' | 'jest' | 'node';

const COMMAND: Record<'vitest' | 'jest' | 'node', { all: string[]; some: string[] }> = {
  vitest: { all: ['npx', 'vitest', 'run'], some: ['npx', 'vitest', 'run'] },
  jest: { all: ['npx', 'jest', '--ci'], some: ['npx', 'jest', '--ci', '--runTestsByPath'] },
  node: { all: ['node', '--test'], some: ['node', '--test'] },
};

/**
 * Renders a selection. Command lines run from the repository root with POSIX-quoted paths; an empty
 * selection prints `true`, a command that runs nothing and succeeds.
 */
export function renderSelection(result: SelectResult, format: SelectFormat): string {
  const files = result.tests.map((t) => t.file);
  if (format === 'json') return `${JSON.stringify(result, null, 2)}\n`;
  if (format === 'list') return files.length > 0 ? `${files.join('\n')}\n` : '';
  if (result.all) return `${COMMAND[format].all.join(' ')}\n`;
  if (files.length === 0) return 'true\n';
  return `${[...COMMAND[format].some, ...files].map(shellQuote).join(' ')}\n`;
}

export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
