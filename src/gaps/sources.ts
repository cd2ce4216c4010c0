// Which changed files a coverage report is expected to mention.

import type { GapsResult } from './types.ts';

const SOURCE_EXTENSIONS =
  /\.(?:[cm]?[jt]sx?|vue|svelte|astro|py|java|kt|kts|scala|groovy|go|rs|rb|php|cs|fs|swift|m|mm|c|cc|cpp|cxx|h|hpp|dart|ex|exs|erl|lua)$/i;

/** Test files are rarely in coverage reports, and nobody asks for their coverage: no warning for them. */
const TEST_FILE = /(?:^|\/)(?:__tests__\/|.*[._-](?:test|spec)\.[cm]?[jt]sx?$)/;

/** Tool configs and type declarations: runners leave them out of coverage by default, and hold no tested code. */
const NOT_MEASURED_BY_DESIGN =
  /(?:^|\/)(?:[^/]+\.config\.[cm]?[jt]s|\.[^/]+rc\.[cm]?[jt]s|[^/]+\.d\.[cm]?ts)$/;

/** A changed file a coverage report should mention: code, not a test, config or declaration. */
export function isMeasurableSource(path: string): boolean {
  return SOURCE_EXTENSIONS.test(path) && !TEST_FILE.test(path) && !NOT_MEASURED_BY_DESIGN.test(path);
}

/**
 * When no changed line was measured: how many changed source files no report mentions (0 otherwise).
 * Reports then say "not measured" rather than a percentage, which would read as "covered".
 */
export function unmeasuredSources(result: Pick<GapsResult, 'files' | 'totals'>): number {
  if (result.totals.coverableLines > 0) return 0;
  return result.files.filter((f) => !f.measured && isMeasurableSource(f.path)).length;
}
