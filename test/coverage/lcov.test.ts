import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lcovReader, parseLcov } from '../../src/coverage/readers/lcov.ts';
import type { FileCoverage } from '../../src/coverage/types.ts';
import { fileGaps } from '../../src/gaps/compute.ts';

const fixture = join(import.meta.dirname, '../fixtures/coverage/lcov/geninfo.info');

describe('lcov reader', () => {
  it('merges test sections and reads FN/FNDA, FNL/FNA, BRDA with "-" and DA checksums', async () => {
    const report = await lcovReader.read(fixture, { cwd: '/', srcRoots: [] });
    expect(report.files.map((f) => f.path)).toEqual([
      '/home/runner/work/app/app/src/math.c',
      'src/new-format.js',
    ]);
    const math = report.files[0]!;
    expect([...math.lines]).toEqual([
      [3, 4],
      [4, 4],
      [5, 2],
      [6, 4],
      [10, 0],
      [11, 0],
    ]);
    expect(Object.fromEntries(math.branches)).toEqual({
      4: { taken: 2, total: 2 },
      5: { taken: 0, total: 2 },
      6: { taken: 1, total: 1 },
    });
    expect(math.functions).toEqual([
      { name: 'add', line: 3, endLine: 8, hits: 4 },
      { name: 'sub', line: 10, hits: 1 },
    ]);
    const modern = report.files[1]!;
    expect(modern.functions).toEqual([
      { name: 'main', line: 1, endLine: 4, hits: 2 },
      { name: 'never', line: 6, hits: 0 },
    ]);
  });

  it('detects lcov by extension and by content', () => {
    expect(lcovReader.detect('x/lcov.info', '', false)).toBe(true);
    expect(lcovReader.detect('report.txt', 'TN:\nSF:a.js\n', false)).toBe(true);
    expect(lcovReader.detect('report.txt', '{"a":1}', false)).toBe(false);
  });

  it.each([
    ['SF:a.js\nDA:x,1\nend_of_record\n', 2, 'DA line number is not a non-negative integer'],
    ['SF:a.js\nDA:3\nend_of_record\n', 2, 'DA expects'],
    ['SF:a.js\nDA:3,lots\nend_of_record\n', 2, 'DA hit count is not a number'],
    ['SF:a.js\nDA:0,1\nend_of_record\n', 2, 'at least 1'],
    ['SF:a.js\nDA:3,1\n', 2, 'truncated report: SF a.js has no end_of_record'],
    ['DA:3,1\nend_of_record\n', 1, 'DA record outside an SF'],
    ['SF:a.js\nhello world\nend_of_record\n', 2, 'unexpected line "hello world"'],
    ['SF:a.js\nSF:b.js\nend_of_record\n', 2, 'SF record before the previous record reached end_of_record'],
    ['SF:a.js\nFNA:3,1,f\nend_of_record\n', 2, 'no FNL record'],
    ['SF:a.js\nBRDA:1,0,1\nend_of_record\n', 2, 'BRDA expects'],
    // After runs of plain records that are checked in one step, the line is still counted exactly.
    ['SF:a.js\nFN:1,f\nDA:1,1\nBRDA:1,0,0,1\nLF:1\nDA:2,x\nend_of_record\n', 6, 'DA hit count'],
    ['SF:a.js\nDA:1,1\nend_of_record\nSF:b.js\nDA:1,1\nDA:2,1\n', 6, 'truncated report: SF b.js'],
    ['SF:a.js\nDA:1,1\nDA:2,1\nend_of_record\nDA:3,1\n', 5, 'DA record outside an SF'],
  ])('rejects %j at line %i', (text, line, detail) => {
    let error: unknown;
    try {
      parseLcov(text, 'cov/lcov.info');
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'TESTLOOP_COVERAGE_PARSE' });
    const message = (error as Error).message;
    expect(message.startsWith(`cov/lcov.info:${line}: `)).toBe(true);
    expect(message).toContain(detail);
    expect(message).not.toContain('\n');
  });

  it('reads CRLF reports and clamps negative gcov counts', () => {
    const report = parseLcov('SF:a.js\r\nDA:1,-5\r\nDA:2,3\r\nend_of_record\r\n', 'x');
    expect([...report.files[0]!.lines]).toEqual([
      [1, 0],
      [2, 3],
    ]);
  });

  it('names invalid UTF-8 with its line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lcov-'));
    const file = join(dir, 'bad.info');
    writeFileSync(
      file,
      Buffer.concat([Buffer.from('SF:a.js\nDA:1,1\nSF:'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]),
    );
    await expect(lcovReader.read(file, { cwd: dir, srcRoots: [] })).rejects.toMatchObject({
      code: 'TESTLOOP_INVALID_UTF8',
      message: expect.stringContaining('bad.info:3: invalid UTF-8'),
    });
  });

  it('builds only the asked lines of a file with the same answer as the whole file', async () => {
    const report = await lcovReader.read(fixture, { cwd: '/', srcRoots: [] });
    const math = report.files[0]!;
    // Two test sections of one file: lines take the higher count, branches count each id once.
    const part = math.within!([
      { start: 4, end: 5 },
      { start: 10, end: 10 },
    ]);
    expect([...part.lines]).toEqual([
      [4, 4],
      [5, 2],
      [10, 0],
    ]);
    expect(Object.fromEntries(part.branches)).toEqual({
      4: { taken: 2, total: 2 },
      5: { taken: 0, total: 2 },
    });
    expect(part.functions).toEqual([
      { name: 'add', line: 3, endLine: 8, hits: 4 },
      { name: 'sub', line: 10, hits: 1 },
    ]);
    expect(math.within!([{ start: 9, end: 9 }]).functions).toEqual([]);

    // Every single range and pair of ranges gives fileGaps the same result as the full build does.
    const fresh = async () => (await lcovReader.read(fixture, { cwd: '/', srcRoots: [] })).files;
    const whole = (file: FileCoverage): FileCoverage => ({
      path: file.path,
      lines: file.lines,
      branches: file.branches,
      functions: file.functions,
    });
    for (const index of [0, 1]) {
      const full = whole((await fresh())[index]!);
      for (let start = 1; start <= 12; start++) {
        for (let end = start; end <= 12; end++) {
          const hunks = [{ start, end }];
          if (end + 2 <= 12) hunks.push({ start: end + 2, end: 12 });
          const change = { path: 'x', status: 'modified' as const, binary: false, hunks };
          const lazy = (await fresh())[index]!;
          expect(fileGaps(change, lazy)).toEqual(fileGaps(change, full));
        }
      }
    }
  });
});
