import { describe, expect, it } from 'vitest';
import { parseLcov } from '../../src/coverage/readers/lcov.ts';
import { lcovReporter } from '../../src/report/lcov.ts';
import { largeResult, resultOf, sampleResult } from './sample-result.ts';

describe('lcovReporter', () => {
  it('writes the uncovered lines, branches and functions of each measured file', () => {
    const text = lcovReporter.render(sampleResult(), { color: false });
    expect(text.split('end_of_record\n')[0]).toBe(
      [
        'TN:',
        'SF:src/a.ts',
        'FN:3,parseArgs',
        'FNDA:0,parseArgs',
        'FNF:1',
        'FNH:0',
        'BRDA:7,0,0,1',
        'BRDA:7,0,1,0',
        'BRF:2',
        'BRH:1',
        'DA:4,0',
        'DA:5,0',
        'DA:6,0',
        'DA:10,0',
        'LF:12',
        'LH:8',
        '',
      ].join('\n'),
    );
    // Unmeasured and uncoverable files have nothing to show.
    expect(text).not.toContain('SF:src/new.ts');
    expect(text).not.toContain('SF:src/types.ts');
  });

  it.each([
    ['the sample', sampleResult()],
    ['a large result', largeResult(50, 40)],
  ])('round-trips %s through parseLcov', (_name, result) => {
    const report = parseLcov(lcovReporter.render(result, { color: false }), 'gaps.lcov');
    const byPath = new Map(report.files.map((file) => [file.path, file]));
    for (const file of result.files.filter((f) => f.measured && f.coverableLines > 0)) {
      const parsed = byPath.get(file.path)!;
      expect(parsed, file.path).toBeDefined();
      const uncovered = [...parsed.lines].filter(([, hits]) => hits === 0).map(([line]) => line);
      expect(uncovered.sort((a, b) => a - b)).toEqual(file.uncoveredLines);
      expect([...parsed.branches].map(([line, hits]) => ({ line, ...hits }))).toEqual(file.uncoveredBranches);
      expect(parsed.functions.map(({ name, line, hits }) => ({ name, line, hits }))).toEqual(
        file.uncoveredFunctions.map((fn) => ({ ...fn, hits: 0 })),
      );
    }
    expect(report.files).toHaveLength(result.files.filter((f) => f.measured && f.coverableLines > 0).length);
  });

  it('is empty without files', () => {
    expect(lcovReporter.render(resultOf([]), { color: false })).toBe('');
  });
});
