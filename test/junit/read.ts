import { join } from 'node:path';
import type { TestAttempt } from '../../src/junit/types.ts';

export const fixtures = join(import.meta.dirname, '../fixtures/junit');

/** testId, status, retry, durationMs and the message's first line (left out when there is none). */
export type Row = [string, TestAttempt['status'], number, number, string?];

export async function readAll(stream: AsyncIterable<TestAttempt>): Promise<TestAttempt[]> {
  const attempts: TestAttempt[] = [];
  for await (const attempt of stream) attempts.push(attempt);
  return attempts;
}

export function rows(attempts: readonly TestAttempt[]): Row[] {
  return attempts.map((a) => {
    const row: Row = [a.testId, a.status, a.retry, a.durationMs];
    if (a.message !== undefined) row.push(a.message.trimStart().split('\n')[0]!.trimEnd());
    return row;
  });
}
