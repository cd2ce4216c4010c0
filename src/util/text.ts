import { isAscii } from 'node:buffer';
import { TestloopError } from '../errors.ts';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decodes strictly: invalid UTF-8 is a named error with its line, never silently replaced characters. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  // Most reports are plain ASCII: one check, then a copy, instead of a full UTF-8 decode.
  if (isAscii(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw invalidUtf8(file, lineOfFirstInvalidByte(bytes));
  }
}

export function invalidUtf8(file: string, line: number): TestloopError {
  return new TestloopError(
    'TESTLOOP_INVALID_UTF8',
    `${file}:${line}: invalid UTF-8. Re-encode the file as UTF-8 or regenerate it`,
  );
}

function lineOfFirstInvalidByte(bytes: Uint8Array): number {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      try {
        strictUtf8.decode(bytes.subarray(lineStart, i));
      } catch {
        return line;
      }
      line++;
      lineStart = i + 1;
    }
  }
  return line;
}

/** Splits on \n and strips a trailing \r, so reports written on Windows read the same. */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
  }
  return lines;
}
