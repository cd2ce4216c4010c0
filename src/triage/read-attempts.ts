import { Worker } from 'node:worker_threads';
import { type ErrorCode, TestloopError } from '../errors.ts';
import type { AttemptBatches } from '../history/rows.ts';
import type { TestAttempt } from '../junit/types.ts';
import { distScript } from '../util/dist-script.ts';
import { type FromReader, type ToReader, unflattenAttempts } from './read-attempts-protocol.ts';

/** What a worker read: its attempts in batches (for the store), then the warnings and the attempt count. */
export interface WorkerAttempts extends AttemptBatches {
  readonly warnings: string[];
  readonly attempts: number;
}

/** One reader thread kept between ingests of a process (a bench or a server ingesting run after run). */
let idle: Worker | undefined;

export function hasIdleReader(): boolean {
  return idle !== undefined;
}

/**
 * Reads the reports on a worker thread, which parses them while this thread writes the attempts read
 * before: ingest then takes about the longer of the two instead of their sum. Undefined when the package
 * is not built (the worker is a file of dist/).
 */
export function readAttemptsInWorker(files: readonly string[]): WorkerAttempts | undefined {
  const script = distScript('triage/read-attempts-worker.js');
  if (script === undefined) return undefined;
  const result = { warnings: [] as string[], attempts: 0 };
  return {
    get warnings() {
      return result.warnings;
    },
    get attempts() {
      return result.attempts;
    },
    attemptBatches: readBatches(script, files, result),
  };
}

async function* readBatches(
  script: string,
  files: readonly string[],
  result: { warnings: string[]; attempts: number },
): AsyncGenerator<TestAttempt[]> {
  const worker = idle ?? new Worker(script);
  idle = undefined;
  const queue: FromReader[] = [];
  let notify: (() => void) | undefined;
  const arrive = (message: FromReader) => {
    queue.push(message);
    notify?.();
  };
  let crashed = false;
  const onError = (error: Error) => {
    crashed = true;
    arrive({ type: 'error', message: error.message, ...(error.stack ? { stack: error.stack } : {}) });
  };
  const onExit = (code: number) => {
    crashed = true;
    arrive({ type: 'error', message: `the report reader thread exited (${code})` });
  };
  worker.on('message', arrive);
  worker.on('error', onError);
  worker.on('exit', onExit);
  worker.ref();
  const post = (message: ToReader) => worker.postMessage(message);
  let reusable = false;
  try {
    post({ type: 'read', files: [...files] });
    for (;;) {
      while (queue.length === 0) await new Promise<void>((resolve) => (notify = resolve));
      const message = queue.shift() as FromReader;
      if (message.type === 'attempts') {
        result.attempts += message.count;
        yield unflattenAttempts(message.values);
        post({ type: 'more' });
      } else if (message.type === 'warnings') result.warnings.push(...message.warnings);
      else if (message.type === 'done') {
        reusable = true;
        return;
      } else {
        // A report the reader refused leaves the thread ready for the next ingest.
        reusable = !crashed;
        throw readerError(message);
      }
    }
  } finally {
    worker.off('message', arrive);
    worker.off('error', onError);
    worker.off('exit', onExit);
    if (reusable && idle === undefined) {
      worker.unref();
      idle = worker;
    } else void worker.terminate();
  }
}

function readerError(message: Extract<FromReader, { type: 'error' }>): Error {
  const error =
    message.code === undefined
      ? new Error(message.message)
      : new TestloopError(message.code as ErrorCode, message.message);
  if (message.stack) error.stack = message.stack;
  return error;
}
