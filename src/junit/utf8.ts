import { createReadStream } from 'node:fs';
import { invalidUtf8 } from './errors.ts';

/** Large reads keep the per-chunk overhead small; memory stays at a few chunks. */
const CHUNK_BYTES = 1 << 16;

/**
 * Decodes a file as strict UTF-8, chunk by chunk. Invalid bytes are a TESTLOOP_INVALID_UTF8 error
 * naming the line: `linesBefore()` tells how many lines the caller has already received, the line
 * inside the failing chunk is counted here. A UTF-8 byte order mark is dropped. `contents`, when given, is
 * the whole file already read: decoded as one chunk.
 */
export async function* readUtf8(
  path: string,
  linesBefore: () => number,
  chunkBytes = CHUNK_BYTES,
  contents?: Uint8Array,
): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let first = true;
  let carry: Uint8Array | undefined;
  const chunks = contents
    ? [contents]
    : (createReadStream(path, { highWaterMark: chunkBytes }) as AsyncIterable<Buffer>);
  for await (const chunk of chunks) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      const bytes = carry ? Buffer.concat([carry, chunk]) : chunk;
      throw invalidUtf8(path, linesBefore() + lineOfInvalid(bytes), first && looksUtf16(chunk));
    }
    // A sequence the next chunk completes: scanning resumes at its lead byte if that chunk is invalid.
    carry = incompleteTail(chunk);
    first = false;
    if (text !== '') yield text;
  }
  let rest: string;
  try {
    rest = decoder.decode();
  } catch {
    throw invalidUtf8(path, linesBefore() + 1, false);
  }
  if (rest !== '') yield rest;
}

function incompleteTail(chunk: Uint8Array): Uint8Array | undefined {
  for (let k = 1; k <= 3 && k <= chunk.length; k++) {
    const b = chunk[chunk.length - k]!;
    if ((b & 0xc0) === 0x80) continue;
    if (b < 0xc0) return undefined;
    const need = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : 1;
    return need >= k ? chunk.subarray(chunk.length - k) : undefined;
  }
  return undefined;
}

function looksUtf16(bytes: Uint8Array): boolean {
  return (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
}

/** 1-based line, within `bytes`, of the first byte that is not valid UTF-8. */
function lineOfInvalid(bytes: Uint8Array): number {
  const at = firstInvalid(bytes);
  let line = 1;
  for (let i = 0; i < at; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

function firstInvalid(bytes: Uint8Array): number {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    if (i + need >= n) return i;
    let code = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k]!;
      if ((c & 0xc0) !== 0x80) return i;
      code = (code << 6) | (c & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return i;
    i += need + 1;
  }
  return n;
}
