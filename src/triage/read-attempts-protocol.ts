import type { AttemptStatus, TestAttempt } from '../junit/types.ts';

/** Messages between ingest and the thread that reads its reports (read-attempts-worker.ts). */
export type ToReader = { type: 'read'; files: string[] } | { type: 'more' };

export type FromReader =
  /** Attempts as flat values (see flattenAttempt): arrays of plain values clone far faster than objects. */
  | { type: 'attempts'; values: unknown[]; count: number }
  | { type: 'warnings'; warnings: string[] }
  | { type: 'done' }
  | { type: 'error'; code?: string; message: string; stack?: string };

/** Attempts a message carries: small enough to keep both threads busy, large enough to cost little each. */
export const ATTEMPTS_PER_MESSAGE = 2_000;

/** Messages the reader may send ahead of the writer: bounds the memory of a fast reader and a slow store. */
export const MESSAGES_AHEAD = 4;

/** Ten fields, then the suite's length and its parts. */
export function flattenAttempt(attempt: TestAttempt, into: unknown[]): void {
  into.push(
    attempt.testId,
    attempt.file,
    attempt.name,
    attempt.status,
    attempt.durationMs,
    attempt.retry,
    attempt.message,
    attempt.stack,
    attempt.output,
    attempt.errorType,
    attempt.suite.length,
  );
  for (const part of attempt.suite) into.push(part);
}

export function unflattenAttempts(values: readonly unknown[]): TestAttempt[] {
  const attempts: TestAttempt[] = [];
  for (let at = 0; at < values.length; ) {
    const attempt: TestAttempt = {
      testId: values[at] as string,
      file: values[at + 1] as string,
      name: values[at + 2] as string,
      status: values[at + 3] as AttemptStatus,
      durationMs: values[at + 4] as number,
      retry: values[at + 5] as number,
      suite: [],
    };
    if (values[at + 6] !== undefined) attempt.message = values[at + 6] as string;
    if (values[at + 7] !== undefined) attempt.stack = values[at + 7] as string;
    if (values[at + 8] !== undefined) attempt.output = values[at + 8] as string;
    if (values[at + 9] !== undefined) attempt.errorType = values[at + 9] as string;
    const parts = values[at + 10] as number;
    at += 11;
    for (let end = at + parts; at < end; at++) attempt.suite.push(values[at] as string);
    attempts.push(attempt);
  }
  return attempts;
}
