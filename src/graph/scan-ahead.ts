import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { distScript } from '../util/dist-script.ts';
import type { ParsedModule } from './types.ts';

export interface ScanRequest {
  root: string;
  /** Repository-relative paths, in the order the caller takes them. */
  files: string[];
  /** Files per claim: the thread and the caller each take whole chunks. */
  chunk: number;
  /** Int32 next unclaimed chunk, then one byte per chunk: who claimed it (CLAIMED_BY). */
  claims: SharedArrayBuffer;
}

/** One chunk the thread scanned: its index and a result per file, in order. */
export interface ScannedChunk {
  chunk: number;
  results: ScanResult[];
}

/** A file the worker read: its imports as the lexer saw them, or its text where the full parser must read it. */
export type ScanResult = { parsed: ParsedModule } | { text: string } | { missing: true };

export const CLAIMED_BY = { nobody: 0, thread: 1, caller: 2 } as const;

/** Below this many files to read, starting a thread costs more than it saves. */
const MIN_FILES = 1500;
/** Small enough that the caller seldom waits on a chunk in progress, large enough that messages stay few. */
const CHUNK = 48;

/**
 * Reads and scans a cold build's files on a second thread, started as soon as the file list is known, so
 * the thread works while the caller is still busy elsewhere (reading runner configs). The thread and the
 * caller claim chunks of the list from one shared counter: the thread claims the next chunk as soon as it is
 * done with one; the caller, walking the list in order, claims a chunk nobody has claimed when it gets
 * there and scans that one itself. So whichever side has time does the reading, and no file is read twice.
 * `take(file)` gives the thread's result for a file in one of its chunks, and undefined for any other file
 * (the caller reads that one); when the thread cannot start or fails, every take is undefined from then on.
 */
export class ScanAhead {
  readonly #index: Map<string, number>;
  readonly #chunks = new Map<number, ScanResult[]>();
  /** Chunks this side claimed: scanned by the caller when it gets there. */
  readonly #mine = new Set<number>();
  readonly #next: Int32Array;
  readonly #owner: Uint8Array;
  readonly #count: number;
  #worker: Worker | undefined;
  #failed = false;
  #exited!: () => void;
  /** Settles when the thread has stopped: every chunk it claimed has been posted, or it failed. */
  readonly stopped = new Promise<void>((resolve) => {
    this.#exited = resolve;
  });
  #wake: (() => void) | undefined;

  private constructor(root: string, files: string[], script: string) {
    this.#index = new Map(files.map((file, i) => [file, i]));
    this.#count = Math.ceil(files.length / CHUNK);
    const claims = new SharedArrayBuffer(4 + this.#count);
    this.#next = new Int32Array(claims, 0, 1);
    this.#owner = new Uint8Array(claims, 4, this.#count);
    const worker = new (workerThreads().Worker)(script, {
      workerData: { root, files, chunk: CHUNK, claims } satisfies ScanRequest,
    });
    this.#worker = worker;
    worker.on('message', ({ chunk, results }: ScannedChunk) => {
      this.#chunks.set(chunk, results);
      this.#notify();
    });
    // After an exit every result has arrived (take looks there first), or the thread failed.
    const stop = () => {
      this.#failed = true;
      this.#worker = undefined;
      this.#notify();
      this.#exited();
    };
    worker.on('error', stop);
    worker.on('exit', stop);
    // A build that ends without taking every result must not wait for the thread to exit (see take).
    worker.unref();
  }

  /**
   * A thread for `toRead`, or undefined when there are too few files, no built worker, or (unless
   * `always`) no core to spare.
   */
  static start(root: string, toRead: readonly string[], always = false): ScanAhead | undefined {
    if (toRead.length < MIN_FILES || (!always && !spareCore())) return undefined;
    const script = distScript('graph/scan-worker.js');
    if (script === undefined) return undefined;
    try {
      return new ScanAhead(root, [...toRead], script);
    } catch {
      return undefined;
    }
  }

  /** The thread's result for `file`, or undefined when the caller must read it (see the class comment). */
  async take(file: string): Promise<ScanResult | undefined> {
    const i = this.#index.get(file);
    if (i === undefined) return undefined;
    const chunk = Math.floor(i / CHUNK);
    if (this.#mine.has(chunk) || !this.#threadOwns(chunk)) return undefined;
    for (;;) {
      const results = this.#chunks.get(chunk);
      if (results !== undefined) return results[i - chunk * CHUNK];
      const worker = this.#worker;
      if (this.#failed || worker === undefined) return undefined;
      // Unreferenced, the thread would let the process exit while this waits for it.
      worker.ref();
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      worker.unref();
    }
  }

  /** Stops the thread if it is still running (the build ended early). */
  close(): void {
    void this.#worker?.terminate();
  }

  /**
   * Whether the thread claimed `chunk`. An unclaimed chunk is claimed here: the counter hands out chunks in
   * order, so a claim that returns a later chunk means the thread took this one meanwhile, and the later
   * one is this side's to scan when it gets there. A chunk the counter has passed but nobody has marked
   * yet is the thread's: this side marks its claims at once, and the thread's mark follows its claim (it
   * is not waited for: the thread may be off the core for a while between the two).
   */
  #threadOwns(chunk: number): boolean {
    for (;;) {
      const mark = Atomics.load(this.#owner, chunk);
      if (mark !== CLAIMED_BY.nobody) return mark === CLAIMED_BY.thread;
      if (Atomics.load(this.#next, 0) > chunk) return true;
      const claimed = Atomics.add(this.#next, 0, 1);
      if (claimed >= this.#count) return true;
      Atomics.store(this.#owner, claimed, CLAIMED_BY.caller);
      this.#mine.add(claimed);
      if (claimed === chunk) return false;
      if (claimed > chunk) return true;
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/**
 * Whether another thread would get a core of its own: on a machine whose cores are all busy, it would only
 * take turns with the main thread and add its own start-up (about a tenth more CPU in all). The threads
 * runnable right now say it best (Linux's /proc/loadavg counts them, this one included); the one-minute load
 * average, which still counts whatever ran just before (an install, another tool), is the fallback elsewhere.
 */
function spareCore(): boolean {
  const cores = availableParallelism();
  if (cores < 2) return false;
  const runnable = runnableNow();
  // This thread is one of them: as with the load average, one other is still room for a second thread.
  if (runnable !== undefined) return runnable <= cores;
  // loadavg is [0, 0, 0] where the platform has none (Windows): a core is assumed free there.
  return loadavg()[0]! <= cores - 1;
}

/** Runnable threads system-wide (the 4th field of /proc/loadavg, "running/total"), undefined off Linux. */
function runnableNow(): number | undefined {
  try {
    const field = readFileSync('/proc/loadavg', 'latin1').split(' ')[3];
    const running = Number(field?.split('/')[0]);
    return Number.isInteger(running) && running > 0 ? running : undefined;
  } catch {
    return undefined;
  }
}

/**
 * worker_threads loads only when a cold build starts a worker: a warm run, which never does, is spared
 * the module (several ms of a run that takes about a hundred).
 */
function workerThreads(): typeof import('node:worker_threads') {
  return createRequire(import.meta.url)('node:worker_threads');
}
