import type { CiGate, CiResult } from './types.ts';

export interface GateOptions {
  failUnder?: number;
  flaky?: 'report' | 'fail';
  strict?: boolean;
}

/**
 * What decides the exit status: the tests first (a failing test is never hidden), then the gates the user
 * configured. testloop's own failures count only under `strict`.
 */
export function evaluateGates(result: Omit<CiResult, 'gates' | 'exitCode'>, options: GateOptions): CiGate[] {
  const gates: CiGate[] = [];
  const runStep = result.steps.find((s) => s.name === 'run');
  if (result.run) {
    const { run } = result;
    const passed = run.exitCode === 0;
    gates.push({
      name: 'tests',
      passed,
      detail: passed
        ? `${run.tests.passed} passed in ${run.testFiles} test file(s)`
        : run.tests.failed > 0
          ? `${run.tests.failed} failed, ${run.tests.passed} passed`
          : `the test runner exited with ${run.exitCode}`,
    });
  } else if (runStep?.status === 'failed' || runStep?.status === 'timedOut') {
    // No test result at all is not a green build: the tests are the point of the step.
    gates.push({ name: 'tests', passed: false, detail: `the tests could not run: ${runStep.detail ?? ''}` });
  }
  if (options.failUnder !== undefined && result.gaps) {
    const { totals } = result.gaps;
    const passed = totals.coverableLines === 0 || totals.percent >= options.failUnder;
    gates.push({
      name: 'fail-under',
      passed,
      detail: `diff coverage ${totals.percent.toFixed(1)}% (${totals.coverableLines - totals.uncoveredLines} of ${totals.coverableLines} lines), threshold ${options.failUnder}%`,
    });
  }
  if (options.flaky === 'fail' && result.triage) {
    const ran = new Set(result.run?.failedTests ?? []);
    const flaky = result.triage.findings.filter((f) => f.verdict === 'flaky');
    const failing = flaky.filter((f) => ran.has(f.testId));
    gates.push({
      name: 'flaky',
      passed: flaky.length === 0,
      detail:
        flaky.length === 0
          ? 'no flaky test found'
          : `${flaky.length} flaky test(s)${failing.length > 0 ? `, ${failing.length} failed in this run` : ''}`,
    });
  }
  if (options.strict) {
    const broken = result.steps.filter((s) => s.status === 'failed' || s.status === 'timedOut');
    gates.push({
      name: 'strict',
      passed: broken.length === 0,
      detail:
        broken.length === 0
          ? 'every step ran'
          : `testloop steps did not finish: ${broken.map((s) => `${s.name} (${s.status})`).join(', ')}`,
    });
  }
  return gates;
}
