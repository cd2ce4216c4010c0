// Assertions from observed values: run one test once with the values of one of its lines recorded, and
// offer `expect(<expr>).toEqual(<observed>)` (or node:assert's deepStrictEqual) for each. The run is the
// project's own runner on an instrumented copy of the test file written beside it (module resolution is
// the same), with a scrubbed environment and a time limit; the user's file is never written.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join, posix, relative, resolve, sep } from 'node:path';
import { TestloopError } from '../../errors.ts';
import { repositoryRoot } from '../../git/base.ts';
import { trackedFiles } from '../../git/diff.ts';
import { discoverProjects, projectOf } from '../../select/projects.ts';
import { trimOutput } from '../runner-output.ts';
import { withEnclosingRunners } from '../runner-projects.ts';
import { checkTestPath, placeScratch } from '../sandbox.ts';
import { assertionWriter, type Suggestion, toSuggestions } from './assertions.ts';
import { instrument } from './instrument.ts';
import { locateLine } from './locate.ts';
import { chooseWithModel, isLlmClient } from './model.ts';
import { runInstrumented } from './run.ts';

export type { Suggestion as ObservedAssertion } from './assertions.ts';

export interface ObserveOptions {
  /** The repository (or any folder inside it). */
  root: string;
  /** The test file: absolute, or relative to `root`. */
  testFile: string;
  /** 0-based line of the test file. */
  line: number;
  /** The runner's whole process group is killed after this long (default 30 000). */
  timeoutMs?: number;
  /**
   * A model client (src/llm createLlmClient): it chooses which observed assertions to keep and names them (`name`);
   * what it leaves out is said in a warning. Anything else is not asked (a warning says so).
   */
  model?: unknown;
  /** The environment to scrub and run with (default process.env). */
  env?: Record<string, string | undefined>;
}

export interface ObserveResult {
  suggestions: Suggestion[];
  warnings: string[];
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** Lines of the runner's output a warning quotes when the test failed before the line gave a value. */
const QUOTED_LINES = 12;

export async function observeAssertions(o: ObserveOptions): Promise<ObserveResult> {
  const root = await repositoryRoot(o.root).catch(() => resolve(o.root));
  const file = checkedTestFile(o, root);
  const path = join(root, file);
  const warnings: string[] = [];
  const model = isLlmClient(o.model) ? o.model : undefined;
  if (o.model !== undefined && model === undefined) {
    warnings.push(
      '`model` is not a model client (createLlmClient): it was not asked; every observed value is offered',
    );
  }
  const done = (extra: string[], suggestions: Suggestion[] = []): ObserveResult => ({
    suggestions,
    warnings: [...warnings, ...extra],
  });

  const text = readFileSync(path, 'utf8');
  const located = locateLine(file, text, o.line);
  if (!located.ok) return done([`${located.reason}: nothing to observe`]);
  if (located.recordables.length === 0) {
    return done([
      `line ${o.line + 1} of ${file} calls no code under test (only the test framework's own calls, or none): nothing to observe`,
    ]);
  }

  const listed = await trackedFiles(root);
  const files = listed.includes(file) ? listed : [...listed, file];
  const project = projectOf(await withEnclosingRunners(await discoverProjects(root, files)), file);
  const adapter = project.runner;
  if (adapter === undefined) {
    return done([`no test runner found for ${file} (vitest, jest or node --test): nothing was run`]);
  }
  const writer = assertionWriter(adapter.assertionStyle, located.program, file);
  warnings.push(...writer.warnings);

  const scratch = await placeScratch(project.info, adapter, file);
  if (posix.dirname(scratch) !== posix.dirname(file)) {
    return done([
      `${adapter.name} would not run a copy of ${file} beside it (its include patterns name the file alone): nothing was run`,
    ]);
  }
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { run, seen } = await runInstrumented({
    root,
    project: project.info,
    adapter,
    scratch,
    source: instrument(text, located.recordables, adapter.assertionStyle),
    test: located.test,
    timeoutMs,
    env: o.env ?? process.env,
  });

  if (run.timedOut) {
    return done([
      `the test did not finish within ${timeoutMs / 1000} s and was stopped: no value is offered (one seen before the stop may not be the test's last)`,
    ]);
  }
  const result = toSuggestions(located.recordables, seen, writer.write);
  if (run.exitCode !== 0) {
    const quoted = quoteOutput(run.output ?? '', { scratch, testFile: file, root, dir: project.info.dir });
    result.warnings.push(`the test failed (${adapter.name} exit code ${run.exitCode}):\n${quoted}`);
  }
  if (model !== undefined && result.suggestions.length > 0) {
    const chosen = await chooseWithModel(model, result.suggestions, { file, text, line: o.line });
    return done([...result.warnings, ...chosen.warnings], chosen.suggestions);
  }
  return done(result.warnings, result.suggestions);
}

/** The test file, repository-relative, once it exists and the line is a line: else TESTLOOP_USAGE. */
function checkedTestFile(o: ObserveOptions, root: string): string {
  // A relative test file is relative to `root`, which may be a package folder inside the repository.
  const file = checkTestPath(root, repositoryRelative(root, resolve(o.root, o.testFile)));
  if (!existsSync(join(root, file))) {
    throw new TestloopError(
      'TESTLOOP_USAGE',
      `${file}: no such test file in ${root}. Name a test file of the repository`,
    );
  }
  if (!Number.isInteger(o.line) || o.line < 0) {
    throw new TestloopError(
      'TESTLOOP_USAGE',
      `line ${o.line}: not a line number. Pass a 0-based line of ${file}`,
    );
  }
  return file;
}

/** The first lines of a failed run's output, with the scratch copy's paths as the test file's. */
function quoteOutput(
  output: string,
  where: { scratch: string; testFile: string; root: string; dir: string },
): string {
  return trimOutput(output, { ...where, realRoot: realpathSync(where.root) })
    .split('\n')
    .slice(0, QUOTED_LINES)
    .join('\n');
}

function repositoryRelative(root: string, path: string): string {
  let absolute = path;
  try {
    absolute = realpathSync(path);
  } catch {
    // Not there: the existence check names it.
  }
  const realRoot = realpathSync(root);
  const base = absolute.startsWith(realRoot + sep) ? realRoot : root;
  return relative(base, absolute).split(sep).join('/');
}
