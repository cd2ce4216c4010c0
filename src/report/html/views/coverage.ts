import type { CiResult, SourceFile } from '../../../ci/types.ts';
import type { FileGaps } from '../../../gaps/types.ts';
import { fileRows, othersSentence } from '../../file-rows.ts';
import { esc, text } from '../escape.ts';
import { capped, lineRanges, moreItem, moreRow, num, percent, shortCommit } from '../format.ts';
import { notRunPanel, stepWarning } from '../steps.ts';
import { type LineBudget, lineBudget, sourceListing } from './source.ts';

/** Rows of the per-file table, and files whose source is listed below it. */
export const COVERAGE_FILES_LIMIT = 200;
const SOURCE_FILES_LIMIT = 40;
const WARNINGS_LIMIT = 50;

export function coverageView(result: CiResult, sources: readonly SourceFile[]): string {
  const gaps = result.gaps;
  if (!gaps) return notRunPanel(result, ['gaps']);
  const byPath = new Map(sources.map((source) => [source.path, source]));
  const t = gaps.totals;
  // Changed tests, configuration, manifests and documents no report mentions: one line, no row.
  const others = new Set(fileRows(gaps.files).others);
  const tabled = gaps.files.filter((file) => !others.has(file.path));
  const rows = capped(
    tabled,
    COVERAGE_FILES_LIMIT,
    (file) => fileRow(file, gaps.files.indexOf(file)),
    (rest) => moreRow(6, rest, 'files'),
  );
  const base = gaps.baseRef ? `${gaps.baseRef} (${shortCommit(gaps.base)})` : shortCommit(gaps.base);
  const summary =
    `<p class="lead">${esc(percent(t.percent))} of ${t.coverableLines} coverable changed lines covered ` +
    `(${t.changedLines} changed lines in ${gaps.files.length} files, ${t.uncoveredLines} uncovered lines, ` +
    `${t.uncoveredBranches} uncovered branches, ${t.uncoveredFunctions} uncovered functions), ` +
    `${text(base)} → ${text(shortCommit(gaps.head))}.</p>`;
  const table =
    '<table class="files"><thead><tr><th>File</th><th class="num">Changed</th><th class="num">Coverable</th>' +
    '<th>Uncovered lines</th><th class="num">Covered</th><th>Bar</th></tr></thead>' +
    `<tbody>${rows}</tbody><tfoot><tr><td>total</td><td class="num">${t.changedLines}</td><td class="num">${t.coverableLines}</td>` +
    `<td>${t.uncoveredLines}</td><td class="num">${esc(percent(t.percent))}</td><td>${bar(t.percent)}</td></tr></tfoot></table>` +
    (others.size > 0
      ? `<p class="muted others">${othersSentence([...others], (path) => `<code>${text(path)}</code>`)}</p>`
      : '');
  const warnings = [
    ...gaps.warnings,
    ...gaps.unmatchedCoveragePaths.map((p) => `coverage report path matches no file: ${p}`),
  ];
  const warningList =
    warnings.length > 0
      ? `<h2>Warnings</h2><ul class="warnings">${capped(
          warnings,
          WARNINGS_LIMIT,
          (w) => `<li>${text(w, 1000)}</li>`,
          (rest) => moreItem(rest, 'warnings'),
        )}</ul>`
      : '';
  const listed = tabled.filter((file) => file.changedLines > 0 || file.uncoveredLines.length > 0);
  const budget = lineBudget();
  const files = capped(
    listed,
    SOURCE_FILES_LIMIT,
    (file) => fileSource(file, gaps.files.indexOf(file), byPath.get(file.path), budget),
    (rest) => `<p class="more">${esc(`… ${rest} more changed files not listed (see the table above)`)}</p>`,
  );
  const legend =
    '<p class="muted source-legend"><span class="swatch changed">+</span> changed ' +
    '<span class="swatch uncovered">✗</span> changed, not covered by any test ' +
    '<span class="swatch partial">◐</span> changed, branches or functions not all run</p>';
  return [
    stepWarning(result, 'gaps'),
    summary,
    table,
    warningList,
    '<h2>Changed code</h2>',
    legend,
    files,
  ].join('\n');
}

function fileRow(file: FileGaps, index: number): string {
  const covered = file.measured ? esc(percent(file.percent)) : 'not measured';
  return (
    `<tr${file.uncoveredLines.length > 0 ? ' class="has-gaps"' : ''}><td><a href="#file-${index}"><code>${text(file.path)}</code></a></td>` +
    `<td class="num">${num(file.changedLines)}</td><td class="num">${file.measured ? num(file.coverableLines) : '–'}</td>` +
    `<td>${text(lineRanges(file.uncoveredLines), 300)}</td><td class="num">${covered}</td>` +
    `<td>${file.measured ? bar(file.percent) : ''}</td></tr>`
  );
}

/** A percent bar: a styled span, no script and no image, so it prints and needs nothing fetched. */
export function bar(value: number): string {
  const width = Math.min(100, Math.max(0, num(value)));
  const tone = width >= 80 ? 'good' : width >= 50 ? 'warn' : 'bad';
  return `<span class="pbar" role="img" aria-label="${esc(percent(width))} covered"><span class="pbar-fill ${tone}" style="width:${width.toFixed(2)}%"></span></span>`;
}

function fileSource(
  file: FileGaps,
  index: number,
  source: SourceFile | undefined,
  budget: LineBudget,
): string {
  const open = file.uncoveredLines.length > 0 || file.uncoveredBranches.length > 0 ? ' open' : '';
  const state = file.measured ? `${percent(file.percent)} covered` : 'not measured';
  const uncovered = file.uncoveredLines.length > 0 ? `, uncovered ${lineRanges(file.uncoveredLines)}` : '';
  return (
    `<details class="file" id="file-${index}"${open}><summary><code>${text(file.path)}</code> ` +
    `<span class="muted">${text(`${state}${uncovered}`, 300)}</span></summary>${sourceListing(file, source, budget)}</details>`
  );
}
