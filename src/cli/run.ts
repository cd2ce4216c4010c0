import { EXIT, isTestloopError } from '../errors.ts';
import { prefetchWorkingTree } from '../git/working-tree.ts';
import type { CliIO } from './io.ts';

type Command = (argv: string[], io: CliIO) => Promise<number>;

interface CommandEntry {
  summary: string;
  load: () => Promise<Command>;
  /** Starts work the command is sure to need before its code loads, so the two overlap. */
  prefetch?: (argv: readonly string[], io: CliIO) => void;
}

/** Commands load lazily so that one command never pays for another's dependencies. */
const COMMANDS: Record<string, CommandEntry> = {
  gaps: {
    summary: 'changed lines, branches and functions no test runs (diff coverage)',
    load: async () => (await import('./gaps.ts')).gapsCommand,
  },
  generate: {
    summary:
      'unit tests for the gaps of a change, kept only when they compile, pass repeatedly and cover new lines',
    load: async () => (await import('./generate.ts')).generateCommand,
  },
  select: {
    summary: 'the tests a change can affect, most relevant first (test impact analysis)',
    load: async () => (await import('./select.ts')).selectCommand,
    // Every selection lists the working tree; from another folder (--cwd, -C) the listing is left to it.
    prefetch: (argv, io) => {
      if (!argv.some((arg) => arg.startsWith('--cwd') || arg.startsWith('-C') || isHelp(arg)))
        prefetchWorkingTree(io.cwd);
    },
  },
  ingest: {
    summary: 'record JUnit reports and CI logs of a run in the test history',
    load: async () => (await import('./ingest.ts')).ingestCommand,
  },
  ci: {
    summary: 'the whole loop in one CI step: select, run with coverage, gaps, generate, ingest, triage',
    load: async () => (await import('./ci.ts')).ciCommand,
  },
  triage: {
    summary: 'flaky, broken and healthy tests across CI runs, with probable causes and fixes',
    load: async () => (await import('./triage.ts')).triageCommand,
  },
};

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v') {
    io.stdout(`${io.version}\n`);
    return EXIT.ok;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage(io.version));
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(
      `testloop: error TESTLOOP_USAGE: unknown command "${name}". Run testloop --help for the list\n`,
    );
    return EXIT.usage;
  }
  command.prefetch?.(rest, io);
  try {
    return await (await command.load())(rest, io);
  } catch (error) {
    if (isTestloopError(error)) {
      io.stderr(`testloop: error ${error.code}: ${error.message}\n`);
      return error.exitCode;
    }
    // A bug of ours, not the user's input: say so, with the stack only when asked for.
    io.stderr(
      `testloop: internal error: ${(error as Error)?.message ?? error}. Please report it with TESTLOOP_DEBUG=1 output\n`,
    );
    if (io.env.TESTLOOP_DEBUG) io.stderr(`${(error as Error)?.stack}\n`);
    return EXIT.usage;
  }
}

function isHelp(arg: string): boolean {
  return arg === '--help' || arg === '-h';
}

function usage(version: string): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `testloop ${version}: fast AI-assisted testing inside CI pipelines\n\nUsage: testloop <command> [options]\n\nCommands:\n${rows.join('\n')}\n\nRun testloop <command> --help for its options.\n`;
}
