// JUnit XML dialects and raw CI logs → TestAttempt streams. See README.md for the identity rules.
export { FILE_ERROR_NAME, JUNIT_DIALECTS, type JUnitDialect } from './dialects.ts';
export { JUnitParseError } from './errors.ts';
export { createJUnitReader, junitReader, readJUnit } from './junit-reader.ts';
export { detectReader, readerByName, readHead, readReport, reportReaders } from './registry.ts';
export type {
  AttemptStatus,
  ReportReader,
  ReportStream,
  RunInfo,
  StreamingReportReader,
  TestAttempt,
} from './types.ts';
export { testIdOf } from './types.ts';
