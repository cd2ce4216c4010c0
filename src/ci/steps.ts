import { isTestloopError, type TestloopError } from '../errors.ts';
import type { CiStep, CiStepName } from './types.ts';

export interface StepOutcome<T> {
  value: T;
  /** One-line summary for the progress line and the reports. */
  detail?: string;
}

/** Why a step did not run although it was on: `skipped` when an input is missing, `off` when there is nothing to do. */
export class StepNotRun extends Error {
  constructor(
    readonly status: 'off' | 'skipped',
    detail: string,
  ) {
    super(detail);
  }
}

/**
 * An input the user gave that cannot work (a coverage report they named is missing or unreadable): not an
 * outage of testloop, so it ends `testloop ci` with the error and exit 2 instead of being fenced.
 */
export class InputError extends Error {
  constructor(readonly error: TestloopError) {
    super(error.message);
  }
}

export interface StepRunnerOptions {
  skip: ReadonlySet<CiStepName>;
  /** Epoch ms after which no step starts and a running one is abandoned. */
  deadline?: number;
  onStep(step: CiStep): void;
  onStart?(name: CiStepName): void;
}

/**
 * Runs each step of `testloop ci` in its own fence: a step switched off, out of budget or failing in
 * testloop itself is recorded and the pipeline goes on (fail open); the caller decides what strict means.
 */
export class StepRunner {
  readonly steps: CiStep[] = [];

  constructor(private readonly options: StepRunnerOptions) {}

  /** Milliseconds left in the budget (Infinity without one). */
  remaining(): number {
    return this.options.deadline === undefined
      ? Number.POSITIVE_INFINITY
      : this.options.deadline - Date.now();
  }

  async run<T>(
    name: CiStepName,
    body: () => Promise<StepOutcome<T>>,
    fence: { timed?: boolean } = {},
  ): Promise<T | undefined> {
    if (this.options.skip.has(name))
      return this.record({ name, status: 'off', ms: 0, detail: 'switched off' });
    // An untimed step (the user's tests) runs whatever the budget says: only testloop's own work is cut.
    if (fence.timed !== false && this.remaining() <= 0) {
      return this.record({ name, status: 'timedOut', ms: 0, detail: 'no budget left to start it' });
    }
    this.options.onStart?.(name);
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    let timer: NodeJS.Timeout | undefined;
    try {
      const work = body();
      const timed = fence.timed !== false && Number.isFinite(this.remaining());
      const outcome = timed
        ? await Promise.race([
            work,
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new BudgetExceeded()), this.remaining());
              timer.unref();
            }),
          ])
        : await work;
      this.record({ name, status: 'ok', ms: ms(), ...(outcome.detail ? { detail: outcome.detail } : {}) });
      return outcome.value;
    } catch (error) {
      if (error instanceof InputError) throw error.error;
      if (error instanceof StepNotRun) {
        return this.record({ name, status: error.status, ms: ms(), detail: error.message });
      }
      if (error instanceof BudgetExceeded) {
        return this.record({ name, status: 'timedOut', ms: ms(), detail: 'ran out of the budget' });
      }
      if (isTestloopError(error)) {
        return this.record({ name, status: 'failed', ms: ms(), detail: error.message, code: error.code });
      }
      const message = (error as Error)?.message ?? String(error);
      return this.record({ name, status: 'failed', ms: ms(), detail: `internal error: ${message}` });
    } finally {
      clearTimeout(timer);
    }
  }

  private record(step: CiStep): undefined {
    this.steps.push(step);
    this.options.onStep(step);
    return undefined;
  }
}

class BudgetExceeded extends Error {}
