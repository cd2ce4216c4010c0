import * as z from 'zod';
import { parseFlags } from '../../cli/parse-flags.ts';
import { parseDuration } from '../../config/duration.ts';
import { omitOptions } from '../../config/option-table.ts';
import { schemaOf } from '../../config/schema-of.ts';
import { SELECT_OPTIONS } from '../../config/select-options.ts';
import { TestloopError } from '../../errors.ts';
import type { Project } from '../../select/projects.ts';
import type { RunGroup, RunOutcomes } from '../../select/run-outcomes.ts';
import { verdictOf } from '../../select/run-verdict.ts';
import { runsEverything } from '../../select/shard.ts';
import type { SelectResult } from '../../select/types.ts';
import { argvOf, noStdin, wrongType } from '../cli-call.ts';
import type { ToolDefinition } from '../tool.ts';
import { selectionSummary } from './select-tests.ts';

const DEFAULT_TIMEOUT = '5m';
const LISTED_FAILURES = 10;

export const runTestsTool: ToolDefinition = {
  name: 'run_tests',
  title: 'Run the tests a change affects',
  description:
    "Runs test files with each package's own runner (vitest, jest, node:test; never in watch mode) and answers with each test's outcome and the failures' messages, trimmed. By default it runs the selection for the change (the same arguments as select_tests); `files` runs those test files instead; the whole suite runs only with `all: true`. Everything stops at `timeout` (default 5m).",
  inputSchema: () =>
    schemaOf(omitOptions(SELECT_OPTIONS, ['format', 'run'])).extend({
      files: z
        .array(z.string().min(1))
        .optional()
        .describe('test files to run (repository-relative) instead of a selection'),
      all: z.boolean().optional().describe('run the whole suite of every package (only when asked for)'),
      timeout: z
        .string()
        .optional()
        .describe(
          'time limit for the whole run, e.g. 90s or 2m (default 5m): runners still going are stopped',
        ),
    }),
  async call(args, context) {
    const { files, all, timeout, ...selectArgs } = args;
    if (
      files !== undefined &&
      (!Array.isArray(files) || files.some((f) => typeof f !== 'string' || f === ''))
    )
      throw wrongType('files', 'a list of test file paths', files);
    if (all !== undefined && typeof all !== 'boolean') throw wrongType('all', 'true or false', all);
    const timeoutMs = parseDuration(typeof timeout === 'string' ? timeout : DEFAULT_TIMEOUT);
    if (timeout !== undefined && (typeof timeout !== 'string' || timeoutMs === undefined || timeoutMs <= 0))
      throw new TestloopError(
        'TESTLOOP_USAGE',
        `argument timeout: expected a duration such as 90s, 2m or 1m30s, got ${JSON.stringify(timeout)}`,
      );
    if (all === true && files !== undefined)
      throw new TestloopError('TESTLOOP_USAGE', 'arguments all and files: give one of them, not both');
    // An empty list would run nothing and answer as if it passed.
    if (Array.isArray(files) && files.length === 0)
      throw new TestloopError('TESTLOOP_USAGE', 'argument files: name at least one test file');

    const flags = parseFlags(
      SELECT_OPTIONS,
      [
        `--cwd=${context.cwd}`,
        ...(context.config === undefined ? [] : [`--config=${context.config}`]),
        ...argvOf(SELECT_OPTIONS, files === undefined ? selectArgs : { ...selectArgs, changed: files }),
      ],
      'select',
    );
    // Loaded on the first call: tools/list answers without the selection engine.
    const { planFromFlags } = await import('../../cli/select.ts');
    const { plan } = await planFromFlags(flags, { ...context, readStdin: noStdin });
    const { result, projects } = plan;
    const groups =
      all === true
        ? everything(projects)
        : files !== undefined
          ? byFile(projects, files as string[])
          : selected(result, projects);
    if (groups === undefined) {
      const summary = `Not run: ${selectionSummary(result)}\nThe whole suite runs only when asked for: call run_tests with all: true, or name the files.`;
      return { summary, structured: { ran: false, selection: result } };
    }
    // Nothing to run is not a pass: the answer says no test ran, and why.
    if (groups.length === 0) {
      const why = all === true ? 'no package here has a runner with test files.' : selectionSummary(result);
      return { summary: `Nothing run: ${why}`, structured: { ran: false, selection: result } };
    }
    const { runWithOutcomes } = await import('../../select/run-outcomes.ts');
    const outcome = await runWithOutcomes(groups, { timeoutMs: timeoutMs!, log: context.log });
    const structured = {
      ran: true,
      ...outcome,
      ...(files === undefined && all !== true
        ? {
            selection: {
              tests: result.tests.length,
              totalTests: result.stats.totalTests,
              untested: result.untested,
            },
          }
        : {}),
    };
    return { summary: runSummary(outcome), structured };
  },
};

function everything(projects: readonly Project[]): RunGroup[] {
  return projects
    .filter((p) => p.runner !== undefined && (p.discovery?.tests.length ?? 0) > 0)
    .map((project) => ({ project, tests: 'all' as const }));
}

/** The selection's files by package; undefined when the selection is every test (not run unasked). */
function selected(result: SelectResult, projects: readonly Project[]): RunGroup[] | undefined {
  if (runsEverything(result)) return undefined;
  const groups = new Map<Project, string[]>();
  for (const test of result.tests) {
    const project = projects.find((p) => p.dir === test.project && p.runner?.name === test.runner);
    if (!project)
      throw new TestloopError(
        'TESTLOOP_RUNNER_FAILED',
        `no runner found for the selected test file ${test.file}`,
      );
    groups.set(project, [...(groups.get(project) ?? []), test.file]);
  }
  return [...groups].map(([project, tests]) => ({ project, tests }));
}

/** Named test files by the package whose runner runs them; a file no runner runs is an error. */
function byFile(projects: readonly Project[], files: readonly string[]): RunGroup[] {
  const groups = new Map<Project, string[]>();
  for (const file of files) {
    const path = file.replace(/^\.\//, '');
    const project = projects.find((p) => p.runner !== undefined && p.discovery?.tests.includes(path));
    if (!project)
      throw new TestloopError(
        'TESTLOOP_USAGE',
        `argument files: ${file} is not a test file any runner here runs (paths are repository-relative). select_tests lists them`,
      );
    groups.set(project, [...(groups.get(project) ?? []), path]);
  }
  return [...groups].map(([project, tests]) => ({ project, tests }));
}

function runSummary(outcome: RunOutcomes): string {
  const { passed, failed, skipped } = outcome.tests;
  const files = outcome.runs
    .map((r) => `${r.testFiles} file(s) with ${r.runner} in ${r.project || '.'}`)
    .join(', ');
  const verdict = verdictOf(outcome);
  const lines = [
    `${verdict}: ${passed} passed, ${failed} failed, ${skipped} skipped (${files}; ${(outcome.durationMs / 1000).toFixed(1)} s).`,
  ];
  if (outcome.timedOut)
    lines.push(
      'The time limit was reached: runners still going were stopped and their remaining tests did not run.',
    );
  for (const failure of outcome.failures.slice(0, LISTED_FAILURES)) {
    lines.push(
      `✗ ${failure.testId}`,
      ...(failure.message ?? '')
        .split('\n')
        .slice(0, 4)
        .map((l) => `    ${l}`),
    );
  }
  if (outcome.failures.length > LISTED_FAILURES)
    lines.push(`…and ${outcome.failures.length - LISTED_FAILURES} more failures`);
  for (const run of outcome.runs) {
    if (run.output)
      lines.push(
        `${run.runner} in ${run.project || '.'} exited ${run.exitCode} without a failing test in its report:`,
        run.output.split('\n').slice(-8).join('\n'),
      );
  }
  return lines.join('\n');
}
