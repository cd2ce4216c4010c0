import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CoverageParseError, TestloopError } from '../errors.ts';
import { coverageReaders, readerByName } from './registry.ts';
import type { CoverageReader, CoverageReport, ReaderOptions } from './types.ts';

/** Where reports usually land, tried in order when no --coverage is given. */
export const DEFAULT_COVERAGE_PATHS = [
  'coverage/lcov.info',
  'coverage/coverage-final.json',
  'coverage/cobertura-coverage.xml',
  'coverage/clover.xml',
  'coverage.xml',
  'lcov.info',
  'target/site/jacoco/jacoco.xml',
  'build/reports/jacoco/test/jacocoTestReport.xml',
];

export interface CoverageInput {
  path: string;
  /** Forces a reader instead of sniffing: "lcov:coverage/x.txt". */
  format?: string;
  /**
   * The folder the runner that wrote the report ran in (absolute, or relative to cwd): its relative paths
   * resolve from here first. testloop's own test run knows it for every report it writes.
   */
  root?: string;
  /**
   * Written by testloop's own run: a report without records means the run measured nothing, which the
   * gaps then show file by file, not an unusable input.
   */
  fromRun?: boolean;
}

/** A coverage argument as the CLI takes it ("path" or "format:path"), or one testloop built itself. */
export type CoverageArg = string | CoverageInput;

export function toCoverageInput(arg: CoverageArg): CoverageInput {
  return typeof arg === 'string' ? parseCoverageArg(arg) : arg;
}

/** Parses "format:path" or a bare path. */
export function parseCoverageArg(value: string): CoverageInput {
  const match = /^([a-z0-9]+):(.+)$/.exec(value);
  if (match && readerByName(match[1]!)) return { format: match[1]!, path: match[2]! };
  return { path: value };
}

export async function loadCoverage(
  inputs: readonly CoverageInput[],
  options: ReaderOptions,
): Promise<CoverageReport[]> {
  const chosen = inputs.length > 0 ? inputs : await findDefaultReports(options.cwd);
  const reports: CoverageReport[] = [];
  for (const input of chosen) {
    const path = resolve(options.cwd, input.path);
    const reader = await chooseReader(path, input);
    const report = await reader.read(path, options);
    // An empty file would otherwise vouch for every changed line at 100%.
    if (report.files.length === 0 && !input.fromRun)
      throw new CoverageParseError(path, undefined, 'no coverage records');
    if (input.root !== undefined) report.roots.unshift(resolve(options.cwd, input.root));
    reports.push(report);
  }
  return reports;
}

async function findDefaultReports(cwd: string): Promise<CoverageInput[]> {
  for (const candidate of DEFAULT_COVERAGE_PATHS) {
    if (await stat(resolve(cwd, candidate)).catch(() => undefined)) return [{ path: candidate }];
  }
  throw new TestloopError(
    'TESTLOOP_NO_COVERAGE',
    `no coverage report found (looked for ${DEFAULT_COVERAGE_PATHS.slice(0, 3).join(', ')}, …). Run your tests with coverage and pass --coverage <report>`,
  );
}

async function chooseReader(path: string, input: CoverageInput): Promise<CoverageReader> {
  if (input.format) return readerByName(input.format)!;
  const info = await stat(path).catch(() => undefined);
  if (!info) {
    throw new TestloopError(
      'TESTLOOP_NO_COVERAGE',
      `${input.path}: no such coverage report. Check the --coverage path`,
    );
  }
  const head = info.isDirectory() ? '' : await readHead(path);
  const reader = coverageReaders.find((candidate) => candidate.detect(path, head, info.isDirectory()));
  if (!reader) {
    throw new TestloopError(
      'TESTLOOP_COVERAGE_FORMAT',
      `${input.path}: unrecognized coverage format. Name it as <format>:<path>, one of ${coverageReaders.map((r) => r.name).join(', ')}`,
    );
  }
  return reader;
}

async function readHead(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(8192);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}
