import { LiveTriage, type LiveTriageOptions } from './live-triage.ts';

interface JestTestCaseResult {
  ancestorTitles: string[];
  title: string;
  status: string;
  duration?: number | null;
  failureMessages: string[];
  invocations?: number;
}

/**
 * `reporters: ['default', ['testloop/reporter/jest', { notify, history }]]`: each failure, as it happens,
 * looked up in the history and the change (see LiveTriage).
 */
export default class TestloopJestReporter {
  readonly #live: LiveTriage;

  constructor(globalConfig: { rootDir: string }, options: Omit<LiveTriageOptions, 'cwd'> = {}) {
    this.#live = new LiveTriage({ ...options, cwd: globalConfig.rootDir });
  }

  onTestCaseResult(test: { path: string }, result: JestTestCaseResult): void {
    const status = result.status === 'passed' ? 'passed' : result.status === 'failed' ? 'failed' : 'skipped';
    const message = result.failureMessages[0];
    this.#live.result({
      file: test.path,
      suite: result.ancestorTitles,
      name: result.title,
      status,
      durationMs: result.duration ?? 0,
      retry: Math.max(0, (result.invocations ?? 1) - 1),
      ...(message === undefined ? {} : { message }),
    });
  }

  async onRunComplete(): Promise<void> {
    await this.#live.finished();
  }

  getLastError(): undefined {
    return undefined;
  }
}
