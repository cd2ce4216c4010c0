import {
  addBranchHits,
  addLineHits,
  type CoverageReader,
  type CoverageReport,
  emptyFile,
  type FileCoverage,
} from '../types.ts';
import {
  addFunction,
  attribute,
  children,
  listed,
  readXmlReport,
  shown,
  type XmlElement,
  type XmlReport,
} from './xml.ts';

/** Cobertura XML as written by Cobertura itself, istanbul, coverage.py, gcovr and coverlet. */
export const coberturaReader: CoverageReader = {
  name: 'cobertura',
  detect(_path, head, isDirectory) {
    if (isDirectory || !/<coverage[\s>]/.test(head) || /<project[\s>]/.test(head)) return false;
    return /\sline-rate=|<packages[\s>/]|<sources[\s>/]/.test(head);
  },
  async read(path) {
    return fromCobertura(await readXmlReport(path));
  },
};

export function fromCobertura(xml: XmlReport): CoverageReport {
  const { root } = xml;
  xml.expectRoot('coverage', 'Cobertura');
  if (children(root, 'project').length > 0) {
    xml.fail(root, 'this is a Clover report (<coverage><project>), not Cobertura: pass it as clover:<path>');
  }
  const roots = listed(root, 'sources', 'source')
    .map((source) => source.text.trim())
    .filter((source) => source !== '');
  const files = new Map<string, FileCoverage>();
  for (const pkg of listed(root, 'packages', 'package')) {
    for (const cls of listed(pkg, 'classes', 'class')) readClass(xml, cls, files);
  }
  return { source: xml.source, format: 'cobertura', roots, files: [...files.values()] };
}

/** Java reports list one class per inner class, so one file can arrive in several pieces. */
function readClass(xml: XmlReport, cls: XmlElement, files: Map<string, FileCoverage>): void {
  const path = xml.required(cls, 'filename');
  let file = files.get(path);
  if (!file) {
    file = emptyFile(path);
    files.set(path, file);
  }
  for (const line of listed(cls, 'lines', 'line')) {
    const number = xml.lineNumber(line, 'number');
    addLineHits(file, number, xml.count(line, 'hits'));
    const conditions = attribute(line, 'condition-coverage');
    if (conditions === undefined) continue;
    const { taken, total } = conditionCoverage(xml, line, conditions);
    if (total > 0) addBranchHits(file, number, taken, total);
  }
  for (const method of listed(cls, 'methods', 'method')) readMethod(xml, method, file);
}

/** A method's own <lines> repeat lines of the class (istanbul: just the declaration), so they only place it. */
function readMethod(xml: XmlReport, method: XmlElement, file: FileCoverage): void {
  const name = xml.required(method, 'name');
  let first: number | undefined;
  let last: number | undefined;
  let anyHit = false;
  for (const line of listed(method, 'lines', 'line')) {
    const number = xml.lineNumber(line, 'number');
    if (xml.count(line, 'hits') > 0) anyHit = true;
    first = first === undefined ? number : Math.min(first, number);
    last = last === undefined ? number : Math.max(last, number);
  }
  const line = xml.optionalLineNumber(method, 'line') ?? first;
  // coverage.py writes no methods; a method with neither lines nor a line attribute cannot be placed.
  if (line === undefined) return;
  const hits = xml.optionalCount(method, 'hits') ?? (anyHit ? 1 : 0);
  addFunction(file, { name, line, ...(last !== undefined && last > line ? { endLine: last } : {}), hits });
}

/** `condition-coverage="50% (1/2)"`: the fraction is covered/total branch outcomes on the line. */
function conditionCoverage(
  xml: XmlReport,
  line: XmlElement,
  value: string,
): { taken: number; total: number } {
  const match = /\((\d+)\/(\d+)\)\s*$/.exec(value);
  const taken = Number(match?.[1]);
  const total = Number(match?.[2]);
  if (!match || !Number.isSafeInteger(taken) || !Number.isSafeInteger(total) || taken > total) {
    xml.fail(line, `<line> condition-coverage="${shown(value)}" is not like "50% (1/2)"`);
  }
  return { taken, total };
}
