import { SELECT_OPTIONS, type SelectOptionsInput } from '../config/select-options.ts';
import { EXIT } from '../errors.ts';
import { otherRunners, renderSelection } from '../report/select.ts';
import { planSelection, type SelectionPlan } from '../select/select-tests.ts';
import { commandOptions, parseCommandFlags } from './command-input.ts';
import type { CommandHelp } from './help.ts';
import type { CliIO } from './io.ts';
import type { ParsedFlags } from './parse-flags.ts';

const HELP: CommandHelp = {
  command: 'select',
  operands: '[<changed-file>…]',
  summary:
    'Print the test files a change can affect, most relevant first (test impact analysis). The change is --base, --changed or the paths given, or --diff-file; by default the pull-request base.',
  examples: [
    ['testloop select --base origin/main', 'the tests a pull request can affect, one path per line'],
    ['testloop select src/cart.ts --format vitest', 'a ready vitest command line for the tests of one file'],
    [
      'testloop select --base origin/main --shard auto --run',
      "run this CI machine's share of the selection with each package's own runner",
    ],
  ],
  exitCodes: "0 done, 2 usage or input error; with --run, the runners' own exit status",
};

export async function selectCommand(argv: string[], io: CliIO): Promise<number> {
  const flags = parseCommandFlags(argv, io, SELECT_OPTIONS, HELP);
  if (flags === undefined) return EXIT.ok;
  const { options, plan } = await planFromFlags(flags, io);
  const { result, projects } = plan;
  for (const warning of result.warnings ?? []) io.stderr(`testloop: ${warning}\n`);
  const { shard } = result;
  if (result.all) {
    const count = shard ? shard.selectedTests : result.tests.length;
    io.stderr(`testloop: selecting all ${count} tests: ${result.reason}\n`);
  }
  if (shard) {
    io.stderr(
      `testloop: shard ${shard.index}/${shard.total}: ${result.tests.length} of ${shard.selectedTests} selected test files, about ${Math.round(shard.estimatedMs / 1000)}s (${shard.basis === 'size' ? 'estimated from file sizes' : 'from the test history'})\n`,
    );
  }
  const format = options.format ?? 'list';
  // JSON carries them in `untested`; every other output would be silent about them.
  if (format !== 'json' || options.run) for (const line of untestedNotes(result.untested)) io.stderr(line);
  if (options.run) {
    const { runSelection } = await import('../select/run-selection.ts');
    return runSelection(result, projects, { log: io.stderr });
  }
  const mismatched = otherRunners(result, format);
  if (mismatched.length > 0) {
    io.stderr(
      `testloop: ${mismatched.length} selected test file(s) use another runner than ${format}, e.g. ${mismatched[0]}\n`,
    );
  }
  io.stdout(renderSelection(result, format));
  return EXIT.ok;
}

/**
 * The selection the flags ask for (config file, TESTLOOP_* variables and flags merged as for every
 * command), with the packages and runners to run it: `select` prints it, the MCP server runs it.
 */
export async function planFromFlags(
  flags: ParsedFlags,
  io: Pick<CliIO, 'cwd' | 'env' | 'readStdin'>,
): Promise<{ options: SelectOptionsInput; plan: SelectionPlan }> {
  const values = {
    ...flags.values,
    // Positional paths are changed files too: `testloop select src/a.ts src/b.ts`.
    ...(flags.positionals.length > 0
      ? { changed: [...((flags.values.changed as string[] | undefined) ?? []), ...flags.positionals] }
      : {}),
  };
  const { cwd, options } = await commandOptions(SELECT_OPTIONS, 'select', flags, io, values);
  // --format and --run are the CLI's own (what to print, whether to run); the rest are planSelection's.
  const { format: _format, run: _run, ...selectOptions } = options;
  const plan = await planSelection({ cwd, env: io.env, readStdin: io.readStdin, ...selectOptions });
  return { options, plan };
}

const UNTESTED_LISTED = 20;

/** One line per changed file no test reaches, the rest counted. */
function untestedNotes(untested: readonly string[]): string[] {
  const lines = untested
    .slice(0, UNTESTED_LISTED)
    .map((file) => `testloop: no test reaches ${file} (changed): nothing selected runs it\n`);
  if (untested.length > UNTESTED_LISTED)
    lines.push(`testloop: …and ${untested.length - UNTESTED_LISTED} more changed files no test reaches\n`);
  return lines;
}
