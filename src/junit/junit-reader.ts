import type { JUnitDialect } from './dialects.ts';
import { JUnitBuilder } from './junit-xml.ts';
import { reportStream } from './stream.ts';
import type { ReportStream, StreamingReportReader } from './types.ts';
import { readUtf8 } from './utf8.ts';
import { XmlTokenizer } from './xml-tokenizer.ts';

/** `<testsuites` or `<testsuite` as the first element, after the declaration, comments and DOCTYPE. */
export function looksLikeJUnit(head: string): boolean {
  const text = head
    .replace(/^\uFEFF/, '')
    .replace(/^(?:\s+|<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>[]*(?:\[[\s\S]*?\])?\s*>)*/, '');
  return /^<testsuites?[\s/>]/.test(text);
}

/**
 * Reads one JUnit XML file as a stream of attempts; the dialect is detected per testsuite unless forced.
 * `contents`, when given, is the whole file already read.
 */
export function readJUnit(path: string, dialect?: JUnitDialect, contents?: Uint8Array): ReportStream {
  return reportStream(async function* (warnings) {
    const builder = new JUnitBuilder(path, warnings, dialect);
    const tokenizer = new XmlTokenizer(builder, path, (name, line) =>
      warnings.add(
        `${path}:${line}: a second root element <${name}> (several reports concatenated?); read as one report`,
      ),
    );
    for await (const text of readUtf8(path, () => tokenizer.linesReceived(), undefined, contents)) {
      tokenizer.write(text);
      if (builder.out.length > 0) yield builder.take();
    }
    tokenizer.end();
    builder.finish();
    yield builder.take();
  });
}

/** A JUnit reader pinned to one dialect, for reports whose producer the detection cannot tell. */
export function createJUnitReader(dialect?: JUnitDialect): StreamingReportReader {
  return {
    name: dialect === undefined ? 'junit' : `junit-${dialect}`,
    detect: (_path, head) => looksLikeJUnit(head),
    read: (path, contents) => readJUnit(path, dialect, contents),
  };
}

export const junitReader: StreamingReportReader = createJUnitReader();
