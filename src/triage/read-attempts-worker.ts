import { parentPort } from 'node:worker_threads';
import { readReport } from '../junit/registry.ts';
import {
  ATTEMPTS_PER_MESSAGE,
  type FromReader,
  flattenAttempt,
  MESSAGES_AHEAD,
  type ToReader,
} from './read-attempts-protocol.ts';

/**
 * The thread that parses an ingest's reports while the ingesting thread writes the attempts read before.
 * See readAttemptsInWorker in read-attempts.ts.
 */
const port = parentPort;
if (!port) throw new Error('read-attempts-worker runs as a worker thread');

let credits = MESSAGES_AHEAD;
let wake: (() => void) | undefined;

const send = (message: FromReader) => port.postMessage(message);

async function read(files: readonly string[]): Promise<void> {
  let values: unknown[] = [];
  let count = 0;
  const flush = async () => {
    if (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
    credits--;
    send({ type: 'attempts', values, count });
    values = [];
    count = 0;
  };
  for (const file of files) {
    const stream = readReport(file);
    for await (const attempt of stream) {
      flattenAttempt(attempt, values);
      if (++count >= ATTEMPTS_PER_MESSAGE) await flush();
    }
    if (stream.warnings.length > 0) send({ type: 'warnings', warnings: [...stream.warnings] });
  }
  if (count > 0) await flush();
}

port.on('message', (message: ToReader) => {
  if (message.type === 'more') {
    credits++;
    wake?.();
    wake = undefined;
    return;
  }
  credits = MESSAGES_AHEAD;
  read(message.files).then(
    () => send({ type: 'done' }),
    (error: unknown) => {
      const { code, message, stack } = error as { code?: unknown; message?: unknown; stack?: unknown };
      send({
        type: 'error',
        ...(typeof code === 'string' ? { code } : {}),
        message: String(message ?? error),
        ...(typeof stack === 'string' ? { stack } : {}),
      });
    },
  );
});
