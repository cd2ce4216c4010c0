export { loadCoverage } from './coverage/load.ts';
export type { CoverageMap, CoverageReader, CoverageReport, FileCoverage } from './coverage/types.ts';
export { type ErrorCode, EXIT, TestloopError } from './errors.ts';
export { type FindGapsOptions, findGaps } from './gaps/find-gaps.ts';
export type { FileGaps, Gap, GapsResult, GapsTotals } from './gaps/types.ts';
export { parseUnifiedDiff } from './git/parse-diff.ts';
export type { ChangedFile } from './git/types.ts';
export { gapsReporters, reporterByName } from './report/index.ts';
