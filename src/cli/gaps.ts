import { GAPS_OPTIONS } from '../config/gaps-options.ts';
import { EXIT } from '../errors.ts';
import { findGaps } from '../gaps/find-gaps.ts';
import { defineCommand } from './command-input.ts';
import type { CommandHelp } from './help.ts';
import { parseFormats, useColor, writeOutputs } from './output.ts';

const HELP: CommandHelp = {
  command: 'gaps',
  summary: 'Report the changed lines, branches and functions of a change that no test runs (diff coverage).',
  examples: [
    [
      'testloop gaps --base origin/main --coverage coverage/lcov.info --fail-under 80',
      'the uncovered lines of a pull request; exit 1 below 80% diff coverage',
    ],
    [
      'testloop gaps --base origin/main --format markdown:gaps.md --format sarif:gaps.sarif',
      'a pull-request comment and code-scanning results from one run (coverage found in coverage/)',
    ],
    ['git diff main | testloop gaps --diff-file - --format json', 'any unified diff, as JSON on stdout'],
  ],
  exitCodes: '0 clean, 1 diff coverage below --fail-under, 2 usage or input error',
};

export const gapsCommand = defineCommand(GAPS_OPTIONS, HELP, async ({ cwd, options }, io) => {
  // --format is the CLI's own: where the reports go. Every other option is a field of findGaps.
  const { format, ...gapsOptions } = options;
  const targets = parseFormats(format, io.env);

  const result = await findGaps({
    cwd,
    env: io.env,
    readStdin: io.readStdin,
    ...gapsOptions,
    // The reports this run writes are never a change to the next one.
    ownOutputs: targets.flatMap((t) => (t.path === undefined ? [] : [t.path])),
  });
  // The text report lists warnings itself; other formats keep stdout clean, so warnings go to stderr.
  if (!targets.some((t) => t.kind === 'text' && t.path === undefined)) {
    for (const warning of result.warnings) io.stderr(`testloop: warning: ${warning}\n`);
  }

  const repositoryUrl =
    io.env.GITHUB_SERVER_URL && io.env.GITHUB_REPOSITORY
      ? `${io.env.GITHUB_SERVER_URL}/${io.env.GITHUB_REPOSITORY}`
      : undefined;
  await writeOutputs(
    result,
    targets,
    {
      color: useColor(io.env, io.isTTY),
      ...(options.failUnder === undefined ? {} : { failUnder: options.failUnder }),
      ...(repositoryUrl === undefined ? {} : { repositoryUrl, commit: result.head }),
      toolVersion: io.version,
    },
    cwd,
    io.env,
    io.stdout,
  );
  if (options.failUnder !== undefined && belowThreshold(result.totals, options.failUnder))
    return EXIT.findings;
  return EXIT.ok;
});

/** Compared on the exact ratio, not the rounded percent, so 79.999% never passes --fail-under 80. */
function belowThreshold(
  totals: { coverableLines: number; uncoveredLines: number },
  failUnder: number,
): boolean {
  if (totals.coverableLines === 0) return false;
  return ((totals.coverableLines - totals.uncoveredLines) / totals.coverableLines) * 100 < failUnder;
}
