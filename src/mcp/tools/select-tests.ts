import { omitOptions } from '../../config/option-table.ts';
import { schemaOf } from '../../config/schema-of.ts';
import { SELECT_OPTIONS } from '../../config/select-options.ts';
import type { SelectResult } from '../../select/types.ts';
import { argvOf, callCli } from '../cli-call.ts';
import type { ToolDefinition } from '../tool.ts';

/** Shown with each file in the summary; the structured answer has them all. */
const LISTED = 10;

export const selectTestsTool: ToolDefinition = {
  name: 'select_tests',
  title: 'Select the tests a change affects',
  description:
    'The test files a change can affect, most relevant first, each with its score and reasons (test impact analysis): the same JSON as `testloop select --format json`. The change is `changed` files, a `base` ref, or a `diffFile`; by default the pull-request base. Also lists changed source files no test reaches (`untested`). Run them with run_tests.',
  inputSchema: () => schemaOf(omitOptions(SELECT_OPTIONS, ['format', 'run'])),
  async call(args, context) {
    const argv = ['select', '--format=json', ...argvOf(SELECT_OPTIONS, args)];
    const result = JSON.parse((await callCli(argv, context)).stdout) as SelectResult;
    return { summary: selectionSummary(result), structured: result as unknown as Record<string, unknown> };
  },
};

export function selectionSummary(result: SelectResult): string {
  const lines = [
    result.all
      ? `All ${result.tests.length} test files selected: ${result.reason}`
      : `${result.tests.length} of ${result.stats.totalTests} test files selected for ${result.stats.changedFiles} changed file(s).`,
  ];
  for (const test of result.tests.slice(0, LISTED))
    lines.push(`- ${test.file} (score ${Number(test.score.toFixed(3))}: ${test.reasons[0] ?? ''})`);
  if (result.tests.length > LISTED) lines.push(`…and ${result.tests.length - LISTED} more`);
  if (result.untested.length > 0)
    lines.push(`No test reaches these changed files: ${result.untested.slice(0, LISTED).join(', ')}`);
  for (const warning of result.warnings ?? []) lines.push(`Warning: ${warning}`);
  return lines.join('\n');
}
