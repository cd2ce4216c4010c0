// `testloop ci --fix-flaky`: after triage, `triage --fix` for the top flaky tests of this run. Advice only:
// the step is fenced like the others and never changes the exit status.

import { isTestloopError } from '../errors.ts';
import type { FixResult } from '../triage/fix/types.ts';
import type { Finding, TriageResult } from '../triage/types.ts';

export interface FixFlakyOptions {
  root: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** Flaky tests tried at most. */
  max: number;
  /** What is left of the ci budget (Infinity without one): shared by the tests' reproductions. */
  remainingMs: number;
  llm?: { baseUrl?: string; model?: string; apiKey?: string };
}

/** Whole reproductions need a few runs at least: below this a test's share is not worth starting. */
const MIN_BUDGET_MS = 10_000;

export async function fixFlakyTests(
  triage: TriageResult,
  failedInThisRun: readonly string[],
  options: FixFlakyOptions,
): Promise<FixResult[]> {
  const chosen = flakyFirst(triage.findings, new Set(failedInThisRun)).slice(0, options.max);
  if (chosen.length === 0) return [];
  const { fixTests, DEFAULT_FIX_BUDGET_MS } = await import('../triage/fix/fix.ts');
  const client = await clientOf(options);
  try {
    // Reproduction gets half of what is left, shared; proofs and the model the other half.
    const share = Number.isFinite(options.remainingMs)
      ? Math.max(MIN_BUDGET_MS, options.remainingMs / 2 / chosen.length)
      : DEFAULT_FIX_BUDGET_MS;
    const fixes: FixResult[] = [];
    for (const finding of chosen) {
      const report = await fixTests({
        cwd: options.root,
        env: options.env,
        tests: [finding.testId],
        causes: new Map([[finding.testId, finding.causes]]),
        budgetMs: Math.min(DEFAULT_FIX_BUDGET_MS, share),
        log: options.log,
        ...(client
          ? { client }
          : {
              noModelReason:
                'no model configured (--base-url and --model, or TESTLOOP_LLM_BASE_URL and TESTLOOP_LLM_MODEL)',
            }),
      }).catch((error: unknown) => {
        // A test the repository no longer has (renamed, deleted) is no reason to give up on the others.
        if (!isTestloopError(error) || error.code !== 'TESTLOOP_UNKNOWN_TEST') throw error;
        options.log(`testloop: --fix-flaky: ${error.message}`);
        return { fixes: [] };
      });
      fixes.push(...report.fixes);
    }
    return fixes;
  } finally {
    await client?.close();
  }
}

/** Flaky findings, those that failed in this run first, in triage's order (impact) otherwise. */
function flakyFirst(findings: readonly Finding[], failed: ReadonlySet<string>): Finding[] {
  const flaky = findings.filter((f) => f.verdict === 'flaky');
  return [...flaky.filter((f) => failed.has(f.testId)), ...flaky.filter((f) => !failed.has(f.testId))];
}

async function clientOf(options: FixFlakyOptions) {
  if (!options.llm?.baseUrl || !options.llm.model) return undefined;
  const { createLlmClient } = await import('../llm/index.ts');
  return createLlmClient({
    baseUrl: options.llm.baseUrl,
    model: options.llm.model,
    env: options.env,
    ...(options.llm.apiKey ? { apiKey: options.llm.apiKey } : {}),
  });
}
