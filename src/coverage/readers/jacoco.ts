import {
  addBranchHits,
  addLineHits,
  type CoverageReader,
  type CoverageReport,
  emptyFile,
  type FileCoverage,
} from '../types.ts';
import { addFunction, attribute, children, readXmlReport, type XmlElement, type XmlReport } from './xml.ts';

/** Where Maven and Gradle keep sources, so package-relative paths can be found when --src-roots is not given. */
export const DEFAULT_JACOCO_ROOTS = ['src/main/java', 'src/main/kotlin', 'src/test/java', 'src'];

/** JaCoCo XML (Maven plugin, Gradle jacocoTestReport, report-aggregate with its <group>s). */
export const jacocoReader: CoverageReader = {
  name: 'jacoco',
  detect(_path, head, isDirectory) {
    if (isDirectory) return false;
    if (/<!DOCTYPE\s+report\s+PUBLIC\s+"-\/\/JACOCO\/\//.test(head)) return true;
    return /<report[\s>]/.test(head) && /<(sessioninfo|package)[\s>/]/.test(head);
  },
  async read(path, options) {
    return fromJacoco(await readXmlReport(path), options.srcRoots);
  },
};

export function fromJacoco(xml: XmlReport, srcRoots: readonly string[]): CoverageReport {
  const { root } = xml;
  xml.expectRoot('report', 'JaCoCo');
  const files = new Map<string, FileCoverage>();
  const fileAt = (path: string): FileCoverage => {
    let file = files.get(path);
    if (!file) {
      file = emptyFile(path);
      files.set(path, file);
    }
    return file;
  };
  for (const pkg of packagesOf(root)) {
    const name = attribute(pkg, 'name') ?? xml.fail(pkg, '<package> has no name attribute');
    const prefix = name === '' ? '' : `${name}/`;
    for (const cls of children(pkg, 'class')) readClass(xml, cls, prefix, fileAt);
    for (const sourcefile of children(pkg, 'sourcefile')) {
      const path = prefix + xml.required(sourcefile, 'name');
      readLines(xml, sourcefile, fileAt(path));
    }
  }
  const roots = srcRoots.length > 0 ? [...srcRoots] : [...DEFAULT_JACOCO_ROOTS];
  return { source: xml.source, format: 'jacoco', roots, files: [...files.values()] };
}

function packagesOf(element: XmlElement): XmlElement[] {
  return element.children.flatMap((child) =>
    child.name === 'package' ? [child] : child.name === 'group' ? packagesOf(child) : [],
  );
}

/** mi/ci count instructions, so hits = covered instructions: > 0 means the line ran, not how often. */
function readLines(xml: XmlReport, sourcefile: XmlElement, file: FileCoverage): void {
  for (const line of children(sourcefile, 'line')) {
    const nr = xml.lineNumber(line, 'nr');
    const missedInstructions = xml.count(line, 'mi');
    const coveredInstructions = xml.count(line, 'ci');
    const missedBranches = xml.count(line, 'mb');
    const coveredBranches = xml.count(line, 'cb');
    if (missedInstructions + coveredInstructions > 0) addLineHits(file, nr, coveredInstructions);
    if (missedBranches + coveredBranches > 0) {
      addBranchHits(file, nr, coveredBranches, missedBranches + coveredBranches);
    }
  }
}

function readClass(
  xml: XmlReport,
  cls: XmlElement,
  prefix: string,
  fileAt: (path: string) => FileCoverage,
): void {
  // Classes compiled without debug information name no source file: their methods cannot be placed.
  const sourcefile = attribute(cls, 'sourcefilename');
  if (!sourcefile) return;
  const className = xml.required(cls, 'name');
  const simpleName = className.slice(className.lastIndexOf('/') + 1).replace(/^.*\$/, '') || className;
  for (const method of children(cls, 'method')) {
    const name = xml.required(method, 'name');
    if (name === '<clinit>') continue;
    // JaCoCo omits line for methods without line information (synthetic bridges, some Kotlin helpers).
    const line = xml.optionalLineNumber(method, 'line');
    if (line === undefined) continue;
    // JaCoCo writes only counters with a non-zero total, and a method's METHOD total is always 1.
    const counter = children(method, 'counter').find((c) => attribute(c, 'type') === 'METHOD');
    const hits = counter ? xml.count(counter, 'covered') : 0;
    addFunction(fileAt(prefix + sourcefile), { name: name === '<init>' ? simpleName : name, line, hits });
  }
}
