import type { TriageAttempt } from '../model.ts';
import type { Finding } from '../types.ts';

/**
 * Hook for an optional explanation of a flaky or broken finding, e.g. by a model through src/llm/ (not
 * implemented: testloop's causes come from the rules alone). It receives the finding with its ranked
 * causes and the latest failed attempts (message, stack and output included) and returns a short
 * explanation, or undefined for none. The text lands in `finding.explanation`; a hook that throws is
 * reported as a warning and the finding is left as it was. Keep it cheap: it is called once per finding,
 * at most `maxExplained` times (default 10), most impactful first.
 */
export type ExplainHook = (finding: Finding, context: ExplainContext) => Promise<string | undefined>;

export interface ExplainContext {
  /** Up to five of the most recent failed attempts of the test. */
  failures: TriageAttempt[];
}
