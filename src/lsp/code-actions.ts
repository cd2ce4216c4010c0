import type { CodeAction, Connection, TextDocuments, WorkspaceEdit } from 'vscode-languageserver/node';
import { CodeActionKind } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { isTestFile } from '../gaps/source-files.ts';
import { parseSource, unitAt } from '../generate/ast.ts';
import { generateTestFor } from './generate-action.ts';
import { tell } from './messages.ts';
import type { ObserveAssertions } from './observe-hook.ts';
import { withProgress } from './progress.ts';
import type { LspWorkspace } from './workspace.ts';

const GENERATE_KIND = `${CodeActionKind.QuickFix}.testloop.generateTest`;
const OBSERVE_KIND = `${CodeActionKind.QuickFix}.testloop.observedAssertions`;
export const ACTION_KINDS = [GENERATE_KIND, OBSERVE_KIND];

/** What an action carries from the list to its resolution (the edit is made only when chosen). */
type ActionData =
  | { action: 'generate'; uri: string; path: string; symbol: string }
  | { action: 'observe'; uri: string; path: string; line: number };

/**
 * The actions at a line: in a source file, a test for the function around it; in a test file, assertions
 * from the values the test observes (when that engine is part of the build). Their edits come on resolve.
 */
export function codeActions(
  document: TextDocument,
  path: string,
  line: number,
  observe: ObserveAssertions | undefined,
): CodeAction[] {
  if (isTestFile(path)) {
    if (!observe) return [];
    const data: ActionData = { action: 'observe', uri: document.uri, path, line };
    return [{ title: 'Add assertions from observed values', kind: OBSERVE_KIND, data }];
  }
  const unit = unitAt(parseSource(path, document.getText()).units, line);
  if (!unit) return [];
  const data: ActionData = { action: 'generate', uri: document.uri, path, symbol: unit.symbol };
  return [{ title: `Generate a test for ${unit.symbol}`, kind: GENERATE_KIND, data }];
}

export interface ActionContext {
  connection: Connection;
  workspace: LspWorkspace;
  documents: TextDocuments<TextDocument>;
  observe: ObserveAssertions | undefined;
  env: NodeJS.ProcessEnv;
  log: (text: string) => void;
}

/** Makes the chosen action's edit, with progress; a failure is the action's `disabled` reason and a message. */
export async function resolveCodeAction(action: CodeAction, context: ActionContext): Promise<CodeAction> {
  const data = action.data as ActionData | undefined;
  if (!data) return action;
  try {
    const edit =
      data.action === 'generate'
        ? await withProgress(
            context.connection,
            `testloop: generating a test for ${data.symbol}`,
            async (report) => {
              const made = await generateTestFor(
                context.workspace.root,
                context.workspace.cwd,
                data.path,
                data.symbol,
                context.workspace.settings,
                { env: context.env, log: (line) => report(line.replace(/^testloop: /, '').trim()) },
              );
              tell(context.connection, 'info', made.summary);
              return made.edit;
            },
          )
        : await observedEdit(data, context);
    return { ...action, edit };
  } catch (error) {
    const message = (error as Error).message;
    context.log(`testloop lsp: ${action.title}: ${message}\n`);
    tell(context.connection, 'error', `testloop: ${action.title}: ${message}`);
    return { ...action, disabled: { reason: message } };
  }
}

/** The engine's assertions, each on a line of its own after the line the action was asked on. */
async function observedEdit(
  data: Extract<ActionData, { action: 'observe' }>,
  context: ActionContext,
): Promise<WorkspaceEdit> {
  const observe = context.observe!;
  const found = await withProgress(context.connection, 'testloop: observing values', () =>
    // `data.line` is 1-based (the line the action was asked on); the engine takes 0-based lines.
    observe({ root: context.workspace.root, testFile: data.path, line: data.line - 1 }),
  );
  for (const warning of found.warnings) tell(context.connection, 'warning', `testloop: ${warning}`);
  if (found.suggestions.length === 0) throw new Error('no observed value to assert on at this line');
  const document = context.documents.get(data.uri);
  const lineText = document?.getText({
    start: { line: data.line - 1, character: 0 },
    end: { line: data.line, character: 0 },
  });
  const indent = /^\s*/.exec(lineText ?? '')?.[0] ?? '';
  const text = found.suggestions.map((s) => `${indent}${s.assertion}\n`).join('');
  const at = { line: data.line, character: 0 };
  return { changes: { [data.uri]: [{ range: { start: at, end: at }, newText: text }] } };
}
