import { TestloopError } from '../../errors.ts';
import type { StoredAttempt } from '../../history/types.ts';
import type { Finding } from '../../triage/types.ts';
import type { ToolDefinition } from '../tool.ts';
import { findingLine, testArgument, triageInput, triageOf, triageSummary } from './flaky-tests.ts';

/** Recent attempts shown for one test, newest first. */
const HISTORY_ATTEMPTS = 50;

export const explainFailureTool: ToolDefinition = {
  name: 'explain_failure',
  title: 'Why a test fails',
  description:
    'Triage findings for the failing tests (flaky or broken, with probable causes, evidence and fixes), from the CI runs in the test history. With `test`, that one test: its finding and its recent attempts (run, commit, status, message), newest first.',
  inputSchema: () => triageInput().extend({ test: testArgument.optional() }),
  async call(args, context) {
    const { test, ...triageArgs } = args;
    const result = await triageOf(triageArgs, context);
    if (test === undefined) {
      const findings = result.findings.filter((f) => f.verdict !== 'healthy');
      return { summary: triageSummary(result), structured: { findings, stats: result.stats } };
    }
    if (typeof test !== 'string' || test === '')
      throw new TestloopError('TESTLOOP_USAGE', 'argument test: expected the id of a test, or a part of it');
    const finding = findingOf(result.findings, test);
    const history = await historyOf(finding.testId, args, context.cwd, context.env);
    const lines = [findingLine(finding).slice(2), ...(finding.evidence ?? []).map((e) => `  evidence: ${e}`)];
    for (const cause of finding.causes) lines.push(`  cause ${cause.cause} (${cause.score}): ${cause.fix}`);
    lines.push(`${history.length} recent attempt(s) in structuredContent.history, newest first.`);
    return { summary: lines.join('\n'), structured: { finding, history, stats: result.stats } };
  },
};

/** The finding the argument names: the exact id, else the only one that contains it. */
function findingOf(findings: readonly Finding[], test: string): Finding {
  const exact = findings.find((f) => f.testId === test);
  if (exact) return exact;
  const matching = findings.filter((f) => f.testId.includes(test));
  if (matching.length === 1) return matching[0]!;
  if (matching.length === 0)
    throw new TestloopError(
      'TESTLOOP_USAGE',
      `argument test: no test in the history matches "${test}". List them with flaky_tests`,
    );
  throw new TestloopError(
    'TESTLOOP_USAGE',
    `argument test: "${test}" matches ${matching.length} tests, e.g. ${matching
      .slice(0, 3)
      .map((f) => f.testId)
      .join(', ')}. Give more of the id`,
  );
}

async function historyOf(
  testId: string,
  args: Record<string, unknown>,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<Omit<StoredAttempt, 'output'>[]> {
  const { openHistoryStore } = await import('../../history/open.ts');
  const { DEFAULT_TRIAGE_RUNS } = await import('../../triage/triage.ts');
  const store = await openHistoryStore({
    cwd,
    env,
    readOnly: true,
    ...(typeof args.history === 'string' ? { path: args.history } : {}),
  });
  try {
    const attempts: Omit<StoredAttempt, 'output'>[] = [];
    const query = {
      runs: typeof args.runs === 'number' ? args.runs : DEFAULT_TRIAGE_RUNS,
      ...(typeof args.branch === 'string' ? { branch: args.branch } : {}),
    };
    for await (const attempt of store.recentAttempts(query)) {
      if (attempt.testId !== testId) continue;
      const { output: _output, ...rest } = attempt;
      attempts.push(rest);
    }
    return attempts
      .sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? ''))
      .slice(0, HISTORY_ATTEMPTS);
  } finally {
    await store.close();
  }
}
