import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCoverage } from '../coverage/load.ts';
import { mapCoverageToRepository } from '../coverage/paths.ts';
import type { FileCoverage } from '../coverage/types.ts';
import { TestloopError } from '../errors.ts';
import { readReport } from '../junit/registry.ts';
import { runTests } from '../runners/run.ts';
import { type Project, projectOf } from '../select/projects.ts';
import { coverageInputs, coversNoFile } from './coverage-dir.ts';

// Without a coverage report every line of a named target would count as uncovered, and a test of code
// the repository's tests already run would pass for new coverage. So the files' own tests (what `select`
// picks for them) run first, with coverage, through the runner adapters, as `ci` runs a selection.

export interface MeasureOptions {
  root: string;
  /** Repository-relative source files of the targets. */
  files: readonly string[];
  projects: readonly Project[];
  env: NodeJS.ProcessEnv;
  /** Longest runner process. */
  timeoutMs: number;
  log: (line: string) => void;
}

export interface MeasuredCoverage {
  /** Coverage of the files whose tests ran and passed; a file missing here falls back to "all uncovered". */
  coverage: Map<string, FileCoverage>;
  /** One per file that could not be measured, saying why and what that means. */
  warnings: string[];
  /** Test files run and the runners' wall time. */
  run: { testFiles: number; ms: number };
}

const FALLBACK = 'every line of its targets counts as uncovered';

/** Runs the existing tests of `files` with coverage and reads which of their lines ran. */
export async function measureCoverage(options: MeasureOptions): Promise<MeasuredCoverage> {
  const { root, files } = options;
  const out: MeasuredCoverage = { coverage: new Map(), warnings: [], run: { testFiles: 0, ms: 0 } };
  const noTests = (file: string) => (projectOf(options.projects, file).discovery?.tests.length ?? 0) === 0;
  for (const file of files.filter(noTests))
    out.warnings.push(`${file}: its package has no test, so no coverage was measured; ${FALLBACK}`);
  const tested = files.filter((file) => !noTests(file));
  if (tested.length === 0) return out;
  const { planSelection } = await import('../select/select-tests.ts');
  let selection: Awaited<ReturnType<typeof planSelection>>['result'];
  try {
    selection = (await planSelection({ cwd: root, changed: tested, env: options.env })).result;
  } catch (error) {
    for (const file of tested)
      out.warnings.push(
        `${file}: its tests could not be selected (${(error as Error).message}); ${FALLBACK}`,
      );
    return out;
  }
  const untested = new Set(selection.untested);
  const byProject = new Map<Project, string[]>();
  for (const file of tested) {
    if (untested.has(file)) {
      out.warnings.push(`${file}: no test runs it, so no coverage was measured; ${FALLBACK}`);
      continue;
    }
    const project = projectOf(options.projects, file);
    byProject.set(project, [...(byProject.get(project) ?? []), file]);
  }
  for (const [project, sources] of byProject) {
    const tests = selection.all
      ? [...(project.discovery?.tests ?? [])]
      : selection.tests
          .filter((test) => test.project === project.dir && test.runner === project.runner?.name)
          .map((test) => test.file);
    if (!project.runner || tests.length === 0) {
      for (const file of sources)
        out.warnings.push(
          `${file}: no test of its package runs it, so no coverage was measured; ${FALLBACK}`,
        );
      continue;
    }
    await measureProject(options, project, sources, tests, out);
  }
  return out;
}

async function measureProject(
  options: MeasureOptions,
  project: Project,
  sources: string[],
  tests: string[],
  out: MeasuredCoverage,
): Promise<void> {
  const adapter = project.runner!;
  const dir = mkdtempSync(join(tmpdir(), 'testloop-baseline-'));
  const names = sources.join(', ');
  try {
    options.log(
      `testloop: measuring what the existing tests cover: ${tests.length} test file(s) of ${names} with ${adapter.name}`,
    );
    const junit = join(dir, 'junit.xml');
    const measure = async (v8Coverage: boolean) => {
      rmSync(join(dir, 'coverage'), { recursive: true, force: true });
      const result = await runTests(project.info, adapter, tests, {
        coverage: true,
        coverageDir: join(dir, 'coverage'),
        coverageInclude: sources,
        v8Coverage,
        junit,
        output: 'capture',
        timeoutMs: options.timeoutMs,
        baseEnv: options.env,
      });
      out.run.testFiles += tests.length;
      out.run.ms += result.durationMs;
      const why = await baselineProblem(result, junit, options.timeoutMs);
      if (why !== undefined) return { why };
      const inputs = coverageInputs(join(dir, 'coverage'));
      const reports =
        inputs.length === 0 ? [] : await loadCoverage(inputs, { cwd: project.info.dir, srcRoots: [] });
      return { reports };
    };
    let measured = await measure(false);
    // A report of no file at all is the instrumenter's (jest's babel provider under @swc/jest), not the
    // tests': V8 sees what ran whatever compiled it.
    if (measured.reports !== undefined && coversNoFile(measured.reports) && adapter.coverage?.v8Fallback)
      measured = await measure(true);
    const { why, reports } = measured;
    if (why !== undefined || reports === undefined) {
      for (const file of sources)
        out.warnings.push(`${file}: the run of its existing tests with coverage ${why}; ${FALLBACK}`);
      return;
    }
    const mapped = mapCoverageToRepository(
      reports,
      project.info.root,
      project.info.dir,
      new Set(project.info.files),
    );
    for (const file of sources) {
      const coverage = mapped.files.get(file);
      if (coverage) out.coverage.set(file, coverage);
      else out.warnings.push(`${file}: the run of its existing tests wrote no coverage of it; ${FALLBACK}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Why the run of the existing tests cannot tell what they cover, or undefined when it can. The tests' own
 * outcomes decide, not the exit code: a project-wide coverage threshold that one file's tests cannot meet
 * fails the run while every test passes. A run cut at the time limit, or one that left a report nobody
 * can read (a runner killed while writing it), is a fallback for these files, never the end of the run.
 */
export async function baselineProblem(
  result: { timedOut: boolean; exitCode: number },
  junit: string,
  timeoutMs: number,
): Promise<string | undefined> {
  if (result.timedOut) return `timed out after ${Math.round(timeoutMs / 1000)} s`;
  let failed: number | undefined;
  if (existsSync(junit)) {
    try {
      failed = await failedTests(junit);
    } catch (error) {
      if (!(error instanceof TestloopError)) throw error;
      return `left a test report that cannot be read (${error.message.split('\n')[0]})`;
    }
  }
  if (failed !== undefined && failed > 0) return `had ${failed} failing test(s)`;
  if (failed === undefined && result.exitCode !== 0) return `failed (exit code ${result.exitCode})`;
  return undefined;
}

async function failedTests(junit: string): Promise<number> {
  let failed = 0;
  for await (const attempt of readReport(junit))
    if (attempt.status !== 'passed' && attempt.status !== 'skipped') failed++;
  return failed;
}
