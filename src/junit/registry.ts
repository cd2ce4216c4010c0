import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { unknownFormat } from './errors.ts';
import { junitReader, looksLikeJUnit } from './junit-reader.ts';
import { jestLog } from './logs/jest.ts';
import { headLines, type LogFormat, logReader } from './logs/lines.ts';
import { nodeTestLog } from './logs/node-test.ts';
import { pytestLog } from './logs/pytest.ts';
import { vitestLog } from './logs/vitest.ts';
import type { ReportStream, StreamingReportReader, TestAttempt } from './types.ts';

const logFormats: readonly LogFormat[] = [vitestLog, jestLog, nodeTestLog, pytestLog];

/** JUnit XML first (its root element is unambiguous), then the runner logs. */
export const reportReaders: readonly StreamingReportReader[] = [junitReader, ...logFormats.map(logReader)];

/** Bytes read to recognise a report: CI logs often print a lot of setup before the test output. */
const HEAD_BYTES = 1024 * 1024;

export function readerByName(name: string): StreamingReportReader | undefined {
  return reportReaders.find((reader) => reader.name === name);
}

/**
 * The reader for a file, from its first bytes: JUnit XML when the first element is `<testsuites>` or
 * `<testsuite>`; otherwise the log format whose markers (`RUN v…`, `Test Files`, `PASS file`,
 * `Test Suites:`, `TAP version`, `▶`/`✔`, `test session starts`, …) are most frequent in the head.
 */
export function detectReader(path: string, head: string): StreamingReportReader | undefined {
  if (looksLikeJUnit(head)) return junitReader;
  const lines = headLines(head);
  let best: { format: LogFormat; score: number } | undefined;
  for (const format of logFormats) {
    const score = format.score(lines);
    if (score > 0 && (best === undefined || score > best.score)) best = { format, score };
  }
  if (best !== undefined) return readerByName(best.format.name);
  // An .xml file that is not JUnit reads as JUnit, so its error names the line that is wrong.
  if (/\.xml$/i.test(path)) return junitReader;
  return undefined;
}

export async function readHead(path: string, bytes = HEAD_BYTES): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return new TextDecoder('utf-8').decode(buffer.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/** Reused by every readStart: reading one report at a time is synchronous. */
let scratch: Buffer | undefined;

/**
 * The head of a report and, when the file is no longer than the head, the whole file. Synchronous: a CI
 * run is often hundreds of small reports (Surefire writes one per test class), and every asynchronous
 * open, read and close is a round trip through the thread pool that leaves the main thread idle.
 */
function readStart(path: string): { reader: StreamingReportReader | undefined; whole?: Uint8Array } {
  scratch ??= Buffer.allocUnsafe(HEAD_BYTES);
  const fd = openSync(path, 'r');
  try {
    const bytesRead = readSync(fd, scratch, 0, HEAD_BYTES, 0);
    const reader = detectFromBytes(path, scratch.subarray(0, bytesRead));
    const complete = bytesRead < HEAD_BYTES && readSync(fd, scratch, bytesRead, 1, bytesRead) === 0;
    // A copy: the scratch buffer is reused by the next report while this one is still being read.
    return complete ? { reader, whole: new Uint8Array(scratch.subarray(0, bytesRead)) } : { reader };
  } finally {
    closeSync(fd);
  }
}

/** Bytes decoded first to recognise JUnit XML, whose root element comes first. */
const XML_PREFIX_BYTES = 4096;

/**
 * detectReader on a report's first bytes. Most reports are JUnit XML, told from the first few KiB: the
 * whole head is decoded (to score log markers) only when those do not settle it.
 */
function detectFromBytes(path: string, head: Uint8Array): StreamingReportReader | undefined {
  const decoder = new TextDecoder('utf-8');
  if (head.length > XML_PREFIX_BYTES && looksLikeJUnit(decoder.decode(head.subarray(0, XML_PREFIX_BYTES)))) {
    return junitReader;
  }
  return detectReader(path, decoder.decode(head));
}

/**
 * Reads any supported report: detects the format from the head, then streams its attempts. Throws
 * TESTLOOP_JUNIT_FORMAT (on iteration) when the file is neither JUnit XML nor a known runner log.
 */
export function readReport(path: string): ReportStream {
  let inner: ReportStream | undefined;
  return {
    get warnings() {
      return inner?.warnings ?? [];
    },
    [Symbol.asyncIterator](): AsyncIterator<TestAttempt> {
      let iterator: AsyncIterator<TestAttempt> | undefined;
      const start = async (): Promise<IteratorResult<TestAttempt>> => {
        const { reader, whole } = readStart(path);
        if (reader === undefined) throw unknownFormat(path);
        inner = reader.read(path, whole);
        iterator = inner[Symbol.asyncIterator]();
        return iterator.next();
      };
      return {
        next: () => (iterator === undefined ? start() : iterator.next()),
        return: async () => (await iterator?.return?.()) ?? { value: undefined, done: true },
      };
    },
  };
}
