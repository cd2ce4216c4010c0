import { runCli } from '../cli/run.ts';
import { flagName } from '../config/load-config.ts';
import type { OptionTable } from '../config/option-table.ts';
import { type ErrorCode, EXIT, TestloopError } from '../errors.ts';
import type { ToolContext } from './tool.ts';

export interface CliOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a CLI command in this process with its output captured: the tool answers with exactly what the
 * command prints, and its errors are the command's own (code and message). A usage or input error
 * (exit 2) is thrown as that TestloopError.
 */
export async function callCli(argv: string[], context: ToolContext): Promise<CliOutcome> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  // --cwd also keeps runCli from listing the tree ahead: a listing left over by a call that failed early
  // would be taken, stale, by the next one.
  const [command, ...rest] = argv;
  const config = context.config === undefined ? [] : [`--config=${context.config}`];
  const exitCode = await runCli([command!, `--cwd=${context.cwd}`, ...config, ...rest], {
    cwd: context.cwd,
    env: context.env,
    isTTY: false,
    version: context.version,
    stdout: (text) => stdout.push(text),
    stdoutBytes: (bytes) => stdout.push(Buffer.from(bytes).toString('utf8')),
    stderr: (text) => {
      stderr.push(text);
      context.log(text);
    },
    readStdin: noStdin,
  });
  const outcome = { exitCode, stdout: stdout.join(''), stderr: stderr.join('') };
  if (exitCode === EXIT.usage) throw errorOf(outcome.stderr);
  return outcome;
}

const STDIN_TAKEN = new TestloopError(
  'TESTLOOP_USAGE',
  'diffFile "-" (standard input) is not available over MCP: standard input carries the protocol. Name a file',
);

/** Standard input carries the protocol: nothing else may read it. */
export function noStdin(): Promise<Buffer> {
  return Promise.reject(STDIN_TAKEN);
}

/** The command's own `testloop: error CODE: message` line back as the error it was. */
function errorOf(stderr: string): TestloopError {
  const lines = stderr.split('\n');
  for (const line of lines.reverse()) {
    const match = /^testloop: error (TESTLOOP_[A-Z_]+): (.*)$/.exec(line);
    if (match) return new TestloopError(match[1] as ErrorCode, match[2]!);
  }
  const last = stderr.trim().split('\n').pop() ?? 'the command failed without a message';
  return new TestloopError('TESTLOOP_USAGE', last.replace(/^testloop: /, ''));
}

/**
 * A tool's arguments as the command line the CLI parses: `{ failUnder: 80, coverage: ['a', 'b'] }` →
 * `--fail-under 80 --coverage a --coverage b`. Only the types are checked here; values go through the
 * CLI's own validation, so a bad value gets the CLI's message.
 */
export function argvOf(
  table: OptionTable,
  args: Record<string, unknown>,
  skip: readonly string[] = [],
): string[] {
  const argv: string[] = [];
  for (const [key, value] of Object.entries(args)) {
    if (skip.includes(key) || value === undefined || value === null) continue;
    const spec = table[key];
    if (spec === undefined)
      throw unknownArgument(
        key,
        Object.keys(table).filter((k) => !skip.includes(k)),
      );
    // Standard input carries the protocol: a diff cannot come from there.
    if (key === 'diffFile' && value === '-') throw STDIN_TAKEN;
    const flag = `--${flagName(key)}`;
    if (spec.type === 'boolean') {
      if (typeof value !== 'boolean') throw wrongType(key, 'true or false', value);
      argv.push(value ? flag : `--no-${flagName(key)}`);
    } else if (spec.type === 'array') {
      const items = Array.isArray(value) ? value : [value];
      for (const item of items) {
        if (typeof item !== 'string') throw wrongType(key, 'a list of strings', value);
        argv.push(`${flag}=${item}`);
      }
    } else if (spec.type === 'number') {
      if (typeof value !== 'number') throw wrongType(key, 'a number', value);
      argv.push(`${flag}=${value}`);
    } else {
      if (typeof value !== 'string') throw wrongType(key, 'a string', value);
      argv.push(`${flag}=${value}`);
    }
  }
  return argv;
}

export function unknownArgument(key: string, known: readonly string[]): TestloopError {
  return new TestloopError(
    'TESTLOOP_USAGE',
    `unknown argument "${key}"; this tool takes ${known.join(', ')}`,
  );
}

export function wrongType(key: string, expected: string, value: unknown): TestloopError {
  return new TestloopError(
    'TESTLOOP_USAGE',
    `argument ${key}: expected ${expected}, got ${JSON.stringify(value)?.slice(0, 80)}`,
  );
}
