import type { Connection, ExecuteCommandParams, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { repositoryPath } from './documents.ts';
import { generateTestFor } from './generate-action.ts';
import { GENERATE_TEST, RUN_AFFECTED } from './lenses.ts';
import { tell } from './messages.ts';
import { withProgress } from './progress.ts';
import { outcomeMessage, runAffected } from './run-affected.ts';
import type { LspWorkspace } from './workspace.ts';

export interface CommandContext {
  connection: Connection;
  workspace: LspWorkspace;
  documents: TextDocuments<TextDocument>;
  env: NodeJS.ProcessEnv;
  log: (text: string) => void;
}

/**
 * The lenses' commands. `testloop.runAffectedTests [uri]` runs the tests a change of the file affects and
 * answers with their outcomes; `testloop.generateTest [uri, symbol]` generates a test and asks the client
 * to apply the edit that creates it. Each also says its result in a message.
 */
export async function executeCommand(
  params: ExecuteCommandParams,
  context: CommandContext,
): Promise<unknown> {
  const { connection, workspace } = context;
  const [uri, symbol] = (params.arguments ?? []) as [unknown, unknown];
  const path = typeof uri === 'string' ? repositoryPath(workspace.root, uri) : undefined;
  try {
    if (path === undefined)
      throw new Error(`${params.command}: expected the uri of a file of ${workspace.root}`);
    if (params.command === RUN_AFFECTED) {
      const outcome = await withProgress(
        connection,
        `testloop: running the tests ${path} affects`,
        async (report) => {
          const warm = await workspace.warm();
          return runAffected(warm, await workspace.affected(path), (line) => {
            context.log(line);
            report(line.trim());
          });
        },
      );
      if (typeof outcome === 'string') {
        tell(connection, 'info', `testloop: ${outcome}`);
        return { ran: false, reason: outcome };
      }
      const message = outcomeMessage(outcome);
      if (outcome.exitCode === 0 && outcome.tests.failed === 0) tell(connection, 'info', message);
      else tell(connection, 'error', message);
      return { ran: true, ...outcome };
    }
    if (params.command === GENERATE_TEST && typeof symbol === 'string') {
      const made = await withProgress(connection, `testloop: generating a test for ${symbol}`, (report) =>
        generateTestFor(workspace.root, workspace.cwd, path, symbol, workspace.settings, {
          env: context.env,
          log: (line) => report(line.replace(/^testloop: /, '').trim()),
        }),
      );
      const applied = await connection.workspace.applyEdit({ label: made.summary, edit: made.edit });
      tell(
        connection,
        'info',
        applied.applied
          ? made.summary
          : `${made.summary}; the editor did not apply it (${applied.failureReason ?? 'refused'})`,
      );
      return { applied: applied.applied, result: made.result };
    }
    throw new Error(`unknown command ${params.command} (or missing arguments)`);
  } catch (error) {
    const message = (error as Error).message;
    context.log(`testloop lsp: ${params.command}: ${message}\n`);
    tell(connection, 'error', `testloop: ${message}`);
    return { error: message };
  }
}
