import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repositoryRoot } from '../git/base.ts';
import { trackedFiles } from '../git/diff.ts';
import { discoverProjects, type Project, projectOf } from '../select/projects.ts';
import { mergeCause, round2 } from './causes.ts';
import { compareFindings } from './rank.ts';
import { rerunTest, resolveFile, shuffleSeed, walk } from './rerun-test.ts';
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
      const { outcome } = await rerunTest(
        project.info,
        adapter,
        file,
        finding,
        isolated ? { kind: 'alone' } : { kind: 'shuffled', seed: shuffleSeed(i) },
        { report: join(dir, `run-${i}`), timeoutMs: options.timeoutMs ?? 300_000 },
      );
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
