// The VS Code client of `testloop lsp`: it starts the language server in the workspace folder and hands
// it the JavaScript and TypeScript files; every feature (diagnostics, lenses, code actions, hovers) is
// the server's.
import { type ExtensionContext, window, workspace } from 'vscode';
import { LanguageClient, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { splitCommand } from './command.mts';

const LANGUAGES = ['javascript', 'javascriptreact', 'typescript', 'typescriptreact'];

let client: LanguageClient | undefined;

export async function activate(context: ExtensionContext): Promise<void> {
  context.subscriptions.push(
    workspace.onDidChangeConfiguration(async (event) => {
      if (!event.affectsConfiguration('testloop.path')) return;
      await stop();
      await start();
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await stop();
}

async function start(): Promise<void> {
  // The server reads the repository of one folder (its git history, coverage and tests): the first one.
  const folder = workspace.workspaceFolders?.[0];
  if (folder === undefined) return;
  const setting = workspace.getConfiguration('testloop').get<string>('path', 'npx testloop');
  const [command, ...args] = splitCommand(setting);
  if (command === undefined) {
    void window.showErrorMessage(
      'testloop: the setting testloop.path is empty; set it to the testloop command',
    );
    return;
  }
  const serverOptions: ServerOptions = {
    command,
    args: [...args, 'lsp', '--stdio'],
    // npx and npm-installed bins are .cmd scripts on Windows: only a shell starts them there.
    options: { cwd: folder.uri.fsPath, shell: process.platform === 'win32' },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: LANGUAGES.map((language) => ({ scheme: 'file', language })),
  };
  client = new LanguageClient('testloop', 'testloop', serverOptions, clientOptions);
  try {
    await client.start();
  } catch (error) {
    client = undefined;
    void window.showErrorMessage(
      `testloop: the language server did not start with \`${setting} lsp --stdio\` (${String(error)}). Install testloop in the project or set testloop.path`,
    );
  }
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  await running?.stop();
}
