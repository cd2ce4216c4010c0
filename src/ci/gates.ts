import type { CiGate, CiResult, CiStepName, CiStepStatus } from './types.ts';

export interface GateOptions {
  failUnder?: number;
  flaky?: 'report' | 'fail';
  strict?: boolean;
}

type PartialResult = Omit<CiResult, 'gates' | 'exitCode'>;

/**
 * What decides the exit status: the tests first (a failing test is never hidden), then the gates the user
 * configured. A configured gate whose input is missing is listed as not evaluated, never as passed;
 * testloop's own failures and those gates count only under `strict`.
 */
export function evaluateGates(result: PartialResult, options: GateOptions): CiGate[] {
  const gates: CiGate[] = [];
  const runStep = result.steps.find((s) => s.name === 'run');
  if (result.run) {
    const { run } = result;
    const passed = run.exitCode === 0;
    gates.push(
      decided(
        'tests',
        passed,
        passed
          ? `${run.tests.passed} passed in ${run.testFiles} test file(s)`
          : run.tests.failed > 0
            ? `${run.tests.failed} failed, ${run.tests.passed} passed`
            : `the test runner exited with ${run.exitCode}`,
      ),
    );
  } else if (runStep?.status === 'failed' || runStep?.status === 'timedOut') {
    // No test result at all is not a green build: the tests are the point of the step.
    gates.push(decided('tests', false, `the tests could not run: ${runStep.detail ?? ''}`));
  }
  if (options.failUnder !== undefined) {
    gates.push(
      result.gaps
        ? coverageGate(result.gaps, options.failUnder)
        : notEvaluated('fail-under', `diff coverage unknown: ${missing(result, 'gaps')}`),
    );
  }
  if (options.flaky === 'fail') {
    gates.push(
      result.triage
        ? flakyGate(result)
        : notEvaluated('flaky', `flaky tests unknown: ${missing(result, 'triage')}`),
    );
  }
  if (options.strict) {
    // The flaky-test fixer is advice: it never fails the build, not even a strict one.
    const broken = result.steps.filter(
      (s) => s.name !== 'fix' && (s.status === 'failed' || s.status === 'timedOut'),
    );
    const unknown = gates.filter((g) => g.status === 'not-evaluated');
    const problems = [
      ...(broken.length > 0
        ? [`testloop steps did not finish: ${broken.map((s) => `${s.name} (${s.status})`).join(', ')}`]
        : []),
      ...(unknown.length > 0 ? [`gates not evaluated: ${unknown.map((g) => g.name).join(', ')}`] : []),
    ];
    gates.push(decided('strict', problems.length === 0, problems.join('; ') || 'every step ran'));
  }
  return gates;
}

/** The gates configured for this run that could not be evaluated: every report names them. */
export function notEvaluatedGates(result: Pick<CiResult, 'gates'>): CiGate[] {
  return result.gates.filter((g) => g.status === 'not-evaluated');
}

/** One line for a gate: the reason it was not evaluated, else its detail. */
export function gateLine(gate: CiGate): string {
  return gate.status === 'not-evaluated' ? `not evaluated: ${gate.reason ?? gate.detail}` : gate.detail;
}

/** 1 when a gate failed, or, under strict, when one could not be evaluated; else 0. */
export function exitCodeOf(gates: readonly CiGate[], strict: boolean): number {
  const failing = gates.some((g) => !g.passed && (g.status !== 'not-evaluated' || strict));
  return failing ? 1 : 0;
}

function coverageGate(gaps: NonNullable<PartialResult['gaps']>, failUnder: number): CiGate {
  const { totals } = gaps;
  const measured = `${totals.coverableLines - totals.uncoveredLines} of ${totals.coverableLines} lines`;
  if (totals.coverableLines === 0) {
    // Nothing executable changed in the files the reports measure (a comment, a type); files no report
    // mentions are counted as not covered by the gaps step, so they never reach this branch.
    return decided('fail-under', true, `no changed line is measured code, threshold ${failUnder}%`);
  }
  // Compared on the exact ratio, not the rounded percent, so 79.999% never passes 80.
  const ratio = ((totals.coverableLines - totals.uncoveredLines) / totals.coverableLines) * 100;
  return decided(
    'fail-under',
    ratio >= failUnder,
    `diff coverage ${totals.percent.toFixed(1)}% (${measured}), threshold ${failUnder}%`,
  );
}

function flakyGate(result: PartialResult): CiGate {
  const ran = new Set(result.run?.failedTests ?? []);
  const flaky = result.triage!.findings.filter((f) => f.verdict === 'flaky');
  const failing = flaky.filter((f) => ran.has(f.testId));
  return decided(
    'flaky',
    flaky.length === 0,
    flaky.length === 0
      ? 'no flaky test found'
      : `${flaky.length} flaky test(s)${failing.length > 0 ? `, ${failing.length} failed in this run` : ''}`,
  );
}

function decided(name: CiGate['name'], passed: boolean, detail: string): CiGate {
  return { name, passed, status: passed ? 'passed' : 'failed', detail };
}

function notEvaluated(name: CiGate['name'], reason: string): CiGate {
  return { name, passed: false, status: 'not-evaluated', reason, detail: `not evaluated: ${reason}` };
}

const STEP_WORDS: Record<CiStepStatus, string> = {
  ok: 'ran',
  off: 'was off',
  skipped: 'was skipped',
  failed: 'failed',
  timedOut: 'timed out',
};

/** Why a step's result is missing, in its own words. */
function missing(result: PartialResult, name: CiStepName): string {
  const step = result.steps.find((s) => s.name === name);
  if (!step) return `the ${name} step did not run`;
  return `the ${name} step ${STEP_WORDS[step.status]}${step.detail ? ` (${step.detail})` : ''}`;
}
