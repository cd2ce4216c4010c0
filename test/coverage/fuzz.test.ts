import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { fromIstanbulJson } from '../../src/coverage/readers/istanbul.ts';
import { lcovReader } from '../../src/coverage/readers/lcov.ts';
import { v8Reader } from '../../src/coverage/readers/v8.ts';
import type { CoverageReader, CoverageReport } from '../../src/coverage/types.ts';
import { isTestloopError } from '../../src/errors.ts';
import { parseJsonReport } from '../../src/util/json.ts';
import { decodeUtf8 } from '../../src/util/text.ts';
import { mutate, seededRandom } from '../helpers/mutate.ts';

const MUTATIONS = 1000;
const fixtures = join(import.meta.dirname, '../fixtures/coverage');
const work = mkdtempSync(join(tmpdir(), 'testloop-fuzz-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Either a well-formed report or a named, coded error: never a crash, never nonsense numbers. */
function expectWellFormed(report: CoverageReport): void {
  for (const file of report.files) {
    expect(typeof file.path).toBe('string');
    for (const [line, hits] of file.lines) {
      expect(Number.isInteger(line) && line >= 1).toBe(true);
      expect(Number.isFinite(hits) && hits >= 0).toBe(true);
    }
    for (const [line, b] of file.branches) {
      expect(Number.isInteger(line) && line >= 1).toBe(true);
      expect(b.taken >= 0 && b.taken <= b.total).toBe(true);
    }
    for (const fn of file.functions) expect(Number.isInteger(fn.line) && fn.line >= 1).toBe(true);
  }
}

async function fuzz(
  name: string,
  valid: Buffer,
  read: (bytes: Buffer) => Promise<CoverageReport>,
  seed: number,
) {
  const random = seededRandom(seed);
  const outcomes = { parsed: 0, rejected: 0 };
  for (let i = 0; i < MUTATIONS; i++) {
    const mutated = mutate(valid, random);
    try {
      expectWellFormed(await read(mutated));
      outcomes.parsed++;
    } catch (error) {
      if (
        !isTestloopError(error) ||
        !['TESTLOOP_COVERAGE_PARSE', 'TESTLOOP_INVALID_UTF8'].includes(error.code)
      ) {
        throw new Error(
          `${name} mutation ${i} escaped as ${String(error)}\n${mutated.toString('latin1').slice(0, 400)}`,
        );
      }
      expect(error.message).not.toContain('\n');
      outcomes.rejected++;
    }
  }
  // Both outcomes must occur, or the mutations are not reaching the parser.
  expect(outcomes.parsed).toBeGreaterThan(0);
  expect(outcomes.rejected).toBeGreaterThan(0);
}

async function viaFile(reader: CoverageReader, fileName: string, bytes: Buffer): Promise<CoverageReport> {
  const path = join(work, fileName);
  writeFileSync(path, bytes);
  return reader.read(path, { cwd: work, srcRoots: [] });
}

describe(`coverage readers survive ${MUTATIONS} random mutations each`, () => {
  it('lcov', async () => {
    const valid = readFileSync(join(fixtures, 'lcov/geninfo.info'));
    await fuzz('lcov', valid, (bytes) => viaFile(lcovReader, 'fuzz.info', bytes), 1);
  });

  it('istanbul json', async () => {
    const valid = readFileSync(join(fixtures, 'istanbul/coverage-final.json'));
    await fuzz(
      'istanbul',
      valid,
      async (bytes) => fromIstanbulJson(parseJsonReport(decodeUtf8(bytes, 'x'), 'x'), 'x'),
      2,
    );
  });

  it('v8', async () => {
    cpSync(join(fixtures, 'v8/calc.js'), join(work, 'calc.js'));
    const url = pathToFileURL(join(work, 'calc.js')).href;
    const raw = {
      result: [
        {
          scriptId: '1',
          url,
          functions: [
            {
              functionName: '',
              ranges: [{ startOffset: 0, endOffset: 140, count: 1 }],
              isBlockCoverage: true,
            },
            {
              functionName: 'add',
              ranges: [
                { startOffset: 7, endOffset: 88, count: 2 },
                { startOffset: 40, endOffset: 63, count: 0 },
              ],
              isBlockCoverage: true,
            },
            {
              functionName: 'never',
              ranges: [{ startOffset: 97, endOffset: 139, count: 0 }],
              isBlockCoverage: true,
            },
          ],
        },
      ],
    };
    const valid = Buffer.from(JSON.stringify(raw, null, 1));
    const report = await viaFile(v8Reader, 'coverage-1.json', valid);
    expect(report.files).toHaveLength(1);
    expect(report.files[0]!.functions.find((f) => f.name === 'never')?.hits).toBe(0);
    await fuzz('v8', valid, (bytes) => viaFile(v8Reader, 'coverage-1.json', bytes), 3);
  });
});
