import type { LlmClient } from '../llm/types.ts';
import { openSandbox, type Sandbox } from '../sandbox/index.ts';
import { probeNamespacesAsync } from '../sandbox/probe.ts';
import { type Project, projectOf } from '../select/projects.ts';
import { Estimator, StageClock } from './accounting.ts';
import { CircuitBreaker } from './breaker.ts';
import type { GenerateOptions } from './pipeline.ts';
import { createValidatorFor } from './setup.ts';
import type { TargetState } from './target-machine.ts';
import type { CandidateValidator, GenerateResult, TestContext, TestEngine } from './types.ts';

/** What a run is set up with before its first target starts. */
interface RunSetting {
  options: GenerateOptions;
  root: string;
  files: string[];
  projects: readonly Project[];
  env: NodeJS.ProcessEnv;
  deadline: number | undefined;
  /** Rounds a rejected candidate is sent back with its failure. */
  repairs: number;
  /** Passing runs in a row for a candidate to count as stable. */
  reruns: number;
  engine: TestEngine;
  /** The LLM client when the run made one (its usage is the run's); absent for a ready engine. */
  client: LlmClient | undefined;
  result: GenerateResult;
  warnings: string[];
  log: (line: string) => void;
}

/**
 * What every target of one `generate` run shares: the engine, one validator per package (in one sandbox),
 * the time budget and its estimates, the endpoint's circuit breaker and the reason no further target starts.
 */
export class GenerationRun {
  readonly clock = new StageClock();
  readonly perTarget = new Estimator();
  readonly perAttempt = new Estimator();
  readonly breaker = new CircuitBreaker();
  /** Set once no further target may start (the endpoint is down, a budget is spent): what they report. */
  stopReason: string | undefined;
  /** Packages whose runner cannot start (TESTLOOP_RUNNER_START), with the reason: no target of theirs starts. */
  readonly runnerDown = new Map<string, string>();
  private readonly validators = new Map<string, Promise<CandidateValidator>>();
  private sandbox: Sandbox | undefined;
  private sandboxReady: Promise<Sandbox> | undefined;

  constructor(readonly setting: RunSetting) {}

  get result(): GenerateResult {
    return this.setting.result;
  }

  log(line: string): void {
    this.setting.log(line);
  }

  packageOf(state: TargetState): string {
    return projectOf(this.setting.projects, state.context.target.file).dir;
  }

  /** The validator of the target's package, made on first use. */
  validatorFor(context: TestContext): Promise<CandidateValidator> {
    const { options, root, projects, reruns, env, deadline } = this.setting;
    const project = projectOf(projects, context.target.file);
    let validator = this.validators.get(project.dir);
    if (!validator) {
      validator = this.sharedSandbox().then((box) =>
        createValidatorFor(options, root, project, reruns, env, deadline, box),
      );
      this.validators.set(project.dir, validator);
    }
    return validator;
  }

  /**
   * Validation processes start while the model writes the first candidates, not after: as many as the
   * first `parallel` targets of the queue will validate at once, per package.
   */
  prepareValidators(states: readonly TargetState[], parallel: number): void {
    const first = new Map<string, { context: TestContext; count: number }>();
    for (const state of states.slice(0, parallel)) {
      const dir = this.packageOf(state);
      const entry = first.get(dir);
      if (entry) entry.count++;
      else first.set(dir, { context: state.context, count: 1 });
    }
    for (const { context, count } of first.values()) {
      this.validatorFor(context).then(
        (validator) => validator.prepare?.(count),
        () => {},
      );
    }
  }

  /** Why a target must not start now (the run stopped, its runner is down, the budget), or undefined. */
  startRefusal(state: TargetState): string | undefined {
    const down = this.runnerDown.get(this.packageOf(state));
    return (
      this.stopReason ??
      (down && `not started: ${down}`) ??
      this.budgetRefusal(this.perTarget.estimate(), 'a target')
    );
  }

  /** Why `what`, expected to take `estimate` ms, must not start in the time left, or undefined. */
  budgetRefusal(estimate: number | undefined, what: string): string | undefined {
    const { deadline } = this.setting;
    const left = deadline === undefined ? Number.POSITIVE_INFINITY : deadline - Date.now();
    if (left <= 0) return `budget spent before ${what} could start`;
    if (estimate !== undefined && estimate > left)
      return `budget: ${what} takes ~${seconds(estimate)} s and ${seconds(left)} s are left`;
    return undefined;
  }

  /** Ends the client and what validators keep running between candidates (they go with the run). */
  async close(): Promise<void> {
    await this.setting.client?.close();
    await Promise.all(
      [...this.validators.values()].map((validator) =>
        validator.then(
          (v) => v.close?.(),
          () => {},
        ),
      ),
    );
    this.sandbox?.close();
  }

  // One copy of the working tree for every package's validator: candidates never run in the checkout.
  // Opened after the namespace probe, which runs while the first model requests are in flight.
  private sharedSandbox(): Promise<Sandbox> {
    const { options, root, files, env } = this.setting;
    this.sandboxReady ??= probeNamespacesAsync().then(() => {
      const sandbox = openSandbox({
        root,
        files,
        env,
        ...(options.allowNetwork ? { allowNetwork: true } : {}),
        ...(options.sandboxFileSizeBytes ? { fileSizeBytes: options.sandboxFileSizeBytes } : {}),
      });
      this.sandbox = sandbox;
      this.result.stats.sandbox = sandbox.info;
      return sandbox;
    });
    return this.sandboxReady;
  }
}

const seconds = (ms: number): string => (ms / 1000).toFixed(1);
