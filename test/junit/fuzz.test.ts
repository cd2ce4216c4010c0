import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isTestloopError } from '../../src/errors.ts';
import { readerByName } from '../../src/junit/registry.ts';
import { MESSAGE_LIMIT, OUTPUT_LIMIT, STACK_LIMIT } from '../../src/junit/text.ts';
import { type TestAttempt, testIdOf } from '../../src/junit/types.ts';
import { mutate, seededRandom } from '../helpers/mutate.ts';
import { fixtures } from './read.ts';

const MUTATIONS = 1000;
const ALLOWED = new Set(['TESTLOOP_JUNIT_PARSE', 'TESTLOOP_INVALID_UTF8']);
const STATUSES = new Set(['passed', 'failed', 'error', 'skipped']);

const inputs: { file: string; reader: string }[] = [
  { file: 'surefire/TEST-com.example.cart.CartServiceTest.xml', reader: 'junit' },
  { file: 'playwright/results.xml', reader: 'junit' },
  { file: 'playwright/results-include-retries.xml', reader: 'junit' },
  { file: 'jest-junit/default.xml', reader: 'junit' },
  { file: 'vitest/junit.xml', reader: 'junit' },
  { file: 'pytest/xunit2.xml', reader: 'junit' },
  { file: 'pytest/xunit1.xml', reader: 'junit' },
  { file: 'gotestsum/junit.xml', reader: 'junit' },
  { file: 'nested/phpunit.xml', reader: 'junit' },
  { file: 'node-test/junit.xml', reader: 'junit' },
  { file: 'logs/vitest/verbose-gha.txt', reader: 'vitest-log' },
  { file: 'logs/jest/default-color.txt', reader: 'jest-log' },
  { file: 'logs/node-test/tap.txt', reader: 'node-test-log' },
  { file: 'logs/pytest/verbose.txt', reader: 'pytest-log' },
];

const tmp = mkdtempSync(join(tmpdir(), 'testloop-junit-fuzz-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Byte-level damage (mutate.ts), plus XML-level damage that stays well-formed: junk attribute values. */
function damage(input: Buffer, random: () => number): Buffer {
  if (random() >= 0.25) return mutate(input, random);
  const text = input.toString('latin1');
  const attributes = [...text.matchAll(/\s([\w:-]+)="([^"]*)"/g)];
  const target = attributes[Math.floor(random() * attributes.length)];
  if (!target) return mutate(input, random);
  const junk = [
    '',
    ' ',
    '&amp;',
    '&#1114112;',
    '-1',
    '1e400',
    'NaN',
    '1,2,3',
    ' › ',
    ' > ',
    '[x] y',
    '/abs/p.ts',
  ];
  const value = junk[Math.floor(random() * junk.length)]!;
  return Buffer.from(
    `${text.slice(0, target.index)} ${target[1]}="${value}"${text.slice(target.index + target[0].length)}`,
    'latin1',
  );
}

function expectWellFormed(attempt: TestAttempt): void {
  expect(attempt.testId).toBe(testIdOf(attempt.file, attempt.suite, attempt.name));
  expect(STATUSES.has(attempt.status), attempt.status).toBe(true);
  expect(
    Number.isFinite(attempt.durationMs) && attempt.durationMs >= 0,
    `duration ${attempt.durationMs}`,
  ).toBe(true);
  expect(Number.isInteger(attempt.retry) && attempt.retry >= 0, `retry ${attempt.retry}`).toBe(true);
  expect((attempt.message ?? '').length).toBeLessThanOrEqual(MESSAGE_LIMIT + 64);
  expect((attempt.stack ?? '').length).toBeLessThanOrEqual(STACK_LIMIT + 64);
  expect((attempt.output ?? '').length).toBeLessThanOrEqual(OUTPUT_LIMIT + 64);
}

describe('fuzz: damaged reports either read or fail with a stable code', () => {
  it(`${MUTATIONS} seeded mutations`, async () => {
    const random = seededRandom(20_240_501);
    const outcomes = { read: 0, rejected: 0 };
    for (let i = 0; i < MUTATIONS; i++) {
      const input = inputs[i % inputs.length]!;
      const bytes = damage(readFileSync(join(fixtures, input.file)), random);
      const path = join(tmp, `case-${i}${input.file.endsWith('.xml') ? '.xml' : '.txt'}`);
      writeFileSync(path, bytes);
      const attempts: TestAttempt[] = [];
      try {
        for await (const attempt of readerByName(input.reader)!.read(path)) attempts.push(attempt);
        outcomes.read++;
      } catch (error) {
        if (!isTestloopError(error) || !ALLOWED.has(error.code)) {
          throw new Error(`case ${i} (${input.file}) threw ${String(error)}`, { cause: error });
        }
        expect(error.message).toMatch(/^.+:\d+: /);
        outcomes.rejected++;
      }
      for (const attempt of attempts) expectWellFormed(attempt);
    }
    // Both outcomes occur: the fuzzer really damages files, and the readers are not all-or-nothing.
    expect(outcomes.read).toBeGreaterThan(100);
    expect(outcomes.rejected).toBeGreaterThan(100);
  });
});
