import { type Connection, MessageType, ShowMessageNotification } from 'vscode-languageserver/node';

/**
 * A window/showMessage notification: the user reads it, nothing waits for an answer (showXMessage of the
 * library sends window/showMessageRequest, which a client may leave unanswered).
 */
export function tell(connection: Connection, type: 'info' | 'warning' | 'error', message: string): void {
  const level =
    type === 'info' ? MessageType.Info : type === 'warning' ? MessageType.Warning : MessageType.Error;
  try {
    connection.sendNotification(ShowMessageNotification.type, { type: level, message }).catch(() => {});
  } catch {
    // A session that already ended has no one to tell.
  }
}
