import type { Connection } from 'vscode-languageserver/node';

/**
 * Runs `work` under a server-initiated `$/progress` (window/workDoneProgress): begun with `title`, each line
 * the work reports as a message, ended when it settles. A client without progress support gets none.
 */
export async function withProgress<T>(
  connection: Connection,
  title: string,
  work: (report: (message: string) => void) => Promise<T>,
): Promise<T> {
  const progress = await connection.window.createWorkDoneProgress().catch(() => undefined);
  progress?.begin(title, undefined, undefined, false);
  try {
    return await work((message) => progress?.report(message));
  } finally {
    progress?.done();
  }
}
