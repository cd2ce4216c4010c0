import { reportStream, type Warnings } from '../stream.ts';
import { cleanLogLine, detach } from '../text.ts';
import type { ReportStream, StreamingReportReader, TestAttempt } from '../types.ts';
import { readUtf8 } from '../utf8.ts';

/** A line longer than this is cut (a minified bundle or a base64 blob in the log, not test output). */
const MAX_LINE = 64 * 1024;

/** A log format: fed cleaned lines one at a time, pushes finished attempts to `out`. */
export interface LogParser {
  out: TestAttempt[];
  line(text: string): void;
  /** End of input: emit whatever is still held back. */
  end(): void;
}

export interface LogFormat {
  name: string;
  /** Does this (cleaned) head of a log come from this runner? Higher is more certain; 0 is no. */
  score(lines: readonly string[]): number;
  create(source: string, warnings: Warnings): LogParser;
}

/**
 * Streams a log's lines, cleaned of ANSI codes, CI timestamp prefixes and carriage-return redraws,
 * in bounded memory: one read chunk plus one partial line (cut at 64 KB).
 */
async function* logLines(path: string): AsyncGenerator<string[]> {
  let partial = '';
  let lines = 0;
  for await (const text of readUtf8(path, () => lines)) {
    const batch: string[] = [];
    let from = 0;
    let at = text.indexOf('\n');
    while (at !== -1) {
      const raw = from === 0 && partial !== '' ? partial + text.slice(0, at) : text.slice(from, at);
      if (from === 0) partial = '';
      batch.push(clean(raw));
      from = at + 1;
      at = text.indexOf('\n', from);
    }
    lines += batch.length;
    if (from < text.length) {
      partial = from === 0 ? partial + text : text.slice(from);
      if (partial.length > MAX_LINE * 2) partial = partial.slice(0, MAX_LINE);
    }
    if (batch.length > 0) yield batch;
  }
  if (partial !== '') yield [clean(partial)];
}

function clean(raw: string): string {
  return detach(cleanLogLine(raw.length > MAX_LINE ? raw.slice(0, MAX_LINE) : raw));
}

function readLog(path: string, format: LogFormat): ReportStream {
  return reportStream(async function* (warnings) {
    const parser = format.create(path, warnings);
    for await (const batch of logLines(path)) {
      for (const line of batch) parser.line(line);
      if (parser.out.length > 0) yield takeAll(parser);
    }
    parser.end();
    yield takeAll(parser);
  });
}

function takeAll(parser: LogParser): TestAttempt[] {
  const batch = parser.out;
  parser.out = [];
  return batch;
}

/** Splits a head of text into cleaned lines (for detection). */
export function headLines(head: string): string[] {
  return head
    .split('\n')
    .slice(0, 5000)
    .map((line) => cleanLogLine(line));
}

export function logReader(format: LogFormat): StreamingReportReader {
  return {
    name: format.name,
    detect: (_path, head) => format.score(headLines(head)) > 0,
    read: (path) => readLog(path, format),
  };
}
