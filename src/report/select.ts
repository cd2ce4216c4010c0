import { posix } from 'node:path';
import { runnerByName } from '../runners/registry.ts';
import type { RunnerAdapter, RunnerName } from '../runners/types.ts';
import { runsEverything } from '../select/shard.ts';
import type { SelectResult } from '../select/types.ts';

export type SelectFormat = 'list' | 'json' | 'vitest' | 'jest' | 'node';

/** The hand command of the runner a format names (each format besides list and json is a runner's). */
function handCommand(format: SelectFormat): RunnerAdapter['handCommand'] {
  const adapter = runnerByName(format as RunnerName);
  if (adapter === undefined) throw new Error(`no runner for --format ${format}`);
  return adapter.handCommand;
}

/**
 * Renders a selection. A command line runs each package's tests from that package's folder (its runner
 * config lives there), with POSIX-quoted paths; an empty selection prints `true`, which runs nothing.
 */
export function renderSelection(result: SelectResult, format: SelectFormat): string {
  const files = result.tests.map((t) => t.file);
  if (format === 'json') return `${JSON.stringify(result, null, 2)}\n`;
  if (format === 'list') return files.length > 0 ? `${files.join('\n')}\n` : '';
  if (runsEverything(result)) return `${handCommand(format).all.join(' ')}\n`;
  if (files.length === 0) return 'true\n';
  const byProject = new Map<string, string[]>();
  for (const test of result.tests) {
    const project = test.project ?? '';
    const local = project === '' ? test.file : posix.relative(project, test.file);
    byProject.set(project, [...(byProject.get(project) ?? []), local]);
  }
  const commands = [...byProject].map(([project, tests]) => {
    const command = [...handCommand(format).some, ...tests].map(shellQuote).join(' ');
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
