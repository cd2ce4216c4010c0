import { esc } from './escape.ts';

/** A finite number or 0: the result is ours, but a NaN must never reach a style or an SVG attribute. */
export function num(value: number | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

export function duration(ms: number | undefined): string {
  const value = num(ms);
  if (value < 1000) return `${Math.round(value)} ms`;
  if (value < 60_000) return `${(value / 1000).toFixed(1)} s`;
  const minutes = Math.floor(value / 60_000);
  const seconds = Math.round((value % 60_000) / 1000);
  return seconds === 0 ? `${minutes} min` : `${minutes} min ${seconds} s`;
}

export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}

export function percent(value: number | undefined): string {
  return `${num(value).toFixed(2)}%`;
}

export function integer(value: number | undefined): string {
  return Math.round(num(value)).toLocaleString('en-US');
}

/** Sorted line numbers as ranges: 4-6, 10. */
export function lineRanges(lines: readonly number[]): string {
  const sorted = [...new Set(lines)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const start = sorted[i]!;
    let end = start;
    while (sorted[i + 1] === end + 1) end = sorted[++i]!;
    parts.push(end === start ? `${start}` : `${start}-${end}`);
  }
  return parts.join(', ');
}

export function shortCommit(commit: string | undefined): string {
  return commit ? commit.slice(0, 7) : '';
}

/** The first `limit` items rendered, then one "N more" line, so a huge result never makes a huge page. */
export function capped<T>(
  items: readonly T[],
  limit: number,
  render: (item: T, index: number) => string,
  more: (rest: number) => string,
): string {
  const shown = items.slice(0, limit).map(render).join('');
  return items.length > limit ? shown + more(items.length - limit) : shown;
}

export function moreRow(columns: number, rest: number, what: string): string {
  return `<tr class="more"><td colspan="${columns}">${esc(`… ${rest} more ${what} not shown (see the JSON output)`)}</td></tr>`;
}

export function moreItem(rest: number, what: string): string {
  return `<li class="more">${esc(`… ${rest} more ${what} not shown (see the JSON output)`)}</li>`;
}
