import { resolve } from 'node:path';
import { EXIT, isTestloopError } from '../errors.ts';
import { prefetchRepositoryRoot, prefetchRevisions } from '../git/base.ts';
import { discardPrefetchedDiff, prefetchDiffFromMergeBase, prefetchTrackedFiles } from '../git/diff.ts';
import { discardPrefetchedGit } from '../git/git.ts';
import { prefetchWorkingTree } from '../git/working-tree.ts';
import { discardPrefetchedReads, prefetchWholeFile } from '../util/whole-file.ts';
import type { CliIO } from './io.ts';

type Command = (argv: string[], io: CliIO) => Promise<number>;

interface CommandEntry {
  summary: string;
  load: () => Promise<Command>;
  /** Starts work the command is sure to need before its code loads, so the two overlap. */
  prefetch?: (argv: readonly string[], io: CliIO) => void;
}

/**
 * Commands load lazily so that one command never pays for another's dependencies. Listed in the order
 * of the README: the single steps first, then `ci`, which runs them all, then the servers for agents and editors.
 */
const COMMANDS: Record<string, CommandEntry> = {
  gaps: {
    summary: 'changed lines, branches and functions no test runs (diff coverage)',
    load: async () => (await import('./gaps.ts')).gapsCommand,
    // With a base named on the command line, git's diff is the same whatever else the options say.
    prefetch: (argv, io) => {
      const base = flagValue(argv, '--base');
      if (base === undefined || base.startsWith('-')) return;
      if (argv.some((arg) => arg.startsWith('--diff-file') || isOtherFolder(arg) || isHelp(arg))) return;
      const cwd = resolve(io.cwd);
      prefetchDiffFromMergeBase(cwd, base);
      prefetchRevisions(cwd, base);
      prefetchTrackedFiles(cwd);
      // The reports are read while Node compiles the command ("format:path" names the path after the colon).
      for (const report of flagValues(argv, '--coverage'))
        prefetchWholeFile(resolve(cwd, report.replace(/^[a-z0-9]+:(?=.)/, '')));
    },
  },
  select: {
    summary: 'the tests a change can affect, most relevant first (test impact analysis)',
    load: async () => (await import('./select.ts')).selectCommand,
    // Every selection lists the working tree and finds its root; from another folder (--cwd, -C) both are
    // left to it. The root is a second git process that runs beside the listing, not after it.
    prefetch: (argv, io) => {
      if (argv.some((arg) => isOtherFolder(arg) || isHelp(arg))) return;
      prefetchWorkingTree(io.cwd);
      prefetchRepositoryRoot(io.cwd);
    },
  },
  generate: {
    summary:
      'unit tests for the gaps of a change, kept only when they compile, pass repeatedly and cover new lines',
    load: async () => (await import('./generate.ts')).generateCommand,
  },
  ingest: {
    summary: 'record JUnit reports and CI logs of a run in the test history',
    load: async () => (await import('./ingest.ts')).ingestCommand,
  },
  triage: {
    summary: 'flaky, broken and healthy tests across CI runs, with probable causes and fixes',
    load: async () => (await import('./triage.ts')).triageCommand,
  },
  ci: {
    summary: 'the whole loop in one CI step: select, run with coverage, gaps, generate, ingest, triage',
    load: async () => (await import('./ci.ts')).ciCommand,
  },
  mcp: {
    summary: 'serve these commands to coding agents as MCP tools over stdio',
    load: async () => (await import('./mcp.ts')).mcpCommand,
  },
  lsp: {
    summary:
      'serve editors as a language server over stdio: uncovered changed lines, affected tests, generate',
    load: async () => (await import('./lsp.ts')).lspCommand,
  },
};

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v') {
    io.stdout(`${io.version}\n`);
    return EXIT.ok;
  }
  if (name === 'help' && rest.length > 0) return runCli([rest[0]!, '--help'], io);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage(io.version));
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
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
  } finally {
    // What the command never asked for would answer a later command in this process from an older tree.
    discardPrefetchedGit();
    discardPrefetchedDiff();
    discardPrefetchedReads();
  }
}

function isHelp(arg: string): boolean {
  return arg === '--help' || arg === '-h';
}

function isOtherFolder(arg: string): boolean {
  return arg.startsWith('--cwd') || arg.startsWith('-C');
}

/** The last value given to a string flag, as `--flag value` or `--flag=value`. */
function flagValue(argv: readonly string[], flag: string): string | undefined {
  return flagValues(argv, flag).at(-1);
}

/** Every value given to a flag, as `--flag value` or `--flag=value`. */
function flagValues(argv: readonly string[], flag: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === flag && i + 1 < argv.length) values.push(argv[++i]!);
    else if (arg.startsWith(`${flag}=`)) values.push(arg.slice(flag.length + 1));
  }
  return values;
}

function usage(version: string): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `testloop ${version}: fast AI-assisted testing inside CI pipelines

Usage: testloop <command> [options]

Commands:
${rows.join('\n')}

Options:
  -h, --help     this help
  -v, --version  the version

Examples:
  # the whole loop on a pull request: select, run with coverage, gaps, tests, triage, HTML report
  testloop ci --base origin/main --format text --format html:testloop-report

  # the changed lines no test runs, from the coverage your tests already write
  testloop gaps --base origin/main --coverage coverage/lcov.info --fail-under 80

  # only the tests the change can affect, each package with its own runner
  testloop select --base origin/main --run

Run testloop help <command> (or testloop <command> --help) for its options and examples.
`;
}
