import { CoverageParseError } from '../../errors.ts';
import { invalidUtf8 } from '../../util/text.ts';
import { readWholeFile } from '../../util/whole-file.ts';
import {
  addLineHits,
  type BranchHits,
  type CoverageReader,
  type CoverageReport,
  emptyFile,
  type FileCoverage,
  type FunctionHits,
  type LineRange,
  touchesAny,
} from '../types.ts';
import { plainRecordEnd } from './lcov-plain.ts';

interface PendingFunction {
  name: string;
  line: number;
  endLine?: number;
  hits: number;
}

/** Per-record state: lcov lists a function's location and its hits in separate records. */
interface RecordState {
  file: FileCoverage;
  functions: Map<string, PendingFunction>;
  /** FNL index → function, for the lcov 2.3 FNL/FNA pair; indexes are local to one record. */
  functionsByIndex: Map<string, PendingFunction>;
  /**
   * line → [branch id, taken, branch id, taken, …], per file across all its records, so each branch counts
   * once. A line has a handful of branches: a flat list is cheaper to build than a Map per line.
   */
  branches: Map<number, (string | number)[]>;
  /** False while the first pass only checks the records: the fast path then stores nothing. */
  keep: boolean;
  /** Lines whose hits and branches are kept (1), when only some are wanted; the rest are checked only. */
  wanted?: Uint8Array | undefined;
}

function keeps(state: RecordState, line: number): boolean {
  return state.keep && (state.wanted === undefined || state.wanted[line] === 1);
}

const NON_NEGATIVE_INT = /^\d+$/;

/** lcov tracefiles (geninfo, istanbul, c8, vitest, jest, llvm-cov export -format=lcov). */
export const lcovReader: CoverageReader = {
  name: 'lcov',
  detect(path, head, isDirectory) {
    if (isDirectory) return false;
    if (/\.(info|lcov)$/i.test(path)) return true;
    return /^(TN:|SF:|VER:)/m.test(head.slice(0, 4096));
  },
  async read(path) {
    return parseLcovBytes(await readWholeFile(path), path);
  },
};

export function parseLcov(text: string, source: string): CoverageReport {
  return parseLcovBytes(Buffer.from(text, 'utf8'), source);
}

/**
 * Reads a tracefile in two passes. The first checks every line of the bytes as they were read, so a
 * malformed report fails as a whole with the line at fault, and notes where each file's records are; the
 * second decodes and builds a file's lines, branches and functions when they are first looked at. A change
 * touches few of a report's files: building them is most of the cost, and the rest is never decoded.
 */
function parseLcovBytes(bytes: Buffer, source: string): CoverageReport {
  const records = checkRecords(bytes, source);
  const files = [...records].map(([path, ranges]) => new LcovFile(path, bytes, source, ranges));
  return { source, format: 'lcov', roots: [], files };
}

/** One source file of a tracefile: `ranges` are [start, end) byte offsets of its records' bodies, in order. */
class LcovFile implements FileCoverage {
  private built: FileCoverage | undefined;

  constructor(
    public path: string,
    private readonly bytes: Buffer,
    private readonly source: string,
    private readonly ranges: readonly number[],
  ) {}

  get lines(): Map<number, number> {
    return this.build().lines;
  }

  get branches(): Map<number, BranchHits> {
    return this.build().branches;
  }

  get functions(): FunctionHits[] {
    return this.build().functions;
  }

  within(ranges: readonly LineRange[]): FileCoverage {
    if (this.built) return this.built;
    let last = 0;
    for (const range of ranges) last = Math.max(last, range.end);
    const wanted = new Uint8Array(last + 1);
    for (const range of ranges) wanted.fill(1, Math.max(0, range.start), range.end + 1);
    const file = this.read(wanted);
    file.functions = file.functions.filter((fn) => touchesAny(fn.line, fn.endLine ?? fn.line, ranges));
    return file;
  }

  private build(): FileCoverage {
    this.built ??= this.read(undefined);
    return this.built;
  }

  /** The file's records, keeping lines and branches only where `wanted` is set (all without it). */
  private read(wanted: Uint8Array | undefined): FileCoverage {
    const file = emptyFile(this.path);
    const state: RecordState = {
      file,
      functions: new Map(),
      functionsByIndex: new Map(),
      branches: new Map(),
      keep: true,
      wanted,
    };
    for (let i = 0; i < this.ranges.length; i += 2) {
      state.functionsByIndex = new Map();
      const from = this.ranges[i]!;
      // Checked by the first pass: valid UTF-8, and every line reads.
      const text = this.bytes.toString('utf8', from, this.ranges[i + 1]!);
      buildRecord(text, state, (detail, at) => {
        const line = lineNumberAt(this.bytes, from) + text.slice(0, at).split('\n').length - 1;
        throw new CoverageParseError(this.source, line, detail);
      });
    }
    for (const fn of state.functions.values())
      if (fn.line > 0 && fn.name !== '') file.functions.push({ ...fn });
    for (const [line, outcomes] of state.branches) {
      let taken = 0;
      for (let i = 1; i < outcomes.length; i += 2) if ((outcomes[i] as number) > 0) taken++;
      file.branches.set(line, { taken, total: outcomes.length / 2 });
    }
    return file;
  }
}

/**
 * The first pass over a whole tracefile's bytes: checks every line and returns, per source file, the
 * [start, end) byte ranges of its records' bodies. Plain record lines (nearly all of a report) are checked
 * on the bytes; any other line is decoded and read as the second pass reads it.
 */
function checkRecords(bytes: Buffer, source: string): Map<string, number[]> {
  const records = new Map<string, number[]>();
  // One throwaway state checks every record; LcovFile builds the real ones later.
  const checking: RecordState = {
    file: emptyFile(''),
    functions: new Map(),
    functionsByIndex: new Map(),
    branches: new Map(),
    keep: false,
  };
  let openPath: string | undefined;
  let lastContentStart = 0;
  let lineStart = 0;
  const fail = (detail: string, at = lineStart): never => {
    throw new CoverageParseError(source, lineNumberAt(bytes, at), detail);
  };
  const length = bytes.length;
  let pos = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (pos < length) {
    const start = pos;
    if (openPath !== undefined) {
      const end = plainRecordEnd(bytes, start);
      if (end !== -1) {
        lastContentStart = start;
        pos = end;
        continue;
      }
    }
    lineStart = start;
    let end = bytes.indexOf(10, start);
    if (end === -1) end = length;
    pos = end + 1;
    const line = decodeLine(bytes, start, end, source).trim();
    const kind = readLine(line, openPath === undefined ? undefined : checking, (detail) => fail(detail));
    if (kind === 'blank') continue;
    lastContentStart = start;
    if (kind === 'close') {
      records.get(openPath!)!.push(start);
      openPath = undefined;
    } else if (kind === 'open') {
      openPath = line.slice(3);
      checking.functions.clear();
      checking.functionsByIndex.clear();
      const ranges = records.get(openPath);
      if (ranges) ranges.push(pos);
      else records.set(openPath, [pos]);
    }
  }
  if (openPath !== undefined) fail(`truncated report: SF ${openPath} has no end_of_record`, lastContentStart);
  return records;
}

const strictLine = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** bytes[start, end) as text: ASCII as it is, anything else strictly as UTF-8. */
function decodeLine(bytes: Buffer, start: number, end: number, source: string): string {
  let high = 0;
  for (let i = start; i < end; i++) high |= bytes[i]!;
  if (high < 0x80) return bytes.toString('latin1', start, end);
  try {
    return strictLine.decode(bytes.subarray(start, end));
  } catch {
    throw invalidUtf8(source, lineNumberAt(bytes, start));
  }
}

/** The second pass over one record's body, checked already: builds `state`. */
function buildRecord(text: string, state: RecordState, fail: (detail: string, at: number) => never): void {
  for (let pos = 0; pos < text.length; ) {
    const start = pos;
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    pos = end + 1;
    if (readPlainRecord(text, start, end, state)) continue;
    readLine(text.slice(start, end).trim(), state, (detail) => fail(detail, start));
  }
}

/** What a line does to the record it is read in. */
type LineKind = 'blank' | 'open' | 'close' | 'read';

/**
 * One trimmed line in any form lcov writers use: checks it and adds it to `record` (undefined outside an
 * SF … end_of_record block). Opening and closing the record is the caller's.
 */
function readLine(line: string, record: RecordState | undefined, fail: (detail: string) => never): LineKind {
  if (line === '') return 'blank';
  if (line === 'end_of_record') {
    if (!record) fail('end_of_record without a preceding SF record');
    return 'close';
  }
  const colon = line.indexOf(':');
  if (colon <= 0) fail(`unexpected line "${line.slice(0, 40)}", expected a KEY:value record`);
  const key = line.slice(0, colon);
  const value = line.slice(colon + 1);
  if (key === 'TN' || key === 'VER') return 'read';
  if (key === 'SF') {
    if (record) fail('SF record before the previous record reached end_of_record');
    if (value === '') fail('SF record without a path');
    return 'open';
  }
  if (!/^[A-Z]+$/.test(key)) fail(`unexpected line "${line.slice(0, 40)}", expected a KEY:value record`);
  if (!record) {
    // Summary records may precede SF in some writers; anything else outside a record is corruption.
    if (key === 'LF' || key === 'LH' || key === 'FNF' || key === 'FNH' || key === 'BRF' || key === 'BRH')
      return 'read';
    fail(`${key} record outside an SF … end_of_record block`);
  }
  readRecordLine(key, value.split(','), record!, fail);
  return 'read';
}

/** One KEY:value line inside a record, its value split on commas. */
function readRecordLine(
  key: string,
  parts: string[],
  state: RecordState,
  fail: (detail: string) => never,
): void {
  // Summaries (LF, LH, FNF, FNH, BRF, BRH, MCDC) are derived data: records are what we count. Newer lcov
  // versions add record types; skipping an unknown one loses nothing we report.
  RECORD_LINES.get(key)?.(parts, state, new Fields(fail));
}

/** A record line's fields read as numbers, each failing with its name. */
class Fields {
  constructor(readonly fail: (detail: string) => never) {}

  int(value: string | undefined, what: string): number {
    if (value === undefined || !NON_NEGATIVE_INT.test(value))
      this.fail(`${what} is not a non-negative integer`);
    return Number(value);
  }

  lineNumber(value: string | undefined, what: string): number {
    const n = this.int(value, what);
    if (n === 0) this.fail(`${what} must be at least 1`);
    return n;
  }

  /** Hit counts: gcov can write very large or, through overflow, negative numbers; clamp like lcov does. */
  hits(value: string | undefined, what: string): number {
    if (value === undefined || !/^-?\d+(\.\d+)?(e\+?\d+)?$/i.test(value))
      this.fail(`${what} is not a number`);
    const n = Number(value);
    if (!Number.isFinite(n)) this.fail(`${what} is out of range`);
    return Math.max(0, n);
  }
}

type RecordLine = (parts: string[], state: RecordState, fields: Fields) => void;

const RECORD_LINES = new Map<string, RecordLine>([
  [
    'DA',
    (parts, state, fields) => {
      if (parts.length < 2) fields.fail('DA expects "DA:<line>,<hits>"');
      const at = fields.lineNumber(parts[0], 'DA line number');
      const count = fields.hits(parts[1], 'DA hit count');
      if (keeps(state, at)) addLineHits(state.file, at, count);
    },
  ],
  [
    'FN',
    (parts, state, fields) => {
      // FN:<start>,<name> or lcov 2.x FN:<start>,<end>,<name>; names may contain commas.
      if (parts.length < 2) fields.fail('FN expects "FN:<line>,<name>"');
      const start = fields.lineNumber(parts[0], 'FN line number');
      let endLine: number | undefined;
      let name = parts.slice(1).join(',');
      if (parts.length >= 3 && NON_NEGATIVE_INT.test(parts[1]!)) {
        endLine = Number(parts[1]);
        name = parts.slice(2).join(',');
      }
      addFunctionLocation(state, start, endLine, name);
    },
  ],
  [
    'FNDA',
    (parts, state, fields) => {
      if (parts.length < 2) fields.fail('FNDA expects "FNDA:<hits>,<name>"');
      const count = fields.hits(parts[0], 'FNDA hit count');
      addFunctionHits(state, count, parts.slice(1).join(','));
    },
  ],
  [
    'FNL',
    (parts, state, fields) => {
      // lcov 2.3: FNL:<index>,<start>[,<end>]
      if (parts.length < 2) fields.fail('FNL expects "FNL:<index>,<start>[,<end>]"');
      const fn: PendingFunction = { name: '', line: fields.lineNumber(parts[1], 'FNL start line'), hits: 0 };
      if (parts[2] !== undefined && parts[2] !== '') fn.endLine = fields.int(parts[2], 'FNL end line');
      state.functionsByIndex.set(parts[0]!, fn);
    },
  ],
  ['FNA', readFunctionAlias],
  [
    'BRDA',
    (parts, state, fields) => {
      // BRDA:<line>,[e]<block>,<branch>,<taken|->; the branch id may itself contain commas.
      if (parts.length < 4) fields.fail('BRDA expects "BRDA:<line>,<block>,<branch>,<taken>"');
      const at = fields.lineNumber(parts[0], 'BRDA line number');
      const takenText = parts[parts.length - 1]!;
      const taken = takenText === '-' ? 0 : fields.hits(takenText, 'BRDA taken count');
      if (keeps(state, at)) addBranchOutcome(state, at, parts.slice(1, -1).join(','), taken);
    },
  ],
]);

/** lcov 2.3: FNA:<index>,<hits>,<name>; aliases of one function share an index. */
function readFunctionAlias(parts: string[], state: RecordState, fields: Fields): void {
  if (parts.length < 3) fields.fail('FNA expects "FNA:<index>,<hits>,<name>"');
  const fn = state.functionsByIndex.get(parts[0]!);
  if (!fn) fields.fail(`FNA refers to function index ${parts[0]} with no FNL record`);
  const count = fields.hits(parts[1], 'FNA hit count');
  const name = parts.slice(2).join(',');
  if (fn.name !== '') {
    fn.hits += count;
    return;
  }
  // The first alias names the function; later aliases of the same index only add hits.
  fn.name = name;
  const existing = state.functions.get(name);
  if (existing) {
    existing.hits += count;
    state.functionsByIndex.set(parts[0]!, existing);
  } else state.functions.set(name, fn);
}

/** 1-based number of the line holding bytes[offset]. */
function lineNumberAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = bytes.indexOf(10); i !== -1 && i < offset; i = bytes.indexOf(10, i + 1)) line++;
  return line;
}

function addFunctionLocation(
  state: RecordState,
  start: number,
  endLine: number | undefined,
  name: string,
): void {
  const fn: PendingFunction = state.functions.get(name) ?? { name, line: start, hits: 0 };
  fn.line = start;
  if (endLine !== undefined) fn.endLine = endLine;
  state.functions.set(name, fn);
}

function addFunctionHits(state: RecordState, count: number, name: string): void {
  const fn = state.functions.get(name) ?? { name, line: 0, hits: 0 };
  fn.hits += count;
  state.functions.set(name, fn);
}

function addBranchOutcome(state: RecordState, at: number, id: string, taken: number): void {
  const onLine = state.branches.get(at);
  if (!onLine) {
    state.branches.set(at, [id, taken]);
    return;
  }
  for (let i = 0; i < onLine.length; i += 2) {
    if (onLine[i] === id) {
      onLine[i + 1] = (onLine[i + 1] as number) + taken;
      return;
    }
  }
  onLine.push(id, taken);
}

/** Set by readDigits: parsing the bulk of a report allocates nothing. */
let digitsValue = 0;

/** Plain decimal digits at i, at most 15 so the value is exact: the index after them, or -1. */
function readDigits(text: string, i: number): number {
  const from = i;
  let value = 0;
  let c = text.charCodeAt(i);
  while (c >= 48 && c <= 57) {
    value = value * 10 + c - 48;
    c = text.charCodeAt(++i);
  }
  if (i === from || i - from > 15) return -1;
  digitsValue = value;
  return i;
}

/**
 * Fast path for the records that make up nearly all of a report, in their plain form: DA:<line>,<hits>,
 * BRDA:<line>,<block>,<branch>,<taken|->, FN:<line>[,<end>],<name> and FNDA:<hits>,<name>. Anything else
 * (checksums, signs, exponents, stray spaces, errors) returns false and goes through the full parser.
 */
function readPlainRecord(text: string, start: number, lineEnd: number, state: RecordState): boolean {
  const end = text.charCodeAt(lineEnd - 1) === 13 ? lineEnd - 1 : lineEnd;
  const last = text.charCodeAt(end - 1);
  if (last <= 32 || last > 126) return false; // trailing space or non-ASCII: let trim() decide
  const c0 = text.charCodeAt(start);
  const c1 = text.charCodeAt(start + 1);
  if (c0 === 68 && c1 === 65 && text.charCodeAt(start + 2) === 58) {
    // DA:
    const i = readDigits(text, start + 3);
    if (i < 0 || text.charCodeAt(i) !== 44 || digitsValue === 0) return false;
    const line = digitsValue;
    if (readDigits(text, i + 1) !== end) return false;
    if (keeps(state, line)) addLineHits(state.file, line, digitsValue);
    return true;
  }
  if (c0 === 66 && c1 === 82 && text.startsWith('DA:', start + 2)) {
    // BRDA:
    const i = readDigits(text, start + 5);
    if (i < 0 || text.charCodeAt(i) !== 44 || digitsValue === 0) return false;
    const line = digitsValue;
    const lastComma = text.lastIndexOf(',', end - 1);
    if (text.indexOf(',', i + 1) >= lastComma) return false; // fewer than four fields
    let taken = 0;
    if (!(lastComma + 2 === end && text.charCodeAt(end - 1) === 45)) {
      if (readDigits(text, lastComma + 1) !== end) return false;
      taken = digitsValue;
    }
    if (keeps(state, line)) addBranchOutcome(state, line, text.slice(i + 1, lastComma), taken);
    return true;
  }
  if (c0 !== 70 || c1 !== 78) return false;
  if (text.charCodeAt(start + 2) === 58) {
    // FN:
    let i = readDigits(text, start + 3);
    if (i < 0 || text.charCodeAt(i) !== 44 || digitsValue === 0) return false;
    const line = digitsValue;
    let endLine: number | undefined;
    const j = readDigits(text, i + 1);
    if (j >= 0 && text.charCodeAt(j) === 44) {
      endLine = digitsValue;
      i = j;
    } else if (j < 0 && isDigit(text.charCodeAt(i + 1))) return false; // over 15 digits
    if (state.keep) addFunctionLocation(state, line, endLine, text.slice(i + 1, end));
    return true;
  }
  if (text.startsWith('DA:', start + 2)) {
    // FNDA:
    const i = readDigits(text, start + 5);
    if (i < 0 || text.charCodeAt(i) !== 44) return false;
    if (state.keep) addFunctionHits(state, digitsValue, text.slice(i + 1, end));
    return true;
  }
  return false;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
