import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { distScript } from '../util/dist-script.ts';
import type { ParsedModule } from './types.ts';

export interface ScanRequest {
  root: string;
  /** Repository-relative paths, in the order the results come back. */
  files: string[];
}

/** A file the worker read: its imports as the lexer saw them, or its text where the full parser must read it. */
export type ScanResult = { parsed: ParsedModule } | { text: string } | { missing: true };

/** Below this many files to read, starting a thread costs more than it saves. */
const MIN_FILES = 1500;
/** The worker's share of the files: the main thread also resolves every file's imports. */
const WORKER_SHARE = 0.55;

/**
 * Reads and scans the tail of a cold build's files on a second thread while the main thread works through
 * the head: on a machine with a free core, about half the reading and lexing happens meanwhile. `take(file)`
 * gives a tail file's result in order (undefined for a file of the head); when the thread cannot start or
 * fails, every take is undefined from then on and the caller reads the file itself.
 */
export class ScanAhead {
  readonly #results = new Map<string, ScanResult>();
  readonly #assigned: Set<string>;
  #worker: Worker | undefined;
  #failed = false;
  #wake: (() => void) | undefined;

  private constructor(root: string, tail: string[], script: string) {
    this.#assigned = new Set(tail);
    const worker = new (workerThreads().Worker)(script, {
      workerData: { root, files: tail } satisfies ScanRequest,
    });
    this.#worker = worker;
    let next = 0;
    worker.on('message', (batch: ScanResult[]) => {
      for (const result of batch) this.#results.set(tail[next++]!, result);
      this.#notify();
    });
    const stop = () => {
      if (next < tail.length) this.#failed = true;
      this.#worker = undefined;
      this.#notify();
    };
    worker.on('error', stop);
    worker.on('exit', stop);
  }

  /**
   * A worker for the tail of `toRead`, or undefined when there are too few files, no built worker, or
   * (unless `always`) no core to spare.
   */
  static start(root: string, toRead: readonly string[], always = false): ScanAhead | undefined {
    if (toRead.length < MIN_FILES || (!always && !spareCore())) return undefined;
    const script = distScript('graph/scan-worker.js');
    if (script === undefined) return undefined;
    const tail = toRead.slice(Math.floor(toRead.length * (1 - WORKER_SHARE)));
    try {
      return new ScanAhead(root, tail, script);
    } catch {
      return undefined;
    }
  }

  async take(file: string): Promise<ScanResult | undefined> {
    if (!this.#assigned.has(file)) return undefined;
    for (;;) {
      const result = this.#results.get(file);
      if (result !== undefined) {
        this.#results.delete(file);
        return result;
      }
      if (this.#failed || this.#worker === undefined) return undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  /** Stops the thread if it is still running (the build ended early). */
  close(): void {
    void this.#worker?.terminate();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/**
 * Whether another thread would get a core of its own: on a machine whose cores are all busy, it would
 * only take turns with the main thread and add its own start-up (about a tenth more CPU in all).
 */
function spareCore(): boolean {
  const cores = availableParallelism();
  // loadavg is [0, 0, 0] where the platform has none (Windows): a core is assumed free there.
  return cores > 1 && loadavg()[0]! <= cores - 1;
}

/**
 * worker_threads loads only when a cold build starts a worker: a warm run, which never does, is spared
 * the module (several ms of a run that takes about a hundred).
 */
function workerThreads(): typeof import('node:worker_threads') {
  return createRequire(import.meta.url)('node:worker_threads');
}
