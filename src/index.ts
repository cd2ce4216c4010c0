export { CI_OUT_DIR, runCi } from './ci/run-ci.ts';
export type {
  CiGate,
  CiOptions,
  CiResult,
  CiStep,
  CiStepName,
  CiStepStatus,
  CiTestRun,
  CiTrend,
  SourceFile,
  TrendPoint,
} from './ci/types.ts';
export { loadCoverage } from './coverage/load.ts';
export type { CoverageMap, CoverageReader, CoverageReport, FileCoverage } from './coverage/types.ts';
export { type ErrorCode, EXIT, TestloopError } from './errors.ts';
export { type FindGapsOptions, findGaps } from './gaps/find-gaps.ts';
export type { FileGaps, Gap, GapsResult, GapsTotals } from './gaps/types.ts';
export {
  type ObservedAssertion,
  type ObserveOptions,
  type ObserveResult,
  observeAssertions,
} from './generate/observe/index.ts';
export { type GenerateOptions, generateTests } from './generate/pipeline.ts';
export type {
  CandidateValidator,
  GenerateResult,
  GenerateTarget,
  Stage,
  TestContext,
  TestEngine,
  Validation,
} from './generate/types.ts';
export { parseUnifiedDiff } from './git/parse-diff.ts';
export type { ChangedFile } from './git/types.ts';
export { type OpenHistoryOptions, openHistoryStore } from './history/open.ts';
export type { AttemptBatches, AttemptSource } from './history/rows.ts';
export type { HistoryStore } from './history/types.ts';
export {
  type CommentOutcome,
  type PostCommentOptions,
  postCiComment,
} from './integrations/comment/post.ts';
export { type HtmlReportOptions, renderHtmlReport, writeHtmlReport } from './report/html/index.ts';
export { gapsReporters, reporterByName } from './report/index.ts';
export { type SelectOptions, selectTests } from './select/select-tests.ts';
export type { SelectedTest, SelectResult } from './select/types.ts';
export { fixTests } from './triage/fix/fix.ts';
export {
  CONDITIONS,
  type Condition,
  type FixOptions,
  type FixReport,
  type FixResult,
} from './triage/fix/types.ts';
export { type IngestReportsOptions, type IngestReportsResult, ingestReports } from './triage/ingest.ts';
export {
  findQuarantined,
  type QuarantineEntry,
  type QuarantineFile,
  quarantineGlobals,
  readQuarantine,
  skipQuarantined,
} from './triage/quarantine.ts';
export { type TriageOptions, triage } from './triage/triage.ts';
export type { Cause, CauseName, Finding, TriageResult, Verdict } from './triage/types.ts';
