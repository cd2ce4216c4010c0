import {
  BoundedText,
  bounded,
  errorTypeOf,
  firstLine,
  MESSAGE_LIMIT,
  nonEmpty,
  OUTPUT_LIMIT,
  STACK_LIMIT,
} from '../text.ts';

export { errorTypeOf };

import { type AttemptStatus, type TestAttempt, testIdOf } from '../types.ts';

export interface FailureDetails {
  message?: string;
  stack?: string;
  errorType?: string;
  output?: string;
}

export function makeAttempt(
  file: string,
  suite: string[],
  name: string,
  status: AttemptStatus,
  durationMs: number,
  retry: number,
  details?: FailureDetails,
): TestAttempt {
  const attempt: TestAttempt = {
    testId: testIdOf(file, suite, name),
    file,
    suite,
    name,
    status,
    durationMs,
    retry,
  };
  if (details !== undefined) {
    const message = nonEmpty(details.message);
    if (message !== undefined) attempt.message = bounded(message, MESSAGE_LIMIT, 0.75);
    const stack = nonEmpty(details.stack);
    if (stack !== undefined) attempt.stack = bounded(stack, STACK_LIMIT, 0.75);
    if (details.errorType !== undefined && details.errorType !== '') attempt.errorType = details.errorType;
    const output = nonEmpty(details.output);
    if (output !== undefined) attempt.output = bounded(output, OUTPUT_LIMIT);
  }
  return attempt;
}

/** The lines of one failure as a log prints it: the message, then the stack, bounded. */
export class ErrorBlock {
  private readonly text = new BoundedText(STACK_LIMIT, 0.75);
  private message: string | undefined;
  private lines = 0;

  add(line: string): void {
    if (this.message === undefined) {
      if (line.trim() === '') return;
      this.message = line.trim();
    }
    if (this.lines > 0) this.text.append('\n');
    this.text.append(line);
    this.lines++;
  }

  /** Sets the message (when the runner prints it separately from the block). */
  setMessage(message: string): void {
    this.message = message;
  }

  details(output?: string): FailureDetails {
    const stack = this.text.toString();
    const message = this.message ?? (stack === '' ? undefined : firstLine(stack));
    const details: FailureDetails = { stack };
    if (message !== undefined) details.message = message;
    const type = errorTypeOf(message);
    if (type !== undefined) details.errorType = type;
    if (output !== undefined) details.output = output;
    return details;
  }
}

/** Milliseconds from `12ms`, `1.5s`, `(2 ms)`, `1.2 s`; 0 when absent. */
export function parseDuration(value: string | undefined, unit: string | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) return 0;
  const ms = unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n;
  return Math.round(ms * 1000) / 1000;
}

/** Keeps at most `limit` entries, forgetting the oldest: held-back state in log parsers stays bounded. */
export class BoundedMap<V> extends Map<string, V> {
  constructor(private readonly limit: number) {
    super();
  }

  override set(key: string, value: V): this {
    if (!this.has(key) && this.size >= this.limit) {
      const oldest = this.keys().next();
      if (!oldest.done) this.delete(oldest.value);
    }
    return super.set(key, value);
  }
}
