import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readReport } from '../../src/junit/registry.ts';
import { type TestAttempt, testIdOf } from '../../src/junit/types.ts';
import { fixtures, readAll } from './read.ts';

async function attempts(file: string): Promise<TestAttempt[]> {
  return readAll(readReport(join(fixtures, file)));
}

/** The last attempt per test: what the run concluded. */
function finalOutcomes(list: TestAttempt[]): Map<string, { status: string; message: string | undefined }> {
  const out = new Map<string, { status: string; message: string | undefined }>();
  for (const a of list) out.set(a.testId, { status: a.status, message: a.message?.split('\n')[0] });
  return out;
}

describe('one test, one TestId, whatever reported it', () => {
  it('vitest JUnit, jest-junit (separator + file attribute) and vitest logs agree', async () => {
    const vitestJunit = await attempts('vitest/junit.xml');
    const jestJunit = await attempts('jest-junit/configured.xml');
    const verboseLog = await attempts('logs/vitest/verbose.txt');
    const defaultLog = await attempts('logs/vitest/default.txt');
    const item = 'test/cart.test.ts › Cart › add › item';
    const rejects = 'test/cart.test.ts › Cart › add › rejects negative quantity';
    for (const source of [vitestJunit, jestJunit, verboseLog]) {
      expect(source.map((a) => a.testId)).toContain(item);
      expect(source.find((a) => a.testId === item)).toMatchObject({
        file: 'test/cart.test.ts',
        suite: ['Cart', 'add'],
        name: 'item',
        status: 'passed',
      });
    }
    for (const source of [vitestJunit, jestJunit, verboseLog, defaultLog]) {
      expect(source.find((a) => a.testId === rejects)?.status).toBe('failed');
    }
  });

  it('vitest JUnit and the vitest verbose log give the same tests, outcomes and messages', async () => {
    const junit = finalOutcomes(await attempts('vitest/junit.xml'));
    const log = finalOutcomes(await attempts('logs/vitest/verbose.txt'));
    expect([...log.keys()].sort()).toEqual([...junit.keys()].sort());
    for (const [id, outcome] of junit) expect(log.get(id), id).toEqual(outcome);
  });

  it('pytest JUnit XML and the pytest log agree', async () => {
    const xml = finalOutcomes(await attempts('pytest/xunit2.xml'));
    const log = finalOutcomes(await attempts('logs/pytest/verbose.txt'));
    for (const id of [
      'tests/test_cart.py › test_add',
      'tests/test_cart.py › TestCart › test_remove',
      'tests/test_cart.py › TestCart › test_total[2-4]',
      'tests/test_cart.py › test_coupon',
      'tests/test_cart.py › test_rounding',
      'tests/unit/db_test.py › test_connect',
      'tests/test_broken.py › (file)',
    ]) {
      expect(log.get(id), id).toEqual(xml.get(id));
    }
    // The teardown error reads the same from a merged pair of testcases and from the -v log.
    const xunit1 = finalOutcomes(await attempts('pytest/xunit1.xml'));
    expect(log.get('tests/test_db.py › test_query')).toEqual(xunit1.get('tests/test_db.py › test_query'));
  });

  it('node:test TAP, spec and JUnit reporters agree', async () => {
    const junit = finalOutcomes(await attempts('node-test/junit.xml'));
    const spec = finalOutcomes(await attempts('logs/node-test/spec.txt'));
    const tap = finalOutcomes(await attempts('logs/node-test/tap.txt'));
    expect([...spec.keys()]).toEqual([...junit.keys()]);
    expect(tap).toEqual(spec);
    for (const [id, outcome] of spec) {
      // Node's JUnit reporter flattens the multi-line deep-equal message into one line.
      if (id === 'compares totals') expect(junit.get(id)?.status).toBe(outcome.status);
      else expect(junit.get(id), id).toEqual(outcome);
    }
  });

  it('jest log and jest-junit defaults differ exactly where jest-junit loses describe boundaries', async () => {
    const log = await attempts('logs/jest/verbose.txt');
    const junit = await attempts('jest-junit/default.xml');
    expect(log.map((a) => a.testId)).toContain('test/cart.test.js › Cart › add › item');
    // Without addFileAttribute there is no file, and "add item" cannot be split: documented rule.
    expect(junit.map((a) => a.testId)).toContain('Cart › add item');
    // Where no boundary is lost the path agrees (modulo the file jest-junit did not write).
    expect(log.find((a) => a.name === 'reads the price')?.suite).toEqual(
      junit.find((a) => a.name === 'reads the price')?.suite,
    );
    expect(junit.find((a) => a.name === '(file)')?.testId).toBe('test/broken.test.js › (file)');
    expect(log.find((a) => a.name === '(file)')?.testId).toBe('test/broken.test.js › (file)');
  });

  it('testIdOf joins file, suite and name with " › ", leaving empty parts out', () => {
    expect(testIdOf('test/a.test.ts', ['A', 'b'], 'c')).toBe('test/a.test.ts › A › b › c');
    expect(testIdOf('', ['A', '', 'b'], 'c')).toBe('A › b › c');
    expect(testIdOf('', [], 'c')).toBe('c');
    expect(testIdOf('f.py', [], '')).toBe('f.py');
    const parts = ['x', 'y z'];
    expect(testIdOf('f', parts, 'n')).toBe(['f', ...parts, 'n'].filter((p) => p !== '').join(' › '));
  });
});
