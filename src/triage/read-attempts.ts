import { Worker } from 'node:worker_threads';
import { type ErrorCode, TestloopError } from '../errors.ts';
import type { AttemptBatches } from '../history/rows.ts';
import type { TestAttempt } from '../junit/types.ts';
import { distScript } from '../util/dist-script.ts';
import { type FromReader, type ToReader, unflattenAttempts } from './read-attempts-protocol.ts';

/**
 * What a worker read: its attempts in batches (for the store), then the warnings and the attempt count.
 * Also iterable attempt by attempt, for a store written before batches (HistoryStore is public).
 */
export interface WorkerAttempts extends AttemptBatches, AsyncIterable<TestAttempt> {
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
  const batches = readBatches(script, files, result);
  return {
    get warnings() {
      return result.warnings;
    },
    get attempts() {
      return result.attempts;
    },
    attemptBatches: batches,
    async *[Symbol.asyncIterator]() {
      for await (const batch of batches) yield* batch;
    },
  };
}

/** An idle reader that fails or exits is dropped, not handed to the next ingest (nor left unheard). */
function park(worker: Worker): void {
  const drop = () => {
    if (idle === worker) idle = undefined;
  };
  worker.once('error', drop);
  worker.once('exit', drop);
  worker.unref();
  idle = worker;
}

function unpark(worker: Worker): void {
  worker.removeAllListeners('error');
  worker.removeAllListeners('exit');
}

async function* readBatches(
  script: string,
  files: readonly string[],
  result: { warnings: string[]; attempts: number },
): AsyncGenerator<TestAttempt[]> {
  const worker = idle ?? new Worker(script);
  idle = undefined;
  unpark(worker);
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
    if (reusable && idle === undefined) park(worker);
    else void worker.terminate();
  }
}

/** The reader's error as reading on this thread would have thrown it: a TestloopError keeps its code. */
function readerError(message: Extract<FromReader, { type: 'error' }>): Error {
  const code = message.code;
  const error =
    code?.startsWith('TESTLOOP_') === true
      ? new TestloopError(code as ErrorCode, message.message)
      : Object.assign(new Error(message.message), code === undefined ? {} : { code });
  if (message.stack) error.stack = message.stack;
  return error;
}
