import { formatWithOptions } from 'node:util';
import { LSP_OPTIONS } from '../config/lsp-options.ts';
import { EXIT, TestloopError } from '../errors.ts';
import { defineCommand } from './command-input.ts';
import type { CommandHelp } from './help.ts';

const HELP: CommandHelp = {
  command: 'lsp',
  summary:
    'Serve testloop to editors as a language server over stdio: hints on the changed lines no test covers, lenses with each function\'s coverage and the tests its file affects (click to run them), code actions that generate a test, hovers with a test\'s history. initializationOptions { base, coverage, history, model: { baseUrl, model, api } } override the options below. See the README section "Editors" for Neovim and VS Code.',
  examples: [
    ['testloop lsp --stdio', 'serve the repository of the current folder (the editor starts it)'],
    ['testloop lsp --stdio --base origin/develop --coverage coverage/lcov.info', 'another base and report'],
  ],
  exitCodes: '0 when the client ends the session, 2 usage or input error',
  noOperands: 'Run testloop lsp --help',
};

export const lspCommand = defineCommand(LSP_OPTIONS, HELP, async ({ cwd, options }, io) => {
  // --stdio is the CLI's own (the transport); the rest are the server's settings.
  const { stdio, ...settings } = options;
  if (stdio !== true)
    throw new TestloopError(
      'TESTLOOP_USAGE',
      'testloop lsp speaks the protocol over standard input and output only: pass --stdio (editors do, see testloop lsp --help)',
    );
  // stdout carries the protocol: anything printed by accident would break the session.
  console.log = console.info = (...args: unknown[]) =>
    io.stderr(`${formatWithOptions({ colors: false }, ...args)}\n`);
  const { startLanguageServer } = await import('../lsp/server.ts');
  const server = startLanguageServer({ cwd, env: io.env, settings, log: io.stderr });
  io.stderr(`testloop lsp: serving on stdio\n`);
  await server.closed;
  return EXIT.ok;
});
