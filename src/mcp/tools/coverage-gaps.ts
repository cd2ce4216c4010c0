import { GAPS_OPTIONS } from '../../config/gaps-options.ts';
import { omitOptions } from '../../config/option-table.ts';
import { schemaOf } from '../../config/schema-of.ts';
import type { GapsResult } from '../../gaps/types.ts';
import { argvOf, callCli } from '../cli-call.ts';
import type { ToolDefinition } from '../tool.ts';

const LISTED = 15;

export const coverageGapsTool: ToolDefinition = {
  name: 'coverage_gaps',
  title: 'Changed lines no test covers',
  description:
    "The changed lines, branches and functions of a change that no test runs (diff coverage), by file and line: the same JSON as `testloop gaps --format json`. Reads the coverage reports the tests already wrote (`coverage`, default coverage/lcov.info, …); the change is a `base` ref or a `diffFile`. With `failUnder`, `belowThreshold` says whether the change's diff coverage is under that percent.",
  inputSchema: () => schemaOf(omitOptions(GAPS_OPTIONS, ['format'])),
  async call(args, context) {
    const argv = ['gaps', '--format=json', ...argvOf(GAPS_OPTIONS, args)];
    const outcome = await callCli(argv, context);
    const result = JSON.parse(outcome.stdout) as GapsResult;
    const structured = result as unknown as Record<string, unknown>;
    // The CLI says it with exit status 1, which a tool answer has no place for.
    if (args.failUnder !== undefined) structured.belowThreshold = outcome.exitCode === 1;
    return { summary: gapsSummary(result), structured };
  },
};

function gapsSummary(result: GapsResult): string {
  const { coverableLines, uncoveredLines, percent: covered } = result.totals;
  const percent = coverableLines === 0 ? 'no coverable changed lines' : `${covered}% diff coverage`;
  const lines = [
    `${result.gaps.length} gap(s) in ${result.files.length} changed file(s): ${uncoveredLines} of ${coverableLines} changed lines uncovered (${percent}).`,
  ];
  for (const gap of result.gaps.slice(0, LISTED)) {
    const where = gap.start === gap.end ? `${gap.start}` : `${gap.start}-${gap.end}`;
    lines.push(`- ${gap.file}:${where} ${gap.kind}${gap.symbol ? ` ${gap.symbol}` : ''}: ${gap.reason}`);
  }
  if (result.gaps.length > LISTED) lines.push(`…and ${result.gaps.length - LISTED} more`);
  for (const warning of result.warnings) lines.push(`Warning: ${warning}`);
  return lines.join('\n');
}
