import type { ReportStream, TestAttempt } from './types.ts';

const MAX_WARNINGS = 50;

/** Collects warnings for one read; the same warning is kept once, and the list stays short. */
export class Warnings {
  readonly list: string[] = [];
  private readonly seen = new Set<string>();
  private dropped = 0;

  add(message: string): void {
    if (this.seen.has(message)) return;
    if (this.list.length >= MAX_WARNINGS) {
      this.dropped++;
      this.list[MAX_WARNINGS - 1] = `… and ${this.dropped} more warnings`;
      return;
    }
    this.seen.add(message);
    this.list.push(message);
  }
}

/**
 * A ReportStream over a producer of batches (one per read chunk). Attempts are handed out from the
 * current batch with already-resolved promises, which costs far less per attempt than an async
 * generator's `yield`; `warnings` is complete once iteration has finished.
 */
export function reportStream(
  produce: (warnings: Warnings) => AsyncGenerator<TestAttempt[], void, undefined>,
): ReportStream {
  const warnings = new Warnings();
  return {
    get warnings() {
      return warnings.list;
    },
    [Symbol.asyncIterator]() {
      return new BatchIterator(produce(warnings));
    },
  };
}

class BatchIterator implements AsyncIterator<TestAttempt> {
  private batch: TestAttempt[] = [];
  private index = 0;

  constructor(private readonly batches: AsyncGenerator<TestAttempt[], void, undefined>) {}

  next(): Promise<IteratorResult<TestAttempt>> {
    if (this.index < this.batch.length) {
      return Promise.resolve({ value: this.batch[this.index++]!, done: false });
    }
    return this.refill();
  }

  private async refill(): Promise<IteratorResult<TestAttempt>> {
    for (;;) {
      const next = await this.batches.next();
      if (next.done) return { value: undefined, done: true };
      if (next.value.length === 0) continue;
      this.batch = next.value;
      this.index = 1;
      return { value: this.batch[0]!, done: false };
    }
  }

  /** `break` out of a for-await closes the file. */
  async return(): Promise<IteratorResult<TestAttempt>> {
    this.batch = [];
    await this.batches.return(undefined);
    return { value: undefined, done: true };
  }
}
