/** Branch outcomes on one line: how many were taken at least once, out of how many. */
export interface BranchHits {
  taken: number;
  total: number;
}

export interface FunctionHits {
  name: string;
  line: number;
  /** Last line of the function body, when the format records it. */
  endLine?: number;
  hits: number;
}

/** Normalized coverage of one source file, whatever format it came from. */
export interface FileCoverage {
  /** Path as written in the report (absolute or relative); mapped onto the repository later. */
  path: string;
  /** Executable lines and their hit counts; a line absent here is not executable. */
  lines: Map<number, number>;
  branches: Map<number, BranchHits>;
  functions: FunctionHits[];
  /**
   * The same coverage restricted to some line ranges: their lines and branches, and the functions whose
   * range touches one of them. A diff looks at a few lines of each file; a reader that builds a file on
   * first use offers this to build only those (lcov does), and fileGaps gives the same answer either way.
   */
  within?(ranges: readonly LineRange[]): FileCoverage;
}

/** Lines start to end, both included, 1-based. */
export interface LineRange {
  start: number;
  end: number;
}

/** Whether [start, end] overlaps one of `ranges`. */
export function touchesAny(start: number, end: number, ranges: readonly LineRange[]): boolean {
  return ranges.some((range) => range.start <= end && range.end >= start);
}

export type CoverageMap = Map<string, FileCoverage>;

export interface CoverageReport {
  /** The report file or folder it was read from. */
  source: string;
  format: string;
  /** Report-relative paths are resolved against these roots (Cobertura <sources>, --src-roots). */
  roots: string[];
  files: FileCoverage[];
}

/** Reads one coverage format. Plugins are plain objects; see readers/_template.ts. */
export interface CoverageReader {
  name: string;
  /** Cheap sniff on the path and the first bytes of the file (empty for a folder). */
  detect(path: string, head: string, isDirectory: boolean): boolean;
  read(path: string, options: ReaderOptions): Promise<CoverageReport>;
}

export interface ReaderOptions {
  /** Source roots for formats that record package-relative paths (JaCoCo). */
  srcRoots: string[];
  cwd: string;
}

export function emptyFile(path: string): FileCoverage {
  return { path, lines: new Map(), branches: new Map(), functions: [] };
}

export function addLineHits(file: FileCoverage, line: number, hits: number): void {
  const previous = file.lines.get(line);
  file.lines.set(line, previous === undefined ? hits : Math.max(previous, hits));
}

/** Combines two observations of the same branches; `taken` is bounded by `total`. */
export function addBranchHits(file: FileCoverage, line: number, taken: number, total: number): void {
  const previous = file.branches.get(line);
  if (!previous) {
    file.branches.set(line, { taken, total });
    return;
  }
  const combinedTotal = Math.max(previous.total, total);
  file.branches.set(line, {
    taken: Math.min(combinedTotal, Math.max(previous.taken, taken)),
    total: combinedTotal,
  });
}
