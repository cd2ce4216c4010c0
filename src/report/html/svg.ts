import type { TrendPoint } from '../../ci/types.ts';
import { esc } from './escape.ts';
import { duration, num } from './format.ts';

export interface Bar {
  label: string;
  value: number;
  /** CSS class of the bar (colour). */
  tone?: string;
}

const BAR_HEIGHT = 22;
const BAR_GAP = 8;
const LABEL_WIDTH = 130;
const VALUE_WIDTH = 50;

/** Horizontal bars scaled to the largest value; labels left, counts right. */
export function barChart(bars: readonly Bar[], label: string, width = 520): string {
  const max = Math.max(1, ...bars.map((bar) => num(bar.value)));
  const track = width - LABEL_WIDTH - VALUE_WIDTH;
  const height = bars.length * (BAR_HEIGHT + BAR_GAP);
  const rows = bars.map((bar, i) => {
    const y = i * (BAR_HEIGHT + BAR_GAP);
    const w = (num(bar.value) / max) * track;
    const middle = y + BAR_HEIGHT / 2;
    return (
      `<g class="bar-row"><title>${esc(`${bar.label}: ${num(bar.value)}`)}</title>` +
      `<text class="bar-label" x="${LABEL_WIDTH - 8}" y="${middle}" text-anchor="end" dominant-baseline="middle">${esc(bar.label)}</text>` +
      `<rect class="bar-track" x="${LABEL_WIDTH}" y="${y}" width="${track}" height="${BAR_HEIGHT}" rx="3"></rect>` +
      `<rect class="bar ${esc(bar.tone ?? '')}" x="${LABEL_WIDTH}" y="${y}" width="${w.toFixed(1)}" height="${BAR_HEIGHT}" rx="3"></rect>` +
      `<text class="bar-value" x="${LABEL_WIDTH + track + 8}" y="${middle}" dominant-baseline="middle">${num(bar.value)}</text></g>`
    );
  });
  return `<svg class="chart bars" role="img" aria-label="${esc(label)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${rows.join('')}</svg>`;
}

const STEP = 14;
const MARK = 10;
const LINE_TOP = 6;
const LINE_HEIGHT = 50;
const MARKS_Y = LINE_TOP + LINE_HEIGHT + 10;
const AXIS = 44;

/**
 * One mark per run, coloured by status, under a line of the test's duration per run (oldest left).
 * The text alternative lives next to the chart (see the flaky view); the SVG carries a summary label.
 */
export function trendChart(points: readonly TrendPoint[], label: string): string {
  const width = AXIS + Math.max(points.length, 8) * STEP + 4;
  const height = MARKS_Y + MARK + 4;
  const longest = Math.max(1, ...points.map((point) => num(point.durationMs)));
  const centre = (i: number) => AXIS + i * STEP + STEP / 2;
  const yOf = (ms: number) => LINE_TOP + LINE_HEIGHT - (num(ms) / longest) * LINE_HEIGHT;
  const line = points
    .map((point, i) => `${centre(i).toFixed(1)},${yOf(point.durationMs).toFixed(1)}`)
    .join(' ');
  const marks = points.map((point, i) => {
    const status = statusClass(point.status);
    const title = `${point.runId} @ ${point.commit.slice(0, 7)}${point.startedAt ? ` ${point.startedAt}` : ''}: ${point.status}, ${duration(point.durationMs)}`;
    return `<rect class="mark ${status}" data-status="${status}" x="${(centre(i) - MARK / 2).toFixed(1)}" y="${MARKS_Y}" width="${MARK}" height="${MARK}" rx="2"><title>${esc(title)}</title></rect>`;
  });
  return (
    `<svg class="chart trend" role="img" aria-label="${esc(label)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<text class="axis" x="${AXIS - 6}" y="${LINE_TOP + 4}" text-anchor="end">${esc(duration(longest))}</text>` +
    `<text class="axis" x="${AXIS - 6}" y="${LINE_TOP + LINE_HEIGHT}" text-anchor="end">0</text>` +
    `<line class="grid" x1="${AXIS}" x2="${width - 4}" y1="${LINE_TOP + LINE_HEIGHT}" y2="${LINE_TOP + LINE_HEIGHT}"></line>` +
    (points.length > 1
      ? `<polyline class="duration" fill="none" points="${line}"></polyline>`
      : points.length === 1
        ? `<circle class="duration-dot" cx="${centre(0)}" cy="${yOf(points[0]!.durationMs).toFixed(1)}" r="3"></circle>`
        : '') +
    marks.join('') +
    '</svg>'
  );
}

/** Status values come from stored history: only the known ones become a class name. */
export function statusClass(status: string): string {
  return status === 'passed' || status === 'failed' || status === 'flaky' || status === 'skipped'
    ? status
    : 'unknown';
}
