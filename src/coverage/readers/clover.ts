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
  readXmlReport,
  shown,
  type XmlElement,
  type XmlReport,
} from './xml.ts';

/** Clover XML as written by istanbul (jest, vitest, nyc), OpenClover, PHPUnit and gcovr. */
export const cloverReader: CoverageReader = {
  name: 'clover',
  detect(_path, head, isDirectory) {
    if (isDirectory || !/<coverage[\s>]/.test(head)) return false;
    return /<project[\s>/]/.test(head) || /<coverage[^>]*\sclover=/.test(head);
  },
  async read(path) {
    return fromClover(await readXmlReport(path));
  },
};

export function fromClover(xml: XmlReport): CoverageReport {
  const { root } = xml;
  xml.expectRoot('coverage', 'Clover');
  // <testproject> (OpenClover; gcovr writes a dummy one) holds the tests' own coverage, not the code under test.
  const project = children(root, 'project')[0];
  if (!project) xml.fail(root, '<coverage> has no <project> element, so this is not a Clover report');
  const fileElements = project.children.flatMap((child) =>
    child.name === 'file' ? [child] : child.name === 'package' ? children(child, 'file') : [],
  );
  const armCounts = writesArmCounts(fileElements);
  const files = new Map<string, FileCoverage>();
  for (const element of fileElements) {
    const path = attribute(element, 'path') || xml.required(element, 'name');
    let file = files.get(path);
    if (!file) {
      file = emptyFile(path);
      files.set(path, file);
    }
    for (const line of children(element, 'line')) readLine(xml, line, file, armCounts);
  }
  return { source: xml.source, format: 'clover', roots: [], files: [...files.values()] };
}

/**
 * istanbul writes truecount/falsecount as the number of covered/uncovered branches on the line; OpenClover
 * writes how often the condition was true/false. istanbul is the writer that emits neither <class> nor
 * method lines, which is how the two are told apart.
 */
function writesArmCounts(fileElements: XmlElement[]): boolean {
  return !fileElements.some(
    (file) =>
      children(file, 'class').length > 0 ||
      children(file, 'line').some((line) => attribute(line, 'type') === 'method'),
  );
}

function readLine(xml: XmlReport, line: XmlElement, file: FileCoverage, armCounts: boolean): void {
  const number = xml.lineNumber(line, 'num');
  const type = xml.required(line, 'type');
  switch (type) {
    case 'stmt':
      addLineHits(file, number, xml.count(line, 'count'));
      return;
    case 'cond': {
      const trueCount = xml.count(line, 'truecount');
      const falseCount = xml.count(line, 'falsecount');
      addLineHits(file, number, xml.optionalCount(line, 'count') ?? trueCount + falseCount);
      if (armCounts) {
        if (trueCount + falseCount > 0) addBranchHits(file, number, trueCount, trueCount + falseCount);
      } else {
        addBranchHits(file, number, (trueCount > 0 ? 1 : 0) + (falseCount > 0 ? 1 : 0), 2);
      }
      return;
    }
    case 'method': {
      const hits = xml.count(line, 'count');
      addLineHits(file, number, hits);
      const name = attribute(line, 'name') || attribute(line, 'signature') || `(method at line ${number})`;
      addFunction(file, { name, line: number, hits });
      return;
    }
    default:
      xml.fail(line, `<line> type="${shown(type)}" is not stmt, cond or method`);
  }
}
