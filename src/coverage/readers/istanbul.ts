import { readFile } from 'node:fs/promises';
import { CoverageParseError } from '../../errors.ts';
import { isObject, parseJsonReport } from '../../util/json.ts';
import { decodeUtf8 } from '../../util/text.ts';
import {
  addLineHits,
  type CoverageReader,
  type CoverageReport,
  emptyFile,
  type FileCoverage,
} from '../types.ts';

interface Position {
  line: number;
  column?: number | null;
}
interface Range {
  start: Position;
  end: Position;
}
export interface IstanbulFileData {
  path: string;
  statementMap: Record<string, Range>;
  s: Record<string, number>;
  fnMap: Record<string, { name: string; decl?: Range; loc: Range; line?: number }>;
  f: Record<string, number>;
  branchMap: Record<string, { loc?: Range; line?: number; locations?: Range[] }>;
  b: Record<string, number[]>;
}

/** istanbul / nyc / jest / vitest `coverage-final.json`. */
export const istanbulReader: CoverageReader = {
  name: 'istanbul',
  detect(path, head, isDirectory) {
    if (isDirectory) return false;
    if (/coverage-final\.json$/.test(path)) return true;
    return head.trimStart().startsWith('{') && /"statementMap"\s*:/.test(head);
  },
  async read(path) {
    return fromIstanbulJson(parseJsonReport(decodeUtf8(await readFile(path), path), path), path);
  },
};

export function fromIstanbulJson(json: unknown, source: string): CoverageReport {
  if (!isObject(json)) throw new CoverageParseError(source, 1, 'expected an object of file coverage entries');
  const files: FileCoverage[] = [];
  for (const [key, entry] of Object.entries(json)) {
    // Older nyc output wraps each file as { data: {...} }.
    const data = isObject(entry) && isObject(entry.data) ? entry.data : entry;
    files.push(fromIstanbulFile(data, key, source));
  }
  return { source, format: 'istanbul', roots: [], files };
}

/** Lines follow istanbul's own rule (getLineCoverage): a line's hits are the most of any statement starting on it. */
export function fromIstanbulFile(data: unknown, key: string, source: string): FileCoverage {
  const bad = (detail: string): never => {
    throw new CoverageParseError(source, undefined, `entry "${key.slice(0, 80)}": ${detail}`);
  };
  if (!isObject(data)) bad('not an object');
  const d = data as Partial<IstanbulFileData>;
  const path = typeof d.path === 'string' && d.path !== '' ? d.path : key;
  if (!isObject(d.statementMap) || !isObject(d.s)) bad('missing statementMap or s');
  const file = emptyFile(path);
  for (const [id, count] of Object.entries(d.s!)) {
    const range = d.statementMap![id];
    if (!range) continue;
    addLineHits(file, lineOf(range, `statementMap.${id}`, bad), countOf(count, `s.${id}`, bad));
  }
  if (isObject(d.fnMap) && isObject(d.f)) {
    for (const [id, fn] of Object.entries(d.fnMap!)) {
      if (!isObject(fn)) bad(`fnMap.${id} is not an object`);
      const where = fn.decl ?? fn.loc;
      const line = where ? lineOf(where, `fnMap.${id}`, bad) : Number(fn.line);
      if (!Number.isInteger(line) || line < 1) bad(`fnMap.${id} has no line`);
      const endLine = fn.loc?.end?.line;
      const name = typeof fn.name === 'string' && fn.name !== '' ? fn.name : `(anonymous_${id})`;
      file.functions.push({
        name,
        line,
        ...(Number.isInteger(endLine) && endLine! >= line ? { endLine } : {}),
        hits: countOf(d.f![id] ?? 0, `f.${id}`, bad),
      });
    }
  }
  if (isObject(d.branchMap) && isObject(d.b)) {
    for (const [id, counts] of Object.entries(d.b!)) {
      const branch = d.branchMap![id];
      if (!branch) continue;
      if (!Array.isArray(counts)) bad(`b.${id} is not an array`);
      const line = branch.loc ? lineOf(branch.loc, `branchMap.${id}`, bad) : Number(branch.line);
      if (!Number.isInteger(line) || line < 1) bad(`branchMap.${id} has no line`);
      let taken = 0;
      for (let i = 0; i < counts.length; i++) if (countOf(counts[i], `b.${id}[${i}]`, bad) > 0) taken++;
      // Several branch points can share a line: their outcomes add up.
      const previous = file.branches.get(line) ?? { taken: 0, total: 0 };
      file.branches.set(line, { taken: previous.taken + taken, total: previous.total + counts.length });
    }
  }
  return file;
}

function lineOf(range: unknown, where: string, bad: (d: string) => never): number {
  const line = isObject(range) && isObject(range.start) ? range.start.line : undefined;
  if (typeof line !== 'number' || !Number.isInteger(line) || line < 1)
    bad(`${where}.start.line is not a line number`);
  return line as number;
}

function countOf(value: unknown, where: string, bad: (d: string) => never): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) bad(`${where} is not a hit count`);
  return value as number;
}
