/**
 * The plain forms of the record lines that make up nearly all of a tracefile, checked on its bytes without
 * decoding them: DA:<line>,<hits>, BRDA:<line>,<block>,<branch>,<taken|->, FN:<line>,<name>,
 * FNDA:<hits>,<name> and the LF/LH/BRF/BRH/FNF/FNH summaries, each ending in \n or \r\n. Every line
 * accepted here is one the full reader accepts; anything else (a checksum, a sign, an exponent, a stray
 * space, a non-ASCII byte, an error) is left to it.
 */

const NEWLINE = 10;
const RETURN = 13;
const COMMA = 44;
const COLON = 58;
const DASH = 45;
const [A, B, D, F, H, L, N, R] = [65, 66, 68, 70, 72, 76, 78, 82];

/** The offset just past the line at `start` when it is a plain record line, else -1. */
export function plainRecordEnd(bytes: Uint8Array, start: number): number {
  const c0 = bytes[start];
  const c1 = bytes[start + 1];
  const c2 = bytes[start + 2];
  if (c0 === D && c1 === A && c2 === COLON) {
    const comma = lineNumberEnd(bytes, start + 3);
    return comma !== -1 && bytes[comma] === COMMA ? lineEnd(bytes, countEnd(bytes, comma + 1)) : -1;
  }
  if (c0 === B && c1 === R) {
    if (c2 === D && bytes[start + 3] === A && bytes[start + 4] === COLON) return branchEnd(bytes, start + 5);
    if ((c2 === F || c2 === H) && bytes[start + 3] === COLON) return summaryEnd(bytes, start + 4);
    return -1;
  }
  if (c0 === F && c1 === N) {
    if (c2 === COLON) {
      const comma = lineNumberEnd(bytes, start + 3);
      return comma !== -1 && bytes[comma] === COMMA ? nameEnd(bytes, comma + 1) : -1;
    }
    if (c2 === D && bytes[start + 3] === A && bytes[start + 4] === COLON) {
      const comma = countEnd(bytes, start + 5);
      return comma !== -1 && bytes[comma] === COMMA ? nameEnd(bytes, comma + 1) : -1;
    }
    if ((c2 === F || c2 === H) && bytes[start + 3] === COLON) return summaryEnd(bytes, start + 4);
    return -1;
  }
  if (c0 === L && (c1 === F || c1 === H) && c2 === COLON) return summaryEnd(bytes, start + 3);
  return -1;
}

/** 1 to 15 digits (exact as a double), the first not 0: the offset after them, or -1. */
function lineNumberEnd(bytes: Uint8Array, i: number): number {
  return bytes[i] === 48 ? -1 : countEnd(bytes, i);
}

/** 1 to 15 digits: the offset after them, or -1. */
function countEnd(bytes: Uint8Array, i: number): number {
  if (i === -1) return -1;
  const from = i;
  let c = bytes[i]!;
  while (c >= 48 && c <= 57) c = bytes[++i]!;
  return i === from || i - from > 15 ? -1 : i;
}

/** The offset after a line ending (\n or \r\n) at `i`, or -1. */
function lineEnd(bytes: Uint8Array, i: number): number {
  if (i === -1) return -1;
  if (bytes[i] === RETURN) i++;
  return bytes[i] === NEWLINE ? i + 1 : -1;
}

function summaryEnd(bytes: Uint8Array, i: number): number {
  return lineEnd(bytes, countEnd(bytes, i));
}

/** A name to the end of the line: ASCII, ending in a printable character other than space. */
function nameEnd(bytes: Uint8Array, from: number): number {
  let i = from;
  let c = bytes[i];
  while (c !== undefined && c !== NEWLINE && c < 0x80) c = bytes[++i];
  if (c !== NEWLINE) return -1;
  let last = i - 1;
  if (bytes[last] === RETURN) last--;
  const l = bytes[last]!;
  return last >= from && l > 32 && l < 127 ? i + 1 : -1;
}

/** After "BRDA:": <line>,<block without commas>,<branch>,<taken or ->, ASCII. */
function branchEnd(bytes: Uint8Array, from: number): number {
  const first = lineNumberEnd(bytes, from);
  if (first === -1 || bytes[first] !== COMMA) return -1;
  let second = -1;
  let last = -1;
  let i = first + 1;
  let c = bytes[i];
  while (c !== undefined && c !== NEWLINE && c < 0x80) {
    if (c === COMMA) {
      if (second === -1) second = i;
      last = i;
    }
    c = bytes[++i];
  }
  if (c !== NEWLINE || second === -1 || last === second) return -1;
  const taken = bytes[last + 1] === DASH ? last + 2 : countEnd(bytes, last + 1);
  return lineEnd(bytes, taken) === i + 1 ? i + 1 : -1;
}
