import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { repositoryRoot } from '../git/base.ts';
import { trackedFiles } from '../git/diff.ts';
import { runTests } from '../runners/run.ts';
import type { RunnerAdapter, TestName } from '../runners/types.ts';
import { discoverProjects, type Project, projectOf } from '../select/projects.ts';
import { mergeCause, round2 } from './causes.ts';
import { compareFindings } from './rank.ts';
import { LINE_RULES } from './rules.ts';
import type { Finding, RerunSummary, TriageResult } from './types.ts';

export interface RerunOptions {
  cwd: string;
  /** Runs alone and runs shuffled with the rest of the file, each. */
  times: number;
  /** Suspects rerun at most (flaky first, by impact); default 10. */
  maxSuspects?: number;
  /** Per runner invocation; default 5 minutes. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

/** `absent`: the report does not list the test; `unreadable`: there is no report to read. */
type Outcome = 'passed' | 'failed' | 'absent' | 'unreadable';

/**
 * `triage --rerun N`: each flaky or broken suspect runs N times alone (a name filter on its file) and N
 * times with the rest of its file in shuffled order (vitest --sequence.shuffle, jest --randomize; node
 * --test cannot shuffle and keeps file order), through the package's own runner with captured output.
 * Any failure among passes confirms flakiness; failures only when not alone mean order dependency.
 * The results go into each finding's `rerun`, evidence, confidence and causes.
 */
export async function rerunSuspects(result: TriageResult, options: RerunOptions): Promise<TriageResult> {
  const log = options.log ?? (() => {});
  const suspects = result.findings.filter((f) => f.verdict !== 'healthy').slice(0, options.maxSuspects ?? 10);
  if (suspects.length === 0 || options.times < 1) return result;
  const root = await repositoryRoot(options.cwd).catch(() => options.cwd);
  let files = await trackedFiles(root);
  if (files.length === 0) files = walk(root);
  const projects = await discoverProjects(root, files);
  const updated = new Map<string, Finding>();
  for (const finding of suspects) {
    const file = resolveFile(finding, files);
    const project = file === undefined ? undefined : projectOf(projects, file);
    if (!file || !project?.runner) {
      log(`testloop: --rerun: no runner found for ${finding.testId}; not rerun`);
      continue;
    }
    log(
      `testloop: rerunning ${finding.testId} ${options.times}× alone and ${options.times}× shuffled (${project.runner.name})`,
    );
    const summary = await rerunOne(finding, file, project, options);
    updated.set(finding.testId, withRerun(finding, summary, file));
  }
  const findings = result.findings.map((f) => updated.get(f.testId) ?? f).sort(compareFindings);
  return { ...result, findings };
}

async function rerunOne(
  finding: Finding,
  file: string,
  project: Project,
  options: RerunOptions,
): Promise<RerunSummary> {
  const adapter = project.runner!;
  const dir = await mkdtemp(join(tmpdir(), 'testloop-rerun-'));
  const alone = { runs: 0, failures: 0 };
  const shuffled = { runs: 0, failures: 0 };
  let missing = 0;
  try {
    for (let i = 1; i <= options.times * 2; i++) {
      const isolated = i <= options.times;
      const report = join(dir, `run-${i}.${adapter.name === 'node' ? 'xml' : 'json'}`);
      const wrapped = withArgs(adapter, (argv) => extraArgs(adapter, argv, report, isolated ? undefined : i));
      const run = await runTests(project.info, wrapped, [file], {
        output: 'capture',
        timeoutMs: options.timeoutMs ?? 300_000,
        ...(isolated ? { testName: testNameOf(finding) } : {}),
      });
      let outcome = await outcomeOf(adapter, report, finding, project.info.dir);
      // Alone, the file runs this one test: the exit status speaks for it when there is no report.
      if (outcome === 'unreadable' && isolated && run.argv.length > 0)
        outcome = run.exitCode === 0 ? 'passed' : 'failed';
      if (outcome === 'absent' || outcome === 'unreadable') {
        missing++;
        continue;
      }
      const tally = isolated ? alone : shuffled;
      tally.runs++;
      if (outcome === 'failed') tally.failures++;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (missing > 0) {
    options.log?.(
      `testloop: --rerun: ${finding.testId} was not in the ${adapter.name} report of ${missing} of ${options.times * 2} reruns; those are not counted`,
    );
  }
  const runs = alone.runs + shuffled.runs;
  const failures = alone.failures + shuffled.failures;
  return {
    alone,
    shuffled,
    confirmedFlaky: failures > 0 && failures < runs,
    orderDependent: alone.runs > 0 && alone.failures === 0 && shuffled.failures > 0,
  };
}

function withRerun(finding: Finding, summary: RerunSummary, file: string): Finding {
  const { alone, shuffled } = summary;
  const line = `rerun: failed ${alone.failures} of ${alone.runs} runs alone, ${shuffled.failures} of ${shuffled.runs} shuffled with the rest of ${file}`;
  let confidence = finding.confidence;
  let causes = finding.causes;
  const total = alone.runs + shuffled.runs;
  if (summary.confirmedFlaky && finding.verdict === 'flaky') confidence = Math.max(confidence, 0.95);
  if (finding.verdict === 'broken' && total > 0) {
    confidence = alone.failures + shuffled.failures === total ? Math.max(confidence, 0.9) : confidence * 0.7;
  }
  if (summary.orderDependent) {
    causes = mergeCause(causes, {
      cause: 'order-dependency',
      score: 0.9,
      evidence: [line],
      fix: LINE_RULES.find((r) => r.cause === 'order-dependency')!.fix,
    });
  }
  return {
    ...finding,
    confidence: round2(confidence),
    causes,
    evidence: [...(finding.evidence ?? []), line],
    rerun: summary,
  };
}

/** The finding's file as the repository lists it (reports may name it relative to its package). */
function resolveFile(finding: Finding, files: readonly string[]): string | undefined {
  const named = finding.file || finding.testId.split(' › ')[0]!;
  const clean = named.replace(/\\/g, '/').replace(/^\.\//, '');
  if (files.includes(clean)) return clean;
  const matches = files.filter((f) => f.endsWith(`/${clean}`));
  return matches.length === 1 ? matches[0] : undefined;
}

function withArgs(adapter: RunnerAdapter, edit: (argv: string[]) => string[]): RunnerAdapter {
  return {
    ...adapter,
    commandLine: (project, tests, options) => {
      const line = adapter.commandLine(project, tests, options);
      return { ...line, argv: edit(line.argv) };
    },
  };
}

/** The finding's test for the runner's name filter (a run alone); the report's suites are its describe blocks. */
function testNameOf(finding: Finding): TestName {
  return {
    ancestors: (finding.suite ?? []).filter(Boolean).map((name) => ({ name, kind: 'suite' as const })),
    name: finding.name ?? '',
  };
}

/** Shuffle seed (with the file) and a machine-readable report; the name filter (alone) is the adapter's. */
function extraArgs(
  adapter: RunnerAdapter,
  argv: string[],
  report: string,
  seed: number | undefined,
): string[] {
  if (adapter.name === 'vitest') {
    const extra = ['--reporter=json', `--outputFile=${report}`];
    if (seed !== undefined) extra.push('--sequence.shuffle', `--sequence.seed=${seed}`);
    return [...argv, ...extra];
  }
  if (adapter.name === 'jest') {
    const extra = ['--json', `--outputFile=${report}`];
    if (seed !== undefined) extra.push('--randomize', `--seed=${seed}`);
    return [...argv, ...extra];
  }
  // node --test: flags go before the files.
  const at = argv.indexOf('--test');
  const extra = ['--test-reporter=junit', `--test-reporter-destination=${report}`];
  return at === -1 ? [...argv, ...extra] : [...argv.slice(0, at + 1), ...extra, ...argv.slice(at + 1)];
}

async function outcomeOf(
  adapter: RunnerAdapter,
  report: string,
  finding: Finding,
  dir: string,
): Promise<Outcome> {
  if (adapter.name === 'node') return junitOutcome(report, finding);
  const text = await readFile(report, 'utf8').catch(() => undefined);
  if (text === undefined) return 'unreadable';
  let data: { testResults?: { name?: string; assertionResults?: Assertion[] }[] };
  try {
    data = JSON.parse(text);
  } catch {
    return 'unreadable';
  }
  for (const file of data.testResults ?? []) {
    const path = relative(dir, file.name ?? '')
      .split(sep)
      .join('/');
    for (const a of file.assertionResults ?? []) {
      if (a.title !== finding.name || !sameSuite(a.ancestorTitles ?? [], finding.suite ?? [])) continue;
      if (finding.file && path && !path.endsWith(finding.file) && !finding.file.endsWith(path)) continue;
      if (a.status === 'passed') return 'passed';
      if (a.status === 'failed') return 'failed';
    }
  }
  return 'absent';
}

interface Assertion {
  title?: string;
  ancestorTitles?: string[];
  status?: string;
}

async function junitOutcome(report: string, finding: Finding): Promise<Outcome> {
  try {
    const { readJUnit } = await import('../junit/junit-reader.ts');
    let outcome: Outcome = 'absent';
    for await (const a of readJUnit(report)) {
      if (a.name !== finding.name) continue;
      if (a.status === 'passed') outcome = outcome === 'failed' ? outcome : 'passed';
      else if (a.status === 'failed' || a.status === 'error') outcome = 'failed';
    }
    return outcome;
  } catch {
    return 'unreadable';
  }
}

function sameSuite(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Files under `root` outside node_modules and dot folders, when git cannot list them. */
function walk(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'))
    .filter((f) => !f.split('/').some((part) => part === 'node_modules' || part.startsWith('.')));
}
