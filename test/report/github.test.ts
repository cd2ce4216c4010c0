import { describe, expect, it } from 'vitest';
import {
  escapeData,
  escapeProperty,
  GITHUB_ANNOTATION_CAP,
  githubReporter,
  renderJobSummary,
} from '../../src/report/github.ts';
import { MARKDOWN_MARKER } from '../../src/report/markdown.ts';
import { fileOf, largeResult, ODD_PATH, resultOf, sampleResult } from './sample-result.ts';

const context = { color: false };

describe('githubReporter', () => {
  it('writes one warning per gap, largest range first, with escaped properties', () => {
    expect(githubReporter.render(sampleResult(), context)).toBe(
      [
        '::warning file=src/a.ts,line=4,endLine=6,title=Uncovered changed lines::Lines 4-6: changed lines not run by any test',
        '::warning file=src/a.ts,line=3,endLine=3,title=Uncovered function::Function parseArgs (line 3): changed function never called',
        '::warning file=src/a.ts,line=7,endLine=7,title=Uncovered branch::Line 7: 1 of 2 branches never taken',
        '::warning file=src/a.ts,line=10,endLine=10,title=Uncovered changed lines::Line 10: changed lines not run by any test',
        '::warning file=src/ok.ts,line=3,endLine=3,title=Uncovered branch::Line 3: 2 of 2 branches never taken',
        '::warning file=src/we`ird dir/a|b<c>%2Cd%3Ae%25f (1).ts,line=2,endLine=2,title=Uncovered function::Function run`it|<now> (line 2): changed function never called',
        '::warning file=src/we`ird dir/a|b<c>%2Cd%3Ae%25f (1).ts,line=2,endLine=2,title=Uncovered changed lines::Line 2: changed lines not run by any test',
        '',
      ].join('\n'),
    );
    expect(ODD_PATH).toContain(',');
  });

  it('escapes properties and message data the way the Actions toolkit does', () => {
    expect(escapeProperty('a%b\r\nc:d,e')).toBe('a%25b%0D%0Ac%3Ad%2Ce');
    expect(escapeData('a%b\r\nc:d,e')).toBe('a%25b%0D%0Ac:d,e');
    const result = resultOf([
      fileOf({
        path: 'src/x.ts',
        coverableLines: 1,
        uncoveredLines: [],
        uncoveredFunctions: [{ name: 'odd\nname%', line: 1 }],
        measured: true,
      }),
    ]);
    expect(githubReporter.render(result, context)).toBe(
      '::warning file=src/x.ts,line=1,endLine=1,title=Uncovered function::Function odd%0Aname%25 (line 1): changed function never called\n',
    );
  });

  it(`emits at most ${GITHUB_ANNOTATION_CAP} warnings, the largest ranges, then one notice with the rest`, () => {
    const lines = [
      1, 3, 4, 6, 7, 8, 10, 11, 12, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31, 33, 35, 37, 39, 41, 43,
    ];
    const result = resultOf([
      fileOf({ path: 'src/big.ts', coverableLines: 50, uncoveredLines: lines, measured: true }),
    ]);
    expect(result.gaps).toHaveLength(19);
    const out = githubReporter.render(result, context).trimEnd().split('\n');
    expect(out).toHaveLength(GITHUB_ANNOTATION_CAP + 1);
    expect(out.filter((line) => line.startsWith('::warning '))).toHaveLength(GITHUB_ANNOTATION_CAP);
    expect(out.slice(0, 3).map((line) => /line=(\d+),endLine=(\d+)/.exec(line)!.slice(1).join('-'))).toEqual([
      '10-13',
      '6-8',
      '3-4',
    ]);
    expect(out.at(-1)).toBe(
      '::notice::9 more coverage gaps were not annotated (GitHub shows 10 per step); see the job summary or the JSON/SARIF output',
    );
  });

  it('writes nothing when there are no gaps', () => {
    expect(githubReporter.render(resultOf([]), context)).toBe('');
  });
});

describe('renderJobSummary', () => {
  it('is the markdown comment, allowed to grow to 1 MiB', () => {
    const result = largeResult(5000, 23);
    const summary = renderJobSummary(result, context);
    expect(summary.startsWith(MARKDOWN_MARKER)).toBe(true);
    expect(Buffer.byteLength(summary)).toBeLessThanOrEqual(1024 * 1024);
    expect(summary.length).toBeGreaterThan(65_536);
  });
});
