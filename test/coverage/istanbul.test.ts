import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromIstanbulJson, istanbulReader } from '../../src/coverage/readers/istanbul.ts';

const fixture = join(import.meta.dirname, '../fixtures/coverage/istanbul/coverage-final.json');

describe('istanbul reader', () => {
  it('reads lines as istanbul does, branches per line and functions with their ranges', async () => {
    const report = await istanbulReader.read(fixture, { cwd: '/', srcRoots: [] });
    const [shapes, legacy] = report.files;
    expect(shapes!.path).toBe('/repo/src/shapes.js');
    // Line 6 holds a run statement and an unrun one: istanbul counts the line as run.
    expect([...shapes!.lines]).toEqual([
      [1, 1],
      [3, 4],
      [4, 0],
      [6, 4],
      [9, 0],
    ]);
    expect(Object.fromEntries(shapes!.branches)).toEqual({ 3: { taken: 3, total: 4 } });
    expect(shapes!.functions).toEqual([
      { name: 'area', line: 2, endLine: 7, hits: 4 },
      { name: 'unused', line: 8, endLine: 10, hits: 0 },
      { name: '(anonymous_2)', line: 11, endLine: 11, hits: 0 },
    ]);
    expect(legacy).toMatchObject({ path: '/repo/src/legacy.js', lines: new Map([[2, 7]]) });
  });

  it.each([
    [[1, 2], 'expected an object of file coverage entries'],
    [{ 'a.js': { statementMap: {} } }, 'entry "a.js": missing statementMap or s'],
    [
      { 'a.js': { statementMap: { 0: { start: { line: 'x' } } }, s: { 0: 1 } } },
      'statementMap.0.start.line is not a line number',
    ],
    [{ 'a.js': { statementMap: { 0: { start: { line: 1 } } }, s: { 0: -1 } } }, 's.0 is not a hit count'],
  ])('rejects %j', (json, detail) => {
    expect(() => fromIstanbulJson(json, 'cov.json')).toThrow(
      expect.objectContaining({ code: 'TESTLOOP_COVERAGE_PARSE' }),
    );
    expect(() => fromIstanbulJson(json, 'cov.json')).toThrow(detail);
  });

  it('names the line of a JSON syntax error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'istanbul-'));
    writeFileSync(join(dir, 'coverage-final.json'), '{\n  "a.js": {\n    "s": {,}\n  }\n}\n');
    await expect(
      istanbulReader.read(join(dir, 'coverage-final.json'), { cwd: dir, srcRoots: [] }),
    ).rejects.toThrow(/coverage-final\.json:3: invalid JSON/);
  });
});
