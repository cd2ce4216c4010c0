import { describe, expect, it } from 'vitest';
import { textReporter } from '../../src/report/text.ts';
import { fileOf, resultOf, sampleResult } from './sample-result.ts';

const ESC = String.fromCharCode(27);
const stripAnsi = (text: string) => text.replaceAll(new RegExp(`${ESC}\\[\\d+m`, 'g'), '');

describe('textReporter', () => {
  it('lists files with ranges, branches, functions, totals, warnings and the verdict', () => {
    expect(textReporter.render(sampleResult(), { color: false, failUnder: 80 })).toBe(
      [
        'src/a.ts                             66.66%  4/12 uncovered: 4-6, 10',
        '  uncovered branches: line 7 (1 of 2 taken)',
        '  functions never called: parseArgs (line 3)',
        'src/we`ird dir/a|b<c>,d:e%f (1).ts   75.00%  1/4 uncovered: 2',
        '  functions never called: run`it|<now> (line 2)',
        'src/ok.ts                           100.00%  0/5 uncovered',
        '  uncovered branches: line 3 (0 of 2 taken)',
        'src/new.ts                          not measured: no coverage report mentions this file',
        '1 changed file has no coverable lines',
        'Diff coverage: 76.19% (16 of 21 coverable changed lines), 2 uncovered branches, 2 uncovered functions',
        'warning: src/new.ts: no coverage report mentions this changed file',
        'Failed: 76.19% against the required 80%',
        '',
      ].join('\n'),
    );
  });

  it('matches the one-file example and says when the threshold passes', () => {
    const result = resultOf([
      fileOf({ path: 'src/a.ts', coverableLines: 12, uncoveredLines: [4, 5, 6, 10], measured: true }),
    ]);
    expect(textReporter.render(result, { color: false, failUnder: 60 })).toBe(
      [
        'src/a.ts  66.66%  4/12 uncovered: 4-6, 10',
        'Diff coverage: 66.66% (8 of 12 coverable changed lines)',
        'Passed: 66.66% against the required 60%',
        '',
      ].join('\n'),
    );
  });

  it('has no ANSI codes with color off and has them with color on', () => {
    const result = sampleResult();
    expect(textReporter.render(result, { color: false, failUnder: 80 })).not.toContain(ESC);
    const colored = textReporter.render(result, { color: true, failUnder: 80 });
    expect(colored).toContain(ESC);
    expect(stripAnsi(colored)).toBe(textReporter.render(result, { color: false, failUnder: 80 }));
  });

  it('says so when nothing changed', () => {
    expect(textReporter.render(resultOf([]), { color: false })).toBe(
      'No changed source files: nothing to check.\n',
    );
  });

  it('summarizes files without coverable lines in one count', () => {
    const files = [1, 2, 3].map((n) =>
      fileOf({ path: `src/t${n}.d.ts`, coverableLines: 0, uncoveredLines: [], measured: true }),
    );
    expect(textReporter.render(resultOf(files), { color: false })).toBe(
      '3 changed files have no coverable lines\nDiff coverage: 100.00% (no coverable changed lines)\n',
    );
  });

  it('never gives a percentage when no report mentions a changed source file', () => {
    const files = [
      fileOf({ path: 'src/a.ts', changedLines: 4, coverableLines: 0, uncoveredLines: [], measured: false }),
      fileOf({ path: 'README.md', changedLines: 2, coverableLines: 0, uncoveredLines: [], measured: false }),
    ];
    expect(textReporter.render(resultOf(files), { color: false })).toContain(
      'Diff coverage: not measured (1 changed source file(s) no coverage report mentions)\n',
    );
  });
});
