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

/** What the handlers of one session share; the workspace and history exist once the client initialized. */
interface Session {
  options: LanguageServerOptions;
  connection: Connection;
  documents: TextDocuments<TextDocument>;
  env: NodeJS.ProcessEnv;
  log: (text: string) => void;
  workspace?: LspWorkspace;
  history?: HistoryRecords;
  observe: Promise<ObserveAssertions | undefined>;
  /** The client re-asks for lenses when told (workspace.codeLens.refreshSupport). */
  lensRefresh: boolean;
  /** uri → the number of the latest diagnostics computation: an older one finishing later is dropped. */
  generations: Map<string, number>;
}

/**
 * The language server: diagnostics for the changed lines no test covers, lenses with each function's
 * coverage and the tests its file affects, code actions that generate a test, hovers with a test's history.
 * Everything comes from the library (gaps, select, generate, the history store) kept warm in memory.
 */
export function startLanguageServer(options: LanguageServerOptions): RunningServer {
  const session: Session = {
    options,
    connection: connectionOf(options),
    documents: new TextDocuments(TextDocument),
    env: options.env ?? process.env,
    log: options.log ?? (() => {}),
    observe: Promise.resolve(undefined),
    lensRefresh: false,
    generations: new Map(),
  };
  const { connection, documents } = session;
  connection.onInitialize((params) => initialize(session, params));
  connection.onInitialized(() => announce(session));
  followDocuments(session);
  answerRequests(session);
  const closed = new Promise<void>((resolve) => {
    connection.onShutdown(() => {
      session.workspace?.close();
    });
    connection.onExit(() => {
      session.workspace?.close();
      resolve();
    });
  });
  documents.listen(connection);
  connection.listen();
  return { connection, closed };
}

function connectionOf(options: LanguageServerOptions): Connection {
  if (options.connection) return options.connection;
  if (options.streams)
    // Through message readers: given raw streams, the library would end this process when they end.
    return createConnection(
      ProposedFeatures.all,
      new StreamMessageReader(options.streams.input),
      new StreamMessageWriter(options.streams.output),
    );
  return createConnection(ProposedFeatures.all, process.stdin, process.stdout);
}

async function publish(session: Session, document: TextDocument): Promise<void> {
  const { workspace, generations, connection } = session;
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
    session.log(`testloop lsp: diagnostics of ${path}: ${(error as Error).message}\n`);
    tell(connection, 'warning', `testloop: ${path}: ${(error as Error).message}`);
  }
}

function refreshLenses(session: Session): void {
  if (session.lensRefresh) session.connection.sendRequest(CodeLensRefreshRequest.type).catch(() => {});
}

async function initialize(session: Session, params: InitializeParams): Promise<InitializeResult> {
  const { options, env, log } = session;
  const settings = settingsFrom(options.settings ?? {}, params.initializationOptions);
  const cwd = rootOf(params) ?? options.cwd;
  const workspace = await LspWorkspace.open(cwd, settings, env);
  session.workspace = workspace;
  session.history = new HistoryRecords(workspace.root, env, settings.history);
  session.lensRefresh = params.capabilities.workspace?.codeLens?.refreshSupport === true;
  session.observe =
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
}

/** Once initialized: says what the server cannot know, warms the graph and watches the coverage report. */
function announce(session: Session): void {
  const { connection } = session;
  const ws = session.workspace!;
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
    void Promise.all(session.documents.all().map((document) => publish(session, document)));
    refreshLenses(session);
  });
}

function followDocuments(session: Session): void {
  const { documents, connection } = session;
  documents.onDidOpen(({ document }) => void publish(session, document));
  documents.onDidSave(({ document }) => {
    const { workspace } = session;
    const path = workspace && repositoryPath(workspace.root, document.uri);
    // The hints first: the graph's refresh (for the lenses) would only slow them down.
    void publish(session, document).then(() => {
      if (session.workspace && path !== undefined)
        session.workspace.saved(path).then(
          () => refreshLenses(session),
          () => {},
        );
    });
  });
  documents.onDidClose(({ document }) => {
    session.generations.delete(document.uri);
    void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
  });
}

/** The document's repository path when the workspace is open and the document is known. */
function pathOf(session: Session, uri: string): { document: TextDocument; path: string } | undefined {
  const document = session.documents.get(uri);
  const path = session.workspace && document && repositoryPath(session.workspace.root, document.uri);
  return document && path !== undefined ? { document, path } : undefined;
}

function answerRequests(session: Session): void {
  const { connection, documents, env, log } = session;
  connection.onCodeLens(async ({ textDocument }) => {
    const { workspace } = session;
    const open = pathOf(session, textDocument.uri);
    if (!workspace || !open || !CODE_FILE.test(open.path) || isTestFile(open.path)) return [];
    const { units } = parseSource(open.path, open.document.getText());
    if (units.length === 0) return [];
    const affected = await workspace.affected(open.path).catch((error: Error) => error.message);
    return functionLenses(open.document.uri, units, workspace.coverage.file(open.path), affected);
  });
  connection.onCodeAction(async (params) => {
    const open = pathOf(session, params.textDocument.uri);
    if (!session.workspace || !open || !CODE_FILE.test(open.path)) return [];
    return codeActions(open.document, open.path, params.range.start.line + 1, await session.observe);
  });
  connection.onCodeActionResolve(async (action) => {
    const { workspace } = session;
    if (!workspace) return action;
    return resolveCodeAction(action, {
      connection,
      workspace,
      documents,
      observe: await session.observe,
      env,
      log,
    });
  });
  connection.onHover(async ({ textDocument, position }) => {
    const { history } = session;
    const open = pathOf(session, textDocument.uri);
    if (!history || !open || !isTestFile(open.path)) return null;
    return testHover(history, open.path, open.document, open.document.offsetAt(position));
  });
  connection.onExecuteCommand(async (params) => {
    const { workspace } = session;
    if (!workspace) return null;
    return executeCommand(params, { connection, workspace, documents, env, log });
  });
}

/** The history of the test under the cursor, or why it cannot be read. */
async function testHover(history: HistoryRecords, path: string, document: TextDocument, offset: number) {
  const test = testAt(path, document.getText(), offset);
  if (!test) return null;
  const records = await history.read().catch((error: Error) => error);
  if (records instanceof Error)
    return {
      contents: {
        kind: 'markdown' as const,
        value: `**testloop**: the test history could not be read (${records.message})`,
      },
    };
  return historyHover(path, test, recordOf(records, path, test));
}

/** The client's workspace root, when it names one on disk. */
function rootOf(params: InitializeParams): string | undefined {
  const uri = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
  if (uri?.startsWith('file:')) return fileURLToPath(uri);
  return params.rootPath ?? undefined;
}
