import { formatWithOptions } from 'node:util';
import { MCP_OPTIONS } from '../config/mcp-options.ts';
import { EXIT, TestloopError } from '../errors.ts';
import { defineCommand } from './command-input.ts';
import type { CommandHelp } from './help.ts';

const HELP: CommandHelp = {
  command: 'mcp',
  summary:
    "Serve testloop to coding agents over MCP (stdio): select_tests, run_tests, coverage_gaps, generate_tests, flaky_tests, explain_failure. Tool arguments are the options of the matching command, in camelCase; answers are that command's --format json output. The protocol is on stdout, logs on stderr. See docs/mcp.md for Claude Code, Cursor, VS Code and Codex.",
  examples: [
    ['testloop mcp', 'serve the repository of the current folder'],
    ['claude mcp add testloop -- npx testloop mcp', 'add it to Claude Code'],
    ['testloop mcp -C packages/app --answer-limit 20000', 'another folder, with shorter answers'],
  ],
  exitCodes: '0 when the client closes the session, 2 usage or input error',
  noOperands: 'Run testloop mcp --help',
};

export const mcpCommand = defineCommand(MCP_OPTIONS, HELP, async ({ flags, cwd, options }, io) => {
  if (
    options.answerLimit !== undefined &&
    !(Number.isInteger(options.answerLimit) && options.answerLimit >= 1000)
  )
    throw new TestloopError(
      'TESTLOOP_USAGE',
      `--answer-limit ${options.answerLimit}: expected a whole number of characters, at least 1000`,
    );
  // stdout carries the protocol: anything printed by accident would break the session.
  console.log = console.info = (...args: unknown[]) =>
    io.stderr(`${formatWithOptions({ colors: false }, ...args)}\n`);
  const { serveStdio } = await import('../mcp/server.ts');
  await serveStdio({
    cwd,
    env: io.env,
    version: io.version,
    log: io.stderr,
    ...(flags.common.config === undefined ? {} : { config: flags.common.config }),
    ...options,
  });
  return EXIT.ok;
});
