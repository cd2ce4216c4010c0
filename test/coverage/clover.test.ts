import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cloverReader } from '../../src/coverage/readers/clover.ts';
import type { CoverageReport } from '../../src/coverage/types.ts';
import { TestloopError } from '../../src/errors.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/coverage/${name}`, import.meta.url));
const options = { srcRoots: [], cwd: process.cwd() };

function byPath(report: CoverageReport) {
  return Object.fromEntries(
    report.files.map((file) => [
      file.path,
      {
        lines: Object.fromEntries(file.lines),
        branches: Object.fromEntries(file.branches),
        functions: file.functions,
      },
    ]),
  );
}

async function readError(path: string): Promise<TestloopError> {
  const error = await cloverReader.read(path, options).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(TestloopError);
  return error as TestloopError;
}

describe('clover reader', () => {
  it('reads istanbul clover.xml, where truecount/falsecount count covered/uncovered branches', async () => {
    const report = await cloverReader.read(fixture('clover/istanbul.xml'), options);
    expect(report.format).toBe('clover');
    expect(report.roots).toEqual([]);
    expect(byPath(report)).toEqual({
      '/home/runner/work/web/web/index.js': {
        lines: { 1: 1, 2: 1, 4: 1, 5: 0, 7: 1 },
        branches: { 4: { taken: 1, total: 2 } },
        functions: [],
      },
      '/home/runner/work/web/web/src/api/client.ts': {
        lines: { 3: 4, 4: 4, 6: 2, 8: 1, 10: 1, 12: 0, 13: 0 },
        branches: { 4: { taken: 3, total: 4 }, 12: { taken: 0, total: 2 } },
        functions: [],
      },
    });
  });

  it('reads PHPUnit clover.xml: name is the path, method lines are functions and lines', async () => {
    const report = await cloverReader.read(fixture('clover/phpunit.xml'), options);
    expect(byPath(report)).toEqual({
      '/home/runner/work/shop/shop/src/Billing/Invoice.php': {
        lines: { 9: 3, 11: 3, 14: 2, 16: 2, 17: 2, 19: 2, 22: 0, 24: 0, 25: 0 },
        branches: {},
        functions: [
          { name: '__construct', line: 9, hits: 3 },
          { name: 'total', line: 14, hits: 2 },
          { name: 'refund', line: 22, hits: 0 },
        ],
      },
      '/home/runner/work/shop/shop/src/helpers.php': {
        lines: { 5: 1, 6: 1, 9: 0 },
        branches: {},
        functions: [],
      },
    });
  });

  it('reads OpenClover clover.xml: true/false evaluation counts, signatures, no <testproject>', async () => {
    const report = await cloverReader.read(fixture('clover/openclover.xml'), options);
    expect(byPath(report)).toEqual({
      '/home/ci/workspace/billing/src/main/java/com/acme/billing/Invoice.java': {
        lines: { 8: 3, 9: 3, 12: 2, 13: 2, 14: 6, 15: 4, 17: 2, 20: 0, 21: 0, 24: 3, 25: 3 },
        branches: { 14: { taken: 2, total: 2 }, 21: { taken: 0, total: 2 }, 25: { taken: 1, total: 2 } },
        functions: [
          { name: 'Invoice(List<Line>)', line: 8, hits: 3 },
          { name: 'total() : long', line: 12, hits: 2 },
          { name: 'isEmpty() : boolean', line: 20, hits: 0 },
          { name: 'hasDiscount() : boolean', line: 24, hits: 3 },
        ],
      },
    });
  });

  it('detects Clover by <project> under <coverage>, not Cobertura or JaCoCo', () => {
    const head = (name: string) => readFileSync(fixture(name), 'latin1').slice(0, 8192);
    for (const name of ['clover/istanbul.xml', 'clover/phpunit.xml', 'clover/openclover.xml']) {
      expect(cloverReader.detect(fixture(name), head(name), false), name).toBe(true);
    }
    for (const name of ['cobertura/istanbul.xml', 'cobertura/coverage-py.xml', 'jacoco/maven.xml']) {
      expect(cloverReader.detect(fixture(name), head(name), false), name).toBe(false);
    }
  });

  it.each([
    ['missing-num.xml', 8, '<line> has no num attribute'],
    ['non-numeric-count.xml', 8, '<line> count="O" is not a non-negative integer'],
    ['negative-truecount.xml', 8, '<line> truecount="-1" is not a non-negative integer'],
    ['unknown-type.xml', 8, '<line> type="statement" is not stmt, cond or method'],
    ['missing-file-name.xml', 5, '<file> has no name attribute'],
    ['no-project.xml', 2, '<coverage> has no <project> element'],
    ['truncated.xml', 9, 'malformed or truncated XML'],
  ])('rejects %s with its line', async (name, line, detail) => {
    const path = fixture(`clover/malformed/${name}`);
    const error = await readError(path);
    expect(error.code).toBe('TESTLOOP_COVERAGE_PARSE');
    expect(error.message).toContain(`${path}:${line}: `);
    expect(error.message).toContain(detail);
  });

  it('rejects invalid UTF-8 naming the line', async () => {
    const path = fixture('clover/malformed/invalid-utf8.xml');
    const error = await readError(path);
    expect(error.code).toBe('TESTLOOP_INVALID_UTF8');
    expect(error.message).toContain(`${path}:21: invalid UTF-8`);
  });

  it('rejects a JaCoCo report by its root element', async () => {
    const error = await readError(fixture('jacoco/maven.xml'));
    expect(error.code).toBe('TESTLOOP_COVERAGE_PARSE');
    expect(error.message).toContain("root element is <report>, expected Clover's <coverage>");
  });
});
