import type { WindowAttempt, WindowTest } from './types.ts';

/** A row of a store's per-test summary query (see the stores' SUMMARY_SQL): the test and its counts. */
export type TestSummary = Omit<WindowTest, 'attempts'> & { loud: boolean };

/** An attempt of a loud test as a store reads it: the test's names come from its summary. */
export type LoudAttempt = Omit<WindowAttempt, 'testId' | 'file' | 'suite' | 'name'>;

/**
 * WindowTests from a store's two reads in test id order: one summary per test, and the attempts of the
 * tests whose summary says `loud`, those of one test together.
 */
export async function* mergeWindowTests(
  summaries: AsyncIterable<TestSummary>,
  loudAttempts: AsyncIterable<LoudAttempt>,
): AsyncGenerator<WindowTest> {
  const attempts = loudAttempts[Symbol.asyncIterator]();
  let next: IteratorResult<LoudAttempt> | undefined;
  try {
    for await (const { loud, ...test } of summaries) {
      if (!loud) {
        yield test;
        continue;
      }
      next ??= await attempts.next();
      const own: WindowAttempt[] = [];
      while (!next.done && next.value.test === test.test) {
        const { testId, file, suite, name } = test;
        own.push({ ...next.value, testId, file, suite, name });
        next = await attempts.next();
      }
      if (own.length === 0) throw new Error(`the attempts of test ${test.testId} are not in test order`);
      yield { ...test, attempts: own };
    }
  } finally {
    await attempts.return?.();
  }
}

/**
 * Hands `each` the WindowTests summed up from attemptsByTest, for a store that does not give testsByTest
 * (or a window where its sums do not pay). A callback, not a generator: a generator step per test costs
 * seconds over millions of tests.
 */
export async function forEachWindowTest(
  attemptsByTest: AsyncIterable<WindowAttempt>,
  outageRuns: ReadonlySet<number>,
  each: (test: WindowTest) => void,
): Promise<void> {
  let current: WindowAttempt[] = [];
  for await (const attempt of attemptsByTest) {
    if (current.length > 0 && attempt.test !== current[0]!.test) {
      each(summedTest(current, outageRuns));
      current = [];
    }
    current.push(attempt);
  }
  if (current.length > 0) each(summedTest(current, outageRuns));
}

/** The WindowTest of one test's attempts (those of attemptsByTest for it). */
function summedTest(attempts: WindowAttempt[], outageRuns: ReadonlySet<number>): WindowTest {
  const { test, testId, file, suite, name } = attempts[0]!;
  let executed = 0;
  let counted = 0;
  let loud = false;
  for (const attempt of attempts) {
    if (attempt.status === 'skipped') continue;
    executed++;
    if (!outageRuns.has(attempt.run)) counted++;
    if (attempt.status !== 'passed' || attempt.retry > 0) loud = true;
  }
  const summary: WindowTest = { test, testId, file, suite, name, executed, counted };
  if (loud) summary.attempts = attempts;
  return summary;
}
