import { resolve } from 'node:path';
import { findConfig } from '../config/load-config.ts';
import { type OptionsOf, type OptionTable, resolveTableOptions } from '../config/option-table.ts';
import { EXIT, TestloopError } from '../errors.ts';
import { type CommandHelp, helpText } from './help.ts';
import type { CliIO } from './io.ts';
import { type ParsedFlags, parseFlags } from './parse-flags.ts';

interface CommandInput<T extends OptionTable> {
  flags: ParsedFlags;
  /** The folder the command works in: --cwd against the caller's folder. */
  cwd: string;
  options: OptionsOf<T>;
}

/**
 * Parses a command's flags; undefined once the help they asked for is printed. An operand of a
 * command that takes none is a usage error here, before any config is read.
 */
export function parseCommandFlags(
  argv: string[],
  io: Pick<CliIO, 'stdout'>,
  table: OptionTable,
  help: CommandHelp,
): ParsedFlags | undefined {
  const flags = parseFlags(table, argv, help.command);
  if (flags.common.help) {
    io.stdout(helpText(table, help));
    return undefined;
  }
  if (help.noOperands !== undefined && flags.positionals.length > 0)
    throw new TestloopError(
      'TESTLOOP_USAGE',
      `unexpected argument "${flags.positionals[0]}". ${help.noOperands}`,
    );
  return flags;
}

/** The options of a parsed command line: the config file, TESTLOOP_* variables and flags merged. */
export async function commandOptions<T extends OptionTable>(
  table: T,
  command: string,
  flags: ParsedFlags,
  io: Pick<CliIO, 'cwd' | 'env'>,
  values: Record<string, unknown> = flags.values,
): Promise<CommandInput<T>> {
  const cwd = resolve(io.cwd, flags.common.cwd ?? '.');
  const config = await findConfig(cwd, flags.common.config);
  const options = await resolveTableOptions(table, command, config, io.env, values);
  return { flags, cwd, options };
}

/**
 * A command: its option table, its help and what it does with the options it was given. The flags,
 * the help and the config lookup are the same for every command, so they live here.
 */
export function defineCommand<T extends OptionTable>(
  table: T,
  help: CommandHelp,
  run: (input: CommandInput<T>, io: CliIO) => Promise<number>,
): (argv: string[], io: CliIO) => Promise<number> {
  return async (argv, io) => {
    const flags = parseCommandFlags(argv, io, table, help);
    return flags === undefined ? EXIT.ok : run(await commandOptions(table, help.command, flags, io), io);
  };
}
