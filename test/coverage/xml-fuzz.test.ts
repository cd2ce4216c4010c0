import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromClover } from '../../src/coverage/readers/clover.ts';
import { fromCobertura } from '../../src/coverage/readers/cobertura.ts';
import { fromJacoco } from '../../src/coverage/readers/jacoco.ts';
import { loadXmlParser, parseXmlReport, type XmlReport } from '../../src/coverage/readers/xml.ts';
import type { CoverageReport } from '../../src/coverage/types.ts';
import { isTestloopError } from '../../src/errors.ts';
import { mutate, seededRandom } from '../helpers/mutate.ts';

const MUTATIONS = 1000;
const SOURCE = 'fuzz.xml';
const fixtures = join(import.meta.dirname, '../fixtures/coverage');

/** Byte-level damage plus XML-level damage that still parses, so the readers' own checks get exercised. */
function mutateXml(input: Buffer, random: () => number): Buffer {
  const at = (n: number) => Math.floor(random() * n);
  let bytes = input;
  for (let round = 1 + at(2); round > 0; round--) {
    if (random() >= 0.3) {
      bytes = mutate(bytes, random);
      continue;
    }
    const text = bytes.toString('latin1');
    const attributes = [...text.matchAll(/\s([\w-]+)="([^"]*)"/g)];
    const target = attributes[at(attributes.length)];
    if (!target) continue;
    const junk = ['', ' ', '&amp;', '&#1114112;', '&lt;init&gt;', '12 ', '0x10', '1/2', '(3/2)', '&bogus;'];
    const replacement = random() < 0.5 ? '' : ` ${target[1]}="${junk[at(junk.length)]}"`;
    bytes = Buffer.from(
      text.slice(0, target.index) + replacement + text.slice(target.index + target[0].length),
      'latin1',
    );
  }
  return bytes;
}

function expectWellFormed(report: CoverageReport): void {
  for (const file of report.files) {
    expect(typeof file.path === 'string' && file.path !== '').toBe(true);
    for (const [line, hits] of file.lines) {
      expect(Number.isInteger(line) && line >= 1, `line ${line}`).toBe(true);
      expect(Number.isFinite(hits) && hits >= 0, `hits ${hits}`).toBe(true);
    }
    for (const [line, { taken, total }] of file.branches) {
      expect(Number.isInteger(line) && line >= 1, `branch line ${line}`).toBe(true);
      expect(Number.isInteger(taken) && taken >= 0 && taken <= total, `branches ${taken}/${total}`).toBe(
        true,
      );
    }
    for (const fn of file.functions) {
      expect(Number.isInteger(fn.line) && fn.line >= 1, `function line ${fn.line}`).toBe(true);
      expect(Number.isFinite(fn.hits) && fn.hits >= 0, `function hits ${fn.hits}`).toBe(true);
      if (fn.endLine !== undefined) expect(fn.endLine).toBeGreaterThan(fn.line);
    }
  }
}

function fuzz(fixture: string, read: (xml: XmlReport) => CoverageReport, seed: number): void {
  const valid = readFileSync(join(fixtures, fixture));
  expectWellFormed(read(parseXmlReport(valid, SOURCE)));
  const random = seededRandom(seed);
  const outcomes = { parsed: 0, rejected: 0 };
  for (let i = 0; i < MUTATIONS; i++) {
    const mutated = mutateXml(valid, random);
    let report: CoverageReport;
    try {
      report = read(parseXmlReport(mutated, SOURCE));
    } catch (error) {
      if (
        !isTestloopError(error) ||
        !['TESTLOOP_COVERAGE_PARSE', 'TESTLOOP_INVALID_UTF8'].includes(error.code)
      ) {
        const sample = mutated.toString('latin1').slice(0, 300);
        throw new Error(`${fixture} mutation ${i} escaped as ${String(error)}\n${sample}`);
      }
      expect(error.message.startsWith(`${SOURCE}`), error.message).toBe(true);
      expect(error.message).not.toMatch(/[\r\n]/);
      outcomes.rejected++;
      continue;
    }
    expectWellFormed(report);
    outcomes.parsed++;
  }
  // Both outcomes must occur, or the mutations never reach the readers' own checks.
  expect(outcomes.parsed).toBeGreaterThan(0);
  expect(outcomes.rejected).toBeGreaterThan(0);
}

beforeAll(() => loadXmlParser());

describe(`XML coverage readers survive ${MUTATIONS} random mutations of each fixture`, () => {
  it.each([
    ['cobertura/istanbul.xml', 11],
    ['cobertura/coverage-py.xml', 12],
    ['cobertura/cobertura-java.xml', 13],
  ])('cobertura %s', (fixture, seed) => fuzz(fixture, fromCobertura, seed));

  it.each([
    ['clover/istanbul.xml', 21],
    ['clover/phpunit.xml', 22],
    ['clover/openclover.xml', 23],
  ])('clover %s', (fixture, seed) => fuzz(fixture, fromClover, seed));

  it.each([
    ['jacoco/maven.xml', 31],
    ['jacoco/edge-cases.xml', 32],
    ['jacoco/iso-8859-1.xml', 33],
  ])('jacoco %s', (fixture, seed) => fuzz(fixture, (xml) => fromJacoco(xml, []), seed));
});
