import { lineRanges } from '../gaps/compute.ts';
import { unmeasuredSources } from '../gaps/source-files.ts';
import type { FileGaps, GapsResult } from '../gaps/types.ts';
import { fileRows, othersSentence, worstFirst } from './file-rows.ts';
import { formatPercent, passesThreshold, plural } from './text.ts';
import type { GapsReporter, ReportContext } from './types.ts';

/** GitHub rejects issue and pull-request comments longer than this. */
export const MARKDOWN_LIMIT = 65536;
/** Lets the comment integration find and update its own earlier comment. */
export const MARKDOWN_MARKER = '<!-- testloop:gaps -->';
/** When the full comment is too long, rows keep fewer ranges, down to the last cap, before rows go. */
const RANGE_CAPS = [20, 10, 5, 3];
/** Room kept for the closing "left out" line, which is written only after the cut is known. */
const FOOTER_RESERVE = 400;
const TABLE_HEAD = ['| File | Coverage | Coverable lines | Uncovered lines |', '| --- | ---: | ---: | --- |'];
const DETAILS_OPEN = '<details><summary>Uncovered branches and functions</summary>';

export const markdownReporter: GapsReporter = {
  name: 'markdown',
  render: (result, context) => renderMarkdown(result, context),
};

/**
 * The comment body, at most `limit` UTF-8 bytes (bytes, not characters: never more characters, and
 * GitHub's step summary limit is in bytes). Worst files come first, so a cut drops the best-covered.
 */
export function renderMarkdown(result: GapsResult, context: ReportContext, limit = MARKDOWN_LIMIT): string {
  const head = headOf(result, context);
  if (result.files.length === 0) return `${head.join('\n')}\nNo changed source files: nothing to check.\n`;
  const files = [...result.files].sort(worstFirst);
  const { listed, uncoverable, others } = fileRows(files);
  const note = [
    ...(uncoverable > 0 ? [`${plural(uncoverable, 'changed file', 's')} without coverable lines.`] : []),
    ...(others.length > 0 ? [othersSentence(others, (path) => escapeMarkdown(path))] : []),
  ];
  const details = detailsOf(listed, context);
  const warnings = result.warnings.map((warning) => `- ${escapeMarkdown(warning)}`);
  const all = rowsOf(listed, context, Number.POSITIVE_INFINITY).items;
  const whole = assemble({ head, rows: all, note, details, warnings });
  if (bytes(whole) <= limit) return whole;

  // Rows first (worst files kept), but branches/functions and warnings each keep up to a tenth.
  const frame = assemble({ head, rows: [''], note, details: [''], warnings: [''], footer: '' });
  let budget = limit - bytes(frame) - FOOTER_RESERVE;
  const warningsReserve = Math.min(total(warnings), Math.floor(budget / 10));
  const detailsReserve = Math.min(total(details), Math.floor(budget / 10));
  const rowBudget = budget - warningsReserve - detailsReserve;
  let rows = rowsOf(listed, context, RANGE_CAPS[0]!);
  for (const cap of RANGE_CAPS.slice(1)) {
    if (countFitting(rows.items, rowBudget) === rows.items.length) break;
    rows = rowsOf(listed, context, cap);
  }
  const rowCount = countFitting(rows.items, rowBudget);
  budget -= total(rows.items.slice(0, rowCount));
  const detailCount = countFitting(details, budget - warningsReserve);
  budget -= total(details.slice(0, detailCount));
  const warningCount = countFitting(warnings, budget);

  const droppedRows = listed.slice(rowCount);
  const lines =
    sum(rows.hiddenLines.slice(0, rowCount)) + sum(droppedRows.map((f) => f.uncoveredLines.length));
  const left = [
    droppedRows.length > 0 ? `${count(droppedRows.length)} of ${count(listed.length)} files` : '',
    lines > 0 ? `${count(lines)} uncovered lines` : '',
    detailCount < details.length ? `${count(details.length - detailCount)} uncovered branches/functions` : '',
    warningCount < warnings.length ? `${count(warnings.length - warningCount)} warnings` : '',
  ].filter(Boolean);
  const footer = `_Left out to stay under ${count(limit)} characters: ${left.join(', ')}. See the full JSON or SARIF output for every gap._`;
  return assemble({
    head,
    rows: rows.items.slice(0, rowCount),
    note,
    details: details.slice(0, detailCount),
    warnings: warnings.slice(0, warningCount),
    footer: left.length > 0 ? footer : undefined,
  });
}

function headOf(result: GapsResult, context: ReportContext): string[] {
  const percent = formatPercent(result.totals.percent);
  const passed = passesThreshold(result, context);
  const unmeasured = unmeasuredSources(result);
  const headline =
    unmeasured > 0
      ? `### ⚠️ Diff coverage: not measured (${count(unmeasured)} changed source ${unmeasured === 1 ? 'file' : 'files'} no coverage report mentions)`
      : passed === undefined
        ? `### Diff coverage: ${percent}`
        : passed
          ? `### ✅ Diff coverage: ${percent} (required: ${context.failUnder}%)`
          : `### ❌ Diff coverage: ${percent} is below the required ${context.failUnder}%`;
  const { totals } = result;
  const summary = [
    `${count(totals.coverableLines - totals.uncoveredLines)} of ${count(totals.coverableLines)} coverable changed lines covered`,
    `${count(totals.uncoveredBranches)} uncovered ${totals.uncoveredBranches === 1 ? 'branch' : 'branches'}`,
    `${count(totals.uncoveredFunctions)} uncovered ${totals.uncoveredFunctions === 1 ? 'function' : 'functions'}`,
  ];
  return [MARKDOWN_MARKER, headline, '', `${summary.join(' · ')}.`];
}

function rowsOf(files: readonly FileGaps[], context: ReportContext, maxRanges: number) {
  const hiddenLines: number[] = [];
  const items = files.map((file) => {
    hiddenLines.push(0);
    if (!file.measured) return `| ${escapeMarkdown(file.path)} | not measured | – | |`;
    const ranges = lineRanges(file.uncoveredLines);
    const shown = ranges.slice(0, maxRanges).map((r) => lineLink(file.path, r.start, r.end, context));
    const hidden = sum(ranges.slice(maxRanges).map((range) => range.end - range.start + 1));
    if (hidden > 0) shown.push(`… ${count(hidden)} more`);
    hiddenLines[hiddenLines.length - 1] = hidden;
    return `| ${escapeMarkdown(file.path)} | ${formatPercent(file.percent)} | ${count(file.coverableLines)} | ${shown.join(', ')} |`;
  });
  return { items, hiddenLines };
}

function detailsOf(files: readonly FileGaps[], context: ReportContext): string[] {
  const items: string[] = [];
  for (const file of files) {
    const path = escapeMarkdown(file.path);
    for (const b of file.uncoveredBranches) {
      const at = lineLink(file.path, b.line, b.line, context);
      items.push(`- ${path} line ${at}: ${b.taken} of ${b.total} branches taken`);
    }
    for (const fn of file.uncoveredFunctions) {
      const at = lineLink(file.path, fn.line, fn.line, context);
      items.push(`- ${path} line ${at}: function ${escapeMarkdown(fn.name)} never called`);
    }
  }
  return items;
}

interface Sections {
  head: string[];
  rows: string[];
  note: string[];
  details: string[];
  warnings: string[];
  footer?: string | undefined;
}

function assemble({ head, rows, note, details, warnings, footer }: Sections): string {
  const out = [...head];
  if (rows.length > 0) out.push('', ...TABLE_HEAD, ...rows);
  for (const line of note) out.push('', line);
  if (details.length > 0) {
    out.push('', DETAILS_OPEN, '', ...details, '', '</details>');
  }
  if (warnings.length > 0) out.push('', '**Warnings**', '', ...warnings);
  if (footer !== undefined) out.push('', footer);
  return `${out.join('\n')}\n`;
}

/** "4-6", linked to the lines on GitHub when the repository and commit are known. */
function lineLink(path: string, start: number, end: number, context: ReportContext): string {
  const text = start === end ? `${start}` : `${start}-${end}`;
  if (!context.repositoryUrl || !context.commit) return text;
  const anchor = start === end ? `L${start}` : `L${start}-L${end}`;
  const url = `${context.repositoryUrl.replace(/\/+$/, '')}/blob/${context.commit}/${encodePath(path)}#${anchor}`;
  return `[${text}](${url})`;
}

/** Each segment percent-encoded, parentheses too, so the URL cannot end a markdown link early. */
export function encodePath(path: string): string {
  return path
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/\(/g, '%28').replace(/\)/g, '%29'))
    .join('/');
}

/** Plain text safe in a table cell: no column breaks, no HTML, no code spans, links or emphasis. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]|~]/g, '\\$&');
}

/** How many leading items fit in `budget` bytes, one line each. */
function countFitting(items: readonly string[], budget: number): number {
  let used = 0;
  for (let i = 0; i < items.length; i++) {
    used += bytes(items[i]!) + 1;
    if (used > budget) return i;
  }
  return items.length;
}

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const total = (items: readonly string[]) => sum(items.map((item) => bytes(item) + 1));
const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
const count = (n: number) => n.toLocaleString('en-US');
