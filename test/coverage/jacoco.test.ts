import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_JACOCO_ROOTS, jacocoReader } from '../../src/coverage/readers/jacoco.ts';
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
  const error = await jacocoReader.read(path, options).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(TestloopError);
  return error as TestloopError;
}

describe('jacoco reader', () => {
  it('reads the Maven plugin jacoco.xml: package paths, constructors by class name, no <clinit>', async () => {
    const report = await jacocoReader.read(fixture('jacoco/maven.xml'), options);
    expect(report.format).toBe('jacoco');
    expect(report.roots).toEqual(['src/main/java', 'src/main/kotlin', 'src/test/java', 'src']);
    expect(byPath(report)).toEqual({
      'com/acme/billing/Invoice.java': {
        lines: { 5: 4, 8: 3, 9: 3, 10: 1, 13: 5, 14: 7, 17: 2, 20: 0, 27: 3, 28: 4, 29: 4, 30: 1, 33: 5 },
        branches: { 14: { taken: 2, total: 2 }, 20: { taken: 0, total: 2 }, 33: { taken: 3, total: 4 } },
        functions: [
          { name: 'Invoice', line: 8, hits: 1 },
          { name: 'total', line: 13, hits: 1 },
          { name: 'isEmpty', line: 20, hits: 0 },
          { name: 'lambda$total$0', line: 14, hits: 1 },
          { name: 'Line', line: 27, hits: 1 },
          { name: 'amount', line: 33, hits: 1 },
        ],
      },
      'com/acme/billing/TaxRule.java': {
        lines: { 3: 0, 6: 0 },
        branches: { 6: { taken: 0, total: 4 } },
        functions: [
          { name: 'TaxRule', line: 3, hits: 0 },
          { name: 'rate', line: 6, hits: 0 },
        ],
      },
      'com/acme/billing/util/Money.kt': {
        lines: { 4: 6, 5: 2 },
        branches: { 5: { taken: 1, total: 2 } },
        functions: [{ name: 'format', line: 4, hits: 1 }],
      },
    });
  });

  it('reads report-aggregate groups, the default package and lines without code', async () => {
    const report = await jacocoReader.read(fixture('jacoco/edge-cases.xml'), {
      ...options,
      srcRoots: ['core/src/main/java'],
    });
    expect(report.roots).toEqual(['core/src/main/java']);
    expect(byPath(report)).toEqual({
      'Main.java': { lines: { 3: 4, 5: 0 }, branches: {}, functions: [{ name: 'main', line: 3, hits: 1 }] },
      'com/acme/api/Handler.java': {
        lines: { 12: 3 },
        branches: {},
        functions: [{ name: 'Route', line: 12, hits: 0 }],
      },
    });
  });

  it('honours an ISO-8859-1 encoding declaration', async () => {
    const report = await jacocoReader.read(fixture('jacoco/iso-8859-1.xml'), options);
    expect(report.files.map((file) => file.path)).toEqual(['com/acme/café/Menü.java']);
    expect(report.files[0]?.lines).toEqual(new Map([[7, 2]]));
  });

  it('detects JaCoCo by its DOCTYPE or <report> root, not Cobertura or Clover', () => {
    const head = (name: string) => readFileSync(fixture(name), 'latin1').slice(0, 8192);
    for (const name of ['jacoco/maven.xml', 'jacoco/edge-cases.xml']) {
      expect(jacocoReader.detect(fixture(name), head(name), false), name).toBe(true);
    }
    for (const name of ['cobertura/istanbul.xml', 'cobertura/cobertura-java.xml', 'clover/openclover.xml']) {
      expect(jacocoReader.detect(fixture(name), head(name), false), name).toBe(false);
    }
    expect(DEFAULT_JACOCO_ROOTS).toContain('src/main/java');
  });

  it.each([
    ['missing-nr.xml', 8, '<line> has no nr attribute'],
    ['non-numeric-ci.xml', 8, '<line> ci="zero" is not a non-negative integer'],
    ['negative-mb.xml', 8, '<line> mb="-4" is not a non-negative integer'],
    ['missing-sourcefile-name.xml', 6, '<sourcefile> has no name attribute'],
  ])('rejects %s with its line', async (name, line, detail) => {
    const path = fixture(`jacoco/malformed/${name}`);
    const error = await readError(path);
    expect(error.code).toBe('TESTLOOP_COVERAGE_PARSE');
    expect(error.message).toContain(`${path}:${line}: ${detail}`);
  });

  it('names the column of a truncated one-line report', async () => {
    const path = fixture('jacoco/malformed/truncated.xml');
    const error = await readError(path);
    expect(error.code).toBe('TESTLOOP_COVERAGE_PARSE');
    expect(error.message).toMatch(/:1: malformed or truncated XML \(.+\) at column \d+\. Regenerate/);
  });

  it('rejects invalid UTF-8 naming the line', async () => {
    const path = fixture('jacoco/malformed/invalid-utf8.xml');
    const error = await readError(path);
    expect(error.code).toBe('TESTLOOP_INVALID_UTF8');
    expect(error.message).toContain(`${path}:1: invalid UTF-8`);
  });

  it('rejects a Cobertura report by its root element', async () => {
    const error = await readError(fixture('cobertura/istanbul.xml'));
    expect(error.code).toBe('TESTLOOP_COVERAGE_PARSE');
    expect(error.message).toContain(`:3: root element is <coverage>, expected JaCoCo's <report>`);
  });
});
