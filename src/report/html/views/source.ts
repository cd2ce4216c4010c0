import type { SourceFile } from '../../../ci/types.ts';
import type { FileGaps } from '../../../gaps/types.ts';
import { splitLines } from '../../../util/text.ts';
import { esc, text } from '../escape.ts';

/** Files up to this many lines carry their unchanged lines, folded; longer ones only their changes. */
export const FULL_FILE_LINES = 400;
/** Unchanged lines shown around each changed range. */
export const CONTEXT_LINES = 3;
/** Rows one file's listing may show; the rest is one "N more lines" row. */
export const LISTED_LINES_LIMIT = 1500;
/** Rows all listings of one report may show together, so many changed files cannot make a huge page. */
export const REPORT_LINES_LIMIT = 5000;
/** Folded rows all listings may carry together (in the page, shown on request). */
const FOLDED_LINES_LIMIT = 5000;
/** Characters of one source line (a minified bundle is one huge line). */
const LINE_CHARS = 400;

type Range = { start: number; end: number };

interface Marks {
  changed: Set<number>;
  uncovered: Set<number>;
  /** Changed lines with branches not all taken, with what to say about them. */
  partial: Map<number, string>;
}

function marksOf(file: FileGaps, source: SourceFile): Marks {
  const changed = new Set<number>();
  for (const hunk of source.hunks ?? [])
    for (let line = hunk.start; line <= hunk.end; line++) changed.add(line);
  const uncovered = new Set(file.uncoveredLines);
  const partial = new Map<number, string>();
  for (const branch of file.uncoveredBranches) {
    partial.set(branch.line, `${branch.taken} of ${branch.total} branches taken`);
  }
  for (const fn of file.uncoveredFunctions) {
    const before = partial.get(fn.line);
    partial.set(fn.line, `${before ? `${before}; ` : ''}function ${fn.name} never called`);
  }
  // Without the diff's ranges, the lines coverage names are the only changed lines known.
  for (const line of uncovered) changed.add(line);
  for (const line of partial.keys()) changed.add(line);
  return { changed, uncovered, partial };
}

/** Ranges of consecutive changed lines widened by `context` and merged, within 1..lineCount. */
function windowsOf(changed: ReadonlySet<number>, lineCount: number, context: number): Range[] {
  const sorted = [...changed].filter((line) => line >= 1 && line <= lineCount).sort((a, b) => a - b);
  const windows: Range[] = [];
  for (const line of sorted) {
    const start = Math.max(1, line - context);
    const end = Math.min(lineCount, line + context);
    const last = windows[windows.length - 1];
    if (last && start <= last.end + 1) last.end = Math.max(last.end, end);
    else windows.push({ start, end });
  }
  return windows;
}

/** What is left of REPORT_LINES_LIMIT and FOLDED_LINES_LIMIT; each listing takes its rows from them. */
export interface LineBudget {
  left: number;
  folded: number;
}

export function lineBudget(): LineBudget {
  return { left: REPORT_LINES_LIMIT, folded: FOLDED_LINES_LIMIT };
}

/**
 * The changed lines of a file with CONTEXT_LINES around them; the unchanged stretches between are one row
 * each, which unfolds them when the file is short enough to carry them.
 */
export function sourceListing(file: FileGaps, source: SourceFile | undefined, budget: LineBudget): string {
  if (!source) {
    return '<p class="panel missing">source not available: this file was not passed to the report.</p>';
  }
  if (source.text === undefined || source.text.includes('\u0000')) {
    return '<p class="panel missing">source not shown: the file is binary, too large, or no longer exists.</p>';
  }
  const lines = splitLines(source.text);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const marks = marksOf(file, source);
  const foldable = lines.length <= FULL_FILE_LINES;
  const windows = windowsOf(marks.changed, lines.length, CONTEXT_LINES);
  const notes: string[] = [];
  if (!source.hunks)
    notes.push('the diff ranges were not given: only lines coverage names are marked as changed');
  if (!foldable) {
    notes.push(
      `${lines.length} lines: only the changed lines with ${CONTEXT_LINES} lines of context around them are shown`,
    );
  }
  const noteHtml = notes.map((note) => `<p class="note">${esc(note)}</p>`).join('');
  if (windows.length === 0) {
    return `${noteHtml}<p class="panel missing">no changed lines known in this file's ${lines.length} lines.</p>`;
  }
  if (budget.left <= 0) {
    return '<p class="panel missing">source not shown: the report already lists as many lines as it holds.</p>';
  }
  const limit = Math.min(LISTED_LINES_LIMIT, budget.left);
  const body = new Listing();
  const unchanged = (start: number, end: number) => {
    if (start > end) return;
    const folded = foldable && end - start + 1 <= budget.folded;
    if (!folded) return body.row(skipRow(start, end));
    budget.folded -= end - start + 1;
    const rows: string[] = [];
    for (let line = start; line <= end; line++) rows.push(lineRow(line, lines[line - 1] ?? '', marks));
    body.fold(start, end, rows);
  };
  let listed = 0;
  let previousEnd = 0;
  for (const window of windows) {
    unchanged(previousEnd + 1, window.start - 1);
    for (let line = window.start; line <= window.end; line++) {
      if (listed === limit) {
        const rest = countRemaining(windows, line);
        body.row(`<tr class="skip"><td colspan="3">${esc(`… ${rest} more lines not shown`)}</td></tr>`);
        budget.left -= listed;
        return `${noteHtml}${body.html()}`;
      }
      body.row(lineRow(line, lines[line - 1] ?? '', marks));
      listed++;
    }
    previousEnd = window.end;
  }
  unchanged(previousEnd + 1, lines.length);
  budget.left -= listed;
  return `${noteHtml}${body.html()}`;
}

/** Table sections: shown rows, and for each fold a row with its button followed by the hidden rows. */
class Listing {
  private readonly parts: string[] = [];
  private open: string[] = [];

  row(html: string): void {
    this.open.push(html);
  }

  fold(start: number, end: number, rows: readonly string[]): void {
    this.flush();
    const what = start === end ? `line ${start}` : `lines ${start}-${end}`;
    this.parts.push(
      `<tbody class="fold-toggle"><tr class="skip"><td colspan="3"><button type="button" class="expand" aria-expanded="false">${esc(`⋯ ${what} unchanged`)}</button></td></tr></tbody>`,
      `<tbody class="fold" hidden>${rows.join('')}</tbody>`,
    );
  }

  html(): string {
    this.flush();
    return `<div class="source"><table class="code">${this.parts.join('')}</table></div>`;
  }

  private flush(): void {
    if (this.open.length > 0) this.parts.push(`<tbody>${this.open.join('')}</tbody>`);
    this.open = [];
  }
}

function countRemaining(windows: readonly Range[], from: number): number {
  let rest = 0;
  for (const window of windows) {
    if (window.end < from) continue;
    rest += window.end - Math.max(window.start, from) + 1;
  }
  return rest;
}

function skipRow(start: number, end: number): string {
  const what = start === end ? `line ${start}` : `lines ${start}-${end}`;
  return `<tr class="skip"><td colspan="3">${esc(`⋯ ${what} unchanged, not shown`)}</td></tr>`;
}

/** Kept lean (thousands of rows): the legend above the listings says what the marks mean. */
function lineRow(line: number, content: string, marks: Marks): string {
  const classes: string[] = [];
  let mark = '';
  let title = '';
  if (marks.changed.has(line)) {
    classes.push('changed');
    mark = '+';
  }
  const partial = marks.partial.get(line);
  if (marks.uncovered.has(line)) {
    classes.push('uncovered');
    mark = '✗';
  } else if (partial) {
    classes.push('partial');
    mark = '◐';
    title = ` title="${text(`partly covered: ${partial}`)}"`;
  }
  const classAttr = classes.length > 0 ? ` class="${classes.join(' ')}"` : '';
  return `<tr${classAttr} data-line="${line}"${title}><td class="ln">${line}</td><td class="mk">${mark}</td><td class="src-line">${text(content, LINE_CHARS)}</td></tr>`;
}
