import { isInert, isOpaqueToGraph } from '../select/safety.ts';
import type { GapsResult } from './types.ts';

/**
 * Extensions of the languages the coverage formats testloop reads cover (istanbul/V8/lcov for
 * JavaScript and TypeScript, Cobertura/JaCoCo/coverage.py/Go/OpenCover for the others).
 */
const SOURCE_EXTENSION =
  /\.(?:[cm]?[jt]sx?|vue|svelte|astro|py|java|kt|kts|scala|groovy|go|rs|rb|php|cs|fs|swift|m|mm|c|cc|cpp|cxx|h|hpp|dart|ex|exs|erl|lua)$/i;

/** Type declarations hold no executable line. */
const DECLARATION = /\.d\.[cm]?ts$/i;

/** Tool configs (`tailwind.config.ts`, `.eslintrc.cjs`): runners leave them out of coverage by default. */
const TOOL_CONFIG = /(?:^|\/)(?:[^/]+\.config\.[cm]?[jt]s|\.[^/]+rc\.[cm]?[jt]s)$/;

/**
 * Tests and their support by each ecosystem's convention, the ones coverage tools leave out by default
 * (vitest's and jest's default excludes, Maven/Gradle's src/test, Go's _test.go, pytest's test_*.py, …).
 */
const TEST_FILE = new RegExp(
  [
    // Folders: __tests__/__mocks__ anywhere, test(s)/spec/e2e at a repository's or a package's root.
    '(?:^|/)(?:__tests__|__mocks__|__fixtures__)/',
    '^(?:(?:packages|apps|libs)/[^/]+/)?(?:tests?|Tests|spec|e2e|cypress)/',
    '(?:^|/)src/(?:test|androidTest|testFixtures|integrationTest)/',
    '(?:^|/)[^/]+\\.Tests?/',
    // Files: sum.test.ts, sum.spec.jsx, sum-test.js, types.test-d.ts, sum.bench.ts.
    '[._-](?:test|spec|bench|benchmark)(?:-d)?\\.[cm]?[jt]sx?$',
    '(?:^|/)test_[^/]*\\.py$',
    '_test\\.(?:py|go|dart|exs|rb)$',
    '(?:^|/)conftest\\.py$',
    '_spec\\.rb$',
    // JUnit, xUnit, PHPUnit and XCTest name classes FooTest; their folders above usually say it already.
    '[a-z0-9]Tests?\\.(?:java|kt|scala|groovy|cs|php|swift)$',
  ].join('|'),
);

/** A test file or a test's support file, by naming convention. */
export function isTestFile(path: string): boolean {
  return TEST_FILE.test(path);
}

/**
 * Whether coverage tools measure a file like this one: source code, not a test, a type declaration, a
 * tool's configuration, a manifest, a lockfile or a document. Only such a file is worth a "not measured"
 * row or warning when no report mentions it; the others are only counted.
 */
export function isCoverageSource(path: string): boolean {
  return (
    SOURCE_EXTENSION.test(path) &&
    !DECLARATION.test(path) &&
    !TOOL_CONFIG.test(path) &&
    !isTestFile(path) &&
    !isOpaqueToGraph(path) &&
    !isInert(path)
  );
}

/**
 * When no changed line was measured: how many changed source files no report mentions (0 otherwise).
 * Reports then say "not measured" rather than a percentage, which would read as "covered".
 */
export function unmeasuredSources(result: Pick<GapsResult, 'files' | 'totals'>): number {
  if (result.totals.coverableLines > 0) return 0;
  return result.files.filter((f) => !f.measured && isCoverageSource(f.path)).length;
}
