import { LiveTriage, type LiveTriageOptions } from './live-triage.ts';

// The shapes of vitest's reporter API this reporter reads (vitest 3 and 4), kept structural so the
// bundle needs nothing of vitest.
interface SuiteLike {
  type: 'suite' | 'module';
  name?: string;
  parent?: SuiteLike;
}
interface TestCaseLike {
  name: string;
  module: { moduleId: string };
  parent: SuiteLike;
  result(): { state: string; errors?: ReadonlyArray<{ message?: string; stack?: string }> };
  diagnostic(): { duration: number; retryCount: number } | undefined;
}

const STATUS: Record<string, LiveResultStatus> = { passed: 'passed', failed: 'failed', skipped: 'skipped' };
type LiveResultStatus = 'passed' | 'failed' | 'skipped';

/**
 * `reporters: ['default', ['testloop/reporter/vitest', { notify, history }]]`: each failure, as it happens,
 * looked up in the history and the change (see LiveTriage).
 */
export default class TestloopVitestReporter {
  #live: LiveTriage | undefined;

  constructor(private readonly options: Omit<LiveTriageOptions, 'cwd'> = {}) {}

  onInit(vitest: { config: { root: string } }): void {
    this.#live = new LiveTriage({ ...this.options, cwd: vitest.config.root });
  }

  onTestCaseResult(testCase: TestCaseLike): void {
    const result = testCase.result();
    const status = STATUS[result.state];
    if (status === undefined) return;
    const suite: string[] = [];
    for (
      let parent: SuiteLike | undefined = testCase.parent;
      parent?.type === 'suite';
      parent = parent.parent
    )
      suite.unshift(parent.name ?? '');
    const error = result.errors?.[0];
    this.#live?.result({
      file: testCase.module.moduleId,
      suite,
      name: testCase.name,
      status,
      durationMs: testCase.diagnostic()?.duration ?? 0,
      retry: testCase.diagnostic()?.retryCount ?? 0,
      ...(error?.message === undefined ? {} : { message: error.message }),
    });
  }

  async onTestRunEnd(): Promise<void> {
    await this.#live?.finished();
  }
}
