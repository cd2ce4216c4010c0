import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { coberturaReader } from '../../src/coverage/readers/cobertura.ts';
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
  const error = await coberturaReader.read(path, options).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(TestloopError);
  return error as TestloopError;
}

describe('cobertura reader', () => {
  it('reads istanbul cobertura-coverage.xml: DOCTYPE, one declaration line per method', async () => {
    const report = await coberturaReader.read(fixture('cobertura/istanbul.xml'), options);
    expect(report.format).toBe('cobertura');
    expect(report.roots).toEqual(['/home/runner/work/shop/shop']);
    expect(byPath(report)).toEqual({
      'src/cart.ts': {
        lines: { 2: 3, 3: 3, 4: 5, 6: 3, 10: 2, 11: 0, 13: 2, 16: 1 },
        branches: { 4: { taken: 2, total: 2 }, 10: { taken: 1, total: 2 } },
        functions: [
          { name: 'total', line: 1, hits: 3 },
          { name: 'discount', line: 9, hits: 2 },
          { name: '(anonymous_2)', line: 16, hits: 0 },
        ],
      },
      'src/util/format.ts': {
        lines: { 2: 4, 3: 4, 7: 0 },
        branches: { 2: { taken: 1, total: 2 } },
        functions: [
          { name: 'money', line: 1, hits: 4 },
          { name: 'pad', line: 6, hits: 0 },
        ],
      },
    });
  });

  it('reads coverage.py coverage.xml: no DOCTYPE, empty <methods/>, an empty module', async () => {
    const report = await coberturaReader.read(fixture('cobertura/coverage-py.xml'), options);
    expect(report.roots).toEqual(['/home/runner/work/inventory/inventory/src']);
    expect(byPath(report)).toEqual({
      'inventory/__init__.py': { lines: {}, branches: {}, functions: [] },
      'inventory/stock.py': {
        lines: { 1: 1, 4: 1, 5: 1, 6: 0, 7: 1, 10: 1, 11: 1, 12: 1, 13: 0 },
        branches: { 5: { taken: 1, total: 2 }, 11: { taken: 2, total: 2 } },
        functions: [],
      },
    });
  });

  it('merges classes of one file (Java inner classes) and spans methods over their lines', async () => {
    const report = await coberturaReader.read(fixture('cobertura/cobertura-java.xml'), options);
    expect(report.roots).toEqual(['/home/ci/workspace/billing/src/main/java']);
    expect(byPath(report)).toEqual({
      'com/acme/billing/Invoice.java': {
        lines: { 8: 3, 9: 3, 10: 3, 13: 2, 14: 6, 15: 4, 17: 2, 20: 0, 27: 4, 28: 4, 29: 4, 30: 4, 33: 4 },
        branches: { 14: { taken: 2, total: 2 }, 20: { taken: 0, total: 2 }, 33: { taken: 1, total: 2 } },
        functions: [
          { name: '<init>', line: 8, endLine: 10, hits: 1 },
          { name: 'total', line: 13, endLine: 17, hits: 1 },
          { name: 'isEmpty', line: 20, hits: 0 },
          { name: '<init>', line: 27, endLine: 30, hits: 1 },
          { name: 'amount', line: 33, hits: 1 },
        ],
      },
      'com/acme/billing/TaxRule.java': {
        lines: { 3: 0, 6: 0 },
        branches: { 6: { taken: 0, total: 4 } },
        functions: [
          { name: '<init>', line: 3, hits: 0 },
          { name: 'rate', line: 6, hits: 0 },
        ],
      },
    });
  });

  it('skips a DOCTYPE internal subset without expanding its entities', async () => {
    const report = await coberturaReader.read(fixture('cobertura/doctype-internal-subset.xml'), options);
    expect(report.roots).toEqual(['&lol2;']);
    expect(byPath(report)).toEqual({ 'src/a.ts': { lines: { 1: 1 }, branches: {}, functions: [] } });
  });

  it('refuses an external entity instead of resolving it', async () => {
    const path = fixture('cobertura/malformed/external-entity.xml');
    const error = await readError(path);
    expect(error.code).toBe('TESTLOOP_COVERAGE_PARSE');
    expect(error.message).toContain(`${path}: unreadable XML (External entities are not supported)`);
  });

  it('detects Cobertura by its root, not Clover or JaCoCo', () => {
    const head = (name: string) => readFileSync(fixture(name), 'latin1').slice(0, 8192);
    for (const name of [
      'cobertura/istanbul.xml',
      'cobertura/coverage-py.xml',
      'cobertura/cobertura-java.xml',
    ]) {
      expect(coberturaReader.detect(fixture(name), head(name), false), name).toBe(true);
    }
    for (const name of ['clover/istanbul.xml', 'clover/phpunit.xml', 'jacoco/maven.xml']) {
      expect(coberturaReader.detect(fixture(name), head(name), false), name).toBe(false);
    }
  });

  it.each([
    ['missing-line-number.xml', 12, '<line> has no number attribute'],
    ['non-numeric-hits.xml', 12, '<line> hits="3x" is not a non-negative integer'],
    ['negative-hits.xml', 12, '<line> hits="-1" is not a non-negative integer'],
    ['zero-line-number.xml', 12, '<line> number="0" is not a line number'],
    ['bad-condition-coverage.xml', 12, 'condition-coverage="150% (3/2)" is not like "50% (1/2)"'],
    ['missing-filename.xml', 8, '<class> has no filename attribute'],
    ['truncated.xml', 30, 'malformed or truncated XML'],
  ])('rejects %s with its line', async (name, line, detail) => {
    const path = fixture(`cobertura/malformed/${name}`);
    const error = await readError(path);
    expect(error.code).toBe('TESTLOOP_COVERAGE_PARSE');
    expect(error.message).toContain(`${path}:${line}: `);
    expect(error.message).toContain(detail);
    expect(error.message).toContain('Regenerate the coverage report');
  });

  it('rejects invalid UTF-8 naming the line', async () => {
    const path = fixture('cobertura/malformed/invalid-utf8.xml');
    const error = await readError(path);
    expect(error.code).toBe('TESTLOOP_INVALID_UTF8');
    expect(error.message).toContain(`${path}:6: invalid UTF-8`);
  });

  it('rejects other formats by their root element', async () => {
    const jacoco = await readError(fixture('jacoco/maven.xml'));
    expect(jacoco.code).toBe('TESTLOOP_COVERAGE_PARSE');
    expect(jacoco.message).toContain("root element is <report>, expected Cobertura's <coverage>");
    const clover = await readError(fixture('clover/istanbul.xml'));
    expect(clover.message).toContain(`${fixture('clover/istanbul.xml')}:2: `);
    expect(clover.message).toContain('pass it as clover:<path>');
  });
});
