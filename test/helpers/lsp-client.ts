import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection,
  type Diagnostic,
  type ProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';
import { startLanguageServer } from '../../src/lsp/server.ts';

export interface LspSession {
  connection: ProtocolConnection;
  /** Every diagnostics notification so far, in order. */
  published: { uri: string; diagnostics: Diagnostic[] }[];
  messages: { type: number; message: string }[];
  progress: unknown[];
  /** workspace/applyEdit requests the server made (each answered as applied). */
  edits: unknown[];
  /** How often the server asked for the lenses to be asked again. */
  lensRefreshes(): number;
  uri(path: string): string;
  /** The next diagnostics for `path` that satisfy `accept` (published from now on, or already). */
  diagnostics(path: string, accept?: (d: Diagnostic[]) => boolean, after?: number): Promise<Diagnostic[]>;
  open(path: string, text: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The language server started in this process and reached through vscode-languageserver-protocol's own
 * client side over a pair of streams, as an editor reaches it over a child's stdio.
 */
export async function startLspSession(
  root: string,
  initializationOptions: Record<string, unknown> = {},
  serverOptions: Partial<Parameters<typeof startLanguageServer>[0]> = {},
): Promise<LspSession> {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const server = startLanguageServer({
    cwd: root,
    env: { ...process.env, TESTLOOP_DATABASE_URL: '' },
    streams: { input: toServer, output: toClient },
    ...serverOptions,
  });
  const connection = createProtocolConnection(
    new StreamMessageReader(toClient),
    new StreamMessageWriter(toServer),
  );
  const published: LspSession['published'] = [];
  const messages: LspSession['messages'] = [];
  const progress: unknown[] = [];
  let refreshes = 0;
  const waiters = new Set<() => void>();
  connection.onNotification('textDocument/publishDiagnostics', (params) => {
    published.push(params);
    for (const wake of [...waiters]) wake();
  });
  connection.onNotification('window/showMessage', (params) => {
    messages.push(params);
  });
  connection.onNotification('$/progress', (params) => {
    progress.push(params);
  });
  connection.onRequest('window/workDoneProgress/create', () => null);
  connection.onRequest('workspace/codeLens/refresh', () => {
    refreshes++;
    return null;
  });
  const edits: unknown[] = [];
  connection.onRequest('workspace/applyEdit', (params) => {
    edits.push(params);
    return { applied: true };
  });
  connection.listen();
  const initialized = connection.sendRequest('initialize', {
    processId: null,
    rootUri: pathToFileURL(root).href,
    capabilities: {
      window: { workDoneProgress: true },
      workspace: { codeLens: { refreshSupport: true }, applyEdit: true },
      textDocument: { codeAction: { resolveSupport: { properties: ['edit'] }, dataSupport: true } },
    },
    initializationOptions,
  });
  await initialized.catch((error: unknown) => {
    connection.dispose();
    server.connection.dispose();
    throw error;
  });
  await connection.sendNotification('initialized', {});
  const uri = (path: string) => pathToFileURL(`${root}/${path}`).href;
  return {
    connection,
    published,
    messages,
    progress,
    edits,
    lensRefreshes: () => refreshes,
    uri,
    diagnostics: (path, accept = () => true, after = 0) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no diagnostics for ${path} as expected; got ${JSON.stringify(published)}`));
        }, 20_000);
        const check = () => {
          const found = published.slice(after).find((p) => p.uri === uri(path) && accept(p.diagnostics));
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found.diagnostics);
        };
        waiters.add(check);
        check();
      }),
    open: (path, text) =>
      connection.sendNotification('textDocument/didOpen', {
        textDocument: { uri: uri(path), languageId: 'typescript', version: 1, text },
      }),
    close: async () => {
      await connection.sendRequest('shutdown');
      connection.dispose();
      // No exit notification: by the protocol it ends the server's process, here the test's own.
      server.connection.dispose();
    },
  };
}
