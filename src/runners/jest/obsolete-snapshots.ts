import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** The parts of jest's `--json` results that say why a run failed. */
interface JestRunResults {
  numFailedTests?: number;
  numFailedTestSuites?: number;
  numRuntimeErrorTestSuites?: number;
  snapshot?: {
    filesRemoved?: number;
    filesRemovedList?: string[];
    unchecked?: number;
    unmatched?: number;
  };
}

/**
 * Whether a jest run whose exit code says it failed had every test pass, and failed only because the
 * project holds snapshot files of test files that no longer exist: jest counts them "obsolete" and fails
 * the run whatever test files it ran (unless `-u` deletes them). A snapshot the run's own tests wrote,
 * missed or left unchecked is theirs, and keeps the failure.
 */
export function onlyObsoleteSnapshotsOfOthers(resultsFile: string, ran: readonly string[]): boolean {
  let results: JestRunResults;
  try {
    results = JSON.parse(readFileSync(resultsFile, 'utf8')) as JestRunResults;
  } catch {
    return false;
  }
  const failures =
    (results.numFailedTests ?? 1) +
    (results.numFailedTestSuites ?? 1) +
    (results.numRuntimeErrorTestSuites ?? 1);
  const snapshot = results.snapshot ?? {};
  if (failures > 0 || (snapshot.unmatched ?? 0) > 0 || (snapshot.unchecked ?? 0) > 0) return false;
  const obsolete = snapshot.filesRemovedList ?? [];
  if ((snapshot.filesRemoved ?? 0) === 0 || obsolete.length === 0) return false;
  // jest's default resolver names a test's snapshot file after it: `__snapshots__/<test file>.snap`.
  const own = new Set(ran.map((file) => `${basename(file)}.snap`));
  return obsolete.every((file) => !own.has(basename(file)));
}
