import { fileURLToPath } from 'node:url';
import {
  CodeLensRefreshRequest,
  type Connection,
  createConnection,
  type InitializeParams,
  type InitializeResult,
  ProposedFeatures,
  StreamMessageReader,
  StreamMessageWriter,
  TextDocumentSyncKind,
  TextDocuments,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { isTestFile } from '../gaps/source-files.ts';
import { parseSource } from '../generate/ast.ts';
import { CODE_FILE } from '../graph/build-graph.ts';
import { ACTION_KINDS, codeActions, resolveCodeAction } from './code-actions.ts';
import { executeCommand } from './commands.ts';
import { gapDiagnostics } from './diagnostics.ts';
import { lineLengthIn, repositoryPath } from './documents.ts';
import { HistoryRecords, historyHover, recordOf } from './hover.ts';
import { functionLenses, GENERATE_TEST, RUN_AFFECTED } from './lenses.ts';
import { tell } from './messages.ts';
import { loadObserveAssertions, type ObserveAssertions } from './observe-hook.ts';
import { type LspSettings, settingsFrom } from './settings.ts';
import { testAt } from './test-at.ts';
import { LspWorkspace } from './workspace.ts';

export interface LanguageServerOptions {
  /** A connection made by the caller; else one over `streams`; else over this process's stdin and stdout. */
  connection?: Connection;
  streams?: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream };
  /** The folder served when the client names no root. */
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** The CLI's `lsp` options; the client's initializationOptions override them. */
  settings?: LspSettings;
  /**
   * The "Add assertions from observed values" engine; default: src/generate/observe/ when the build has
   * it. `null` offers no such action.
   */
  observeAssertions?: ObserveAssertions | null;
  /** Lines for stderr (the protocol owns stdout). */
  log?: (text: string) => void;
}

export interface RunningServer {
  connection: Connection;
  /** Resolves when the client ends the session (exit), after the watchers stopped. */
  closed: Promise<void>;
}

const DEFAULT_POLL_MS = 1000;

/**
 * The language server: diagnostics for the changed lines no test covers, lenses with each function's
 * coverage and the tests its file affects, code actions that generate a test, hovers with a test's history.
 * Everything comes from the library (gaps, select, generate, the history store) kept warm in memory.
 */
export function startLanguageServer(options: LanguageServerOptions): RunningServer {
  const connection =
    options.connection ??
    (options.streams
      ? // Through message readers: given raw streams, the library would end this process when they end.
        createConnection(
          ProposedFeatures.all,
          new StreamMessageReader(options.streams.input),
          new StreamMessageWriter(options.streams.output),
        )
      : createConnection(ProposedFeatures.all, process.stdin, process.stdout));
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const documents = new TextDocuments(TextDocument);
  let workspace: LspWorkspace | undefined;
  let history: HistoryRecords | undefined;
  let observe: Promise<ObserveAssertions | undefined> = Promise.resolve(undefined);
  let lensRefresh = false;
  /** uri → the number of the latest diagnostics computation: an older one finishing later is dropped. */
  const generations = new Map<string, number>();

  const publish = async (document: TextDocument): Promise<void> => {
    const path = workspace && repositoryPath(workspace.root, document.uri);
    if (!workspace || path === undefined) return;
    const generation = (generations.get(document.uri) ?? 0) + 1;
    generations.set(document.uri, generation);
    try {
      const gaps = await workspace.gapsOf(path);
      if (generations.get(document.uri) !== generation) return;
      const diagnostics = gaps ? gapDiagnostics(gaps, lineLengthIn(document)) : [];
      await connection.sendDiagnostics({ uri: document.uri, diagnostics });
    } catch (error) {
      log(`testloop lsp: diagnostics of ${path}: ${(error as Error).message}\n`);
      tell(connection, 'warning', `testloop: ${path}: ${(error as Error).message}`);
    }
  };
  const publishAll = () => Promise.all(documents.all().map(publish));
  const refreshLenses = () => {
    if (lensRefresh) connection.sendRequest(CodeLensRefreshRequest.type).catch(() => {});
  };

  connection.onInitialize(async (params: InitializeParams): Promise<InitializeResult> => {
    const settings = settingsFrom(options.settings ?? {}, params.initializationOptions);
    const cwd = rootOf(params) ?? options.cwd;
    workspace = await LspWorkspace.open(cwd, settings, env);
    history = new HistoryRecords(workspace.root, env, settings.history);
    lensRefresh = params.capabilities.workspace?.codeLens?.refreshSupport === true;
    observe =
      options.observeAssertions === null
        ? Promise.resolve(undefined)
        : options.observeAssertions
          ? Promise.resolve(options.observeAssertions)
          : loadObserveAssertions().catch((error: Error) => {
              log(`testloop lsp: the observed-values engine did not load: ${error.message}\n`);
              return undefined;
            });
    return {
      capabilities: {
        textDocumentSync: {
          openClose: true,
          change: TextDocumentSyncKind.Incremental,
          save: { includeText: false },
        },
        codeLensProvider: { resolveProvider: false },
        codeActionProvider: { codeActionKinds: ACTION_KINDS, resolveProvider: true },
        hoverProvider: true,
        executeCommandProvider: { commands: [RUN_AFFECTED, GENERATE_TEST] },
      },
      serverInfo: { name: 'testloop' },
    };
  });

  connection.onInitialized(() => {
    const ws = workspace!;
    // What the server cannot know is said once, not left as an absence of hints.
    if (ws.baseError) tell(connection, 'warning', `testloop: no diagnostics: ${ws.baseError}`);
    if (ws.coverage.error)
      tell(
        connection,
        'warning',
        `testloop: ${ws.coverage.error} (changed files then show as not covered; the report is picked up when written)`,
      );
    ws.warm().catch((error: Error) =>
      tell(connection, 'warning', `testloop: affected tests unknown: ${error.message}`),
    );
    ws.coverage.watch(ws.settings.coveragePollMs ?? DEFAULT_POLL_MS, () => {
      void publishAll();
      refreshLenses();
    });
  });

  documents.onDidOpen(({ document }) => void publish(document));
  documents.onDidSave(({ document }) => {
    const path = workspace && repositoryPath(workspace.root, document.uri);
    // The hints first: the graph's refresh (for the lenses) would only slow them down.
    void publish(document).then(() => {
      if (workspace && path !== undefined) workspace.saved(path).then(refreshLenses, () => {});
    });
  });
  documents.onDidClose(({ document }) => {
    generations.delete(document.uri);
    void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
  });

  connection.onCodeLens(async ({ textDocument }) => {
    const document = documents.get(textDocument.uri);
    const path = workspace && document && repositoryPath(workspace.root, document.uri);
    if (!workspace || !document || path === undefined || !CODE_FILE.test(path) || isTestFile(path)) return [];
    const { units } = parseSource(path, document.getText());
    if (units.length === 0) return [];
    const affected = await workspace.affected(path).catch((error: Error) => error.message);
    return functionLenses(document.uri, units, workspace.coverage.file(path), affected);
  });

  connection.onCodeAction(async (params) => {
    const document = documents.get(params.textDocument.uri);
    const path = workspace && document && repositoryPath(workspace.root, document.uri);
    if (!workspace || !document || path === undefined || !CODE_FILE.test(path)) return [];
    return codeActions(document, path, params.range.start.line + 1, await observe);
  });

  connection.onCodeActionResolve(async (action) => {
    if (!workspace) return action;
    return resolveCodeAction(action, { connection, workspace, documents, observe: await observe, env, log });
  });

  connection.onHover(async ({ textDocument, position }) => {
    const document = documents.get(textDocument.uri);
    const path = workspace && document && repositoryPath(workspace.root, document.uri);
    if (!history || !document || path === undefined || !isTestFile(path)) return null;
    const test = testAt(path, document.getText(), document.offsetAt(position));
    if (!test) return null;
    const records = await history.read().catch((error: Error) => error);
    if (records instanceof Error)
      return {
        contents: {
          kind: 'markdown',
          value: `**testloop**: the test history could not be read (${records.message})`,
        },
      };
    return historyHover(path, test, recordOf(records, path, test));
  });

  connection.onExecuteCommand(async (params) => {
    if (!workspace) return null;
    return executeCommand(params, { connection, workspace, documents, env, log });
  });

  const closed = new Promise<void>((resolve) => {
    connection.onShutdown(() => {
      workspace?.close();
    });
    connection.onExit(() => {
      workspace?.close();
      resolve();
    });
  });
  documents.listen(connection);
  connection.listen();
  return { connection, closed };
}

/** The client's workspace root, when it names one on disk. */
function rootOf(params: InitializeParams): string | undefined {
  const uri = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
  if (uri?.startsWith('file:')) return fileURLToPath(uri);
  return params.rootPath ?? undefined;
}
