// Which changed files a coverage report is expected to mention.

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
