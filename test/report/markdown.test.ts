import { describe, expect, it } from 'vitest';
import {
  MARKDOWN_LIMIT,
  MARKDOWN_MARKER,
  markdownReporter,
  renderMarkdown,
} from '../../src/report/markdown.ts';
import { fileOf, largeResult, resultOf, sampleResult } from './sample-result.ts';

const context = { color: false, failUnder: 80, repositoryUrl: 'https://github.com/o/r', commit: 'def5678' };
const blob = 'https://github.com/o/r/blob/def5678';
const oddUrl = `${blob}/src/we%60ird%20dir/a%7Cb%3Cc%3E%2Cd%3Ae%25f%20%281%29.ts`;

describe('markdownReporter', () => {
  it('renders the marker, headline, table with linked ranges, details and warnings', () => {
    expect(markdownReporter.render(sampleResult(), context)).toBe(
      [
        MARKDOWN_MARKER,
        '### ❌ Diff coverage: 76.19% is below the required 80%',
        '',
        '16 of 21 coverable changed lines covered · 2 uncovered branches · 2 uncovered functions.',
        '',
        '| File | Coverage | Coverable lines | Uncovered lines |',
        '| --- | ---: | ---: | --- |',
        `| src/a.ts | 66.66% | 12 | [4-6](${blob}/src/a.ts#L4-L6), [10](${blob}/src/a.ts#L10) |`,
        `| src/we\\\`ird dir/a\\|b&lt;c&gt;,d:e%f (1).ts | 75.00% | 4 | [2](${oddUrl}#L2) |`,
        '| src/new.ts | not measured | – | |',
        '| src/ok.ts | 100.00% | 5 |  |',
        '',
        '1 changed file without coverable lines.',
        '',
        '<details><summary>Uncovered branches and functions</summary>',
        '',
        `- src/a.ts line [7](${blob}/src/a.ts#L7): 1 of 2 branches taken`,
        `- src/a.ts line [3](${blob}/src/a.ts#L3): function parseArgs never called`,
        `- src/we\\\`ird dir/a\\|b&lt;c&gt;,d:e%f (1).ts line [2](${oddUrl}#L2): function run\\\`it\\|&lt;now&gt; never called`,
        `- src/ok.ts line [3](${blob}/src/ok.ts#L3): 0 of 2 branches taken`,
        '',
        '</details>',
        '',
        '**Warnings**',
        '',
        '- src/new.ts: no coverage report mentions this changed file',
        '',
      ].join('\n'),
    );
  });

  it('writes plain ranges without a repository URL and a pass headline when over the threshold', () => {
    const result = resultOf([
      fileOf({ path: 'src/a.ts', coverableLines: 10, uncoveredLines: [4, 5, 9], measured: true }),
    ]);
    const text = renderMarkdown(result, { color: false, failUnder: 50 });
    expect(text).toContain('### ✅ Diff coverage: 70.00% (required: 50%)');
    expect(text).toContain('| src/a.ts | 70.00% | 10 | 4-5, 9 |');
  });

  it('gives no percentage, and no pass, when no report mentions any changed source file', () => {
    const files = [
      fileOf({ path: 'src/a.ts', changedLines: 4, coverableLines: 0, uncoveredLines: [], measured: false }),
    ];
    const text = markdownReporter.render(resultOf(files), context);
    expect(text).toContain(
      '### ⚠️ Diff coverage: not measured (1 changed source file no coverage report mentions)\n',
    );
    expect(text).not.toContain('100.00%');
  });

  it('says so when nothing changed', () => {
    expect(renderMarkdown(resultOf([]), { color: false })).toBe(
      `${MARKDOWN_MARKER}\n### Diff coverage: 100.00%\n\n0 of 0 coverable changed lines covered · 0 uncovered branches · 0 uncovered functions.\nNo changed source files: nothing to check.\n`,
    );
  });

  it('fits 5,000 files and 100,000 uncovered lines into one comment and says what it left out', () => {
    const result = largeResult(5000, 23);
    expect(result.totals.uncoveredLines).toBeGreaterThanOrEqual(100_000);
    const text = renderMarkdown(result, context);
    expect(text.length).toBeLessThanOrEqual(MARKDOWN_LIMIT);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MARKDOWN_LIMIT);
    expect(text.startsWith(MARKDOWN_MARKER)).toBe(true);
    const last = text.trimEnd().split('\n').at(-1)!;
    expect(last).toMatch(
      /^_Left out to stay under 65,536 characters: [\d,]+ of 5,000 files, [\d,]+ uncovered lines, /,
    );
    expect(last).toContain('See the full JSON or SARIF output');
    // Worst files (most uncovered lines) are kept: module-0 has the most, module-6 the fewest.
    expect(text).toContain('packages/pkg-0/src/module-0.ts');
    expect(text).not.toContain('module-6.ts |');
    // Long rows lose ranges, not the file.
    expect(text).toMatch(/… \d+ more \|/);
    // Every range here is one line, so the lines shown plus the lines left out are all of them.
    const shown = text
      .split('\n')
      .filter((line) => line.startsWith('| packages/'))
      .reduce((n, row) => n + row.split('](').length - 1, 0);
    const leftOut = Number(/([\d,]+) uncovered lines/.exec(last)![1]!.replace(/,/g, ''));
    expect(shown + leftOut).toBe(result.totals.uncoveredLines);
  });

  it('counts exactly the files and lines it leaves out', () => {
    const files = Array.from({ length: 30 }, (_, i) =>
      fileOf({
        path: `f${i}.ts`,
        coverableLines: 100,
        uncoveredLines: Array.from({ length: 50 }, (_, k) => 2 * k + 1),
        measured: true,
      }),
    );
    const cut = renderMarkdown(resultOf(files), { color: false }, 2_000);
    expect(cut.length).toBeLessThanOrEqual(2_000);
    const rows = cut.split('\n').filter((line) => /^\| f\d+\.ts /.test(line));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(30);
    // The last cell lists single-line ranges ("1, 3, 5, … 47 more"): count the listed ones.
    const shown = rows.reduce(
      (n, row) =>
        n +
        row
          .split(' | ')[3]!
          .split(', ')
          .filter((r) => /^\d+$/.test(r)).length,
      0,
    );
    const leftOut = Number(/([\d,]+) uncovered lines/.exec(cut)![1]!.replace(/,/g, ''));
    expect(shown + leftOut).toBe(30 * 50);
    expect(cut).toContain(`${30 - rows.length} of 30 files`);
  });

  it('never exceeds a small limit', () => {
    const result = largeResult(200, 30);
    for (const limit of [2_000, 5_000, 20_000]) {
      expect(Buffer.byteLength(renderMarkdown(result, context, limit))).toBeLessThanOrEqual(limit);
    }
  });
});
