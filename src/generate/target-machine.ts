import { TestloopError } from '../errors.ts';
import type { LlmError } from '../llm/errors.ts';
import { nextStage, stageIndex } from './accounting.ts';
import { describeEndpoint, isEndpointFailure } from './breaker.ts';
import type { GenerationRun } from './generation-run.ts';
import type { MutationScore } from './mutation-gate.ts';
import { summarize } from './summarize.ts';
import type { Repair, Stage, TestContext, Validation } from './types.ts';

/** Where a target ended up; the result lists it under its kind. */
type Outcome =
  | { kind: 'accepted'; code: string; lines: number[]; repairs: number; mutants?: MutationScore }
  | { kind: 'stub'; code: string; todos: number }
  /** 'runner': the package's runner could not start; 'sandbox': the candidate broke out of its file. */
  | { kind: 'discarded'; stage: Stage | 'sandbox' | 'runner' }
  | { kind: 'notStarted'; reason: string };

export interface TargetState {
  context: TestContext;
  /** The furthest funnel stage any of its candidates reached. */
  furthest?: Stage;
  /** The reason of the candidate that got furthest (the last one among equals). */
  reason?: string;
  promptTokens: number;
  outcome?: Outcome;
}

/**
 * A target's way through the funnel, one transition at a time: the engine writes a candidate ('generate'),
 * the validator takes it as far as it goes (generated → compiled → passed → stable → added coverage →
 * kills mutants, see ./validate.ts), and a rejected or unusable candidate goes back to 'generate' as a
 * repair while repairs and the budget allow. 'done' carries the outcome.
 */
type Step =
  | { at: 'generate'; attempt: number; repair?: Repair }
  | { at: 'validate'; attempt: number; code: string; started: number }
  | { at: 'done'; outcome: Outcome };

export async function runTarget(run: GenerationRun, state: TargetState): Promise<void> {
  let step: Step = { at: 'generate', attempt: 0 };
  while (step.at !== 'done')
    step = step.at === 'generate' ? await generate(run, state, step) : await validate(run, state, step);
  state.outcome = step.outcome;
}

async function generate(
  run: GenerationRun,
  state: TargetState,
  step: Extract<Step, { at: 'generate' }>,
): Promise<Step> {
  const { engine, client } = run.setting;
  const started = performance.now();
  let output: Awaited<ReturnType<typeof engine.generate>>;
  try {
    const stage = engine.name === 'llm' ? 'llm' : 'other';
    output = await run.clock.time(stage, () => engine.generate(state.context, step.repair));
  } catch (error) {
    return afterEngineError(run, state, step.attempt, error);
  }
  run.breaker.answered();
  state.promptTokens += output.usage?.promptTokens ?? 0;
  if (!client && output.usage) {
    const { usage } = run.result;
    usage.requests++;
    usage.promptTokens += output.usage.promptTokens;
    usage.completionTokens += output.usage.completionTokens;
  }
  if (output.stub) {
    const todos = (output.code.match(/\.todo\(/g) ?? []).length;
    // Where it ends up (a file, the patch, or nowhere) is said once the run is over.
    run.log(
      `testloop: ${state.context.target.id}: skeleton with ${todos} todo(s) for ${state.context.testFile}`,
    );
    return { at: 'done', outcome: { kind: 'stub', code: output.code, todos } };
  }
  run.result.stats.candidates = (run.result.stats.candidates ?? 0) + 1;
  note(state, 'generated', 'generated');
  return { at: 'validate', attempt: step.attempt, code: output.code, started };
}

/** The engine gave no candidate: the endpoint failed, a budget is spent, or the reply was unusable. */
function afterEngineError(run: GenerationRun, state: TargetState, attempt: number, error: unknown): Step {
  const id = state.context.target.id;
  const kind = (error as { kind?: string }).kind;
  const message = (error as Error).message ?? String(error);
  note(state, undefined, message);
  if (isEndpointFailure(error)) {
    // This target fails; the others go on unless the breaker opens (see ./breaker.ts).
    run.breaker.failed(error);
    if (run.breaker.open)
      run.stopReason ??= `not started: the model endpoint is ${describeEndpoint(run.breaker.open.state)} (see llmError)`;
    run.log(`testloop: ${id}: discarded (${message})`);
    return discarded(state);
  }
  if (kind === 'bad-output') run.breaker.answered();
  if (kind === 'budget') run.stopReason ??= 'not started: the token budget (--max-tokens-total) is spent';
  else if (kind === 'deadline') run.stopReason ??= 'not started: the time budget is spent';
  else if (kind === undefined && !(error instanceof TestloopError)) throw error;
  const retry = kind === 'bad-output' && attempt < run.setting.repairs && !run.stopReason;
  if (retry && !run.budgetRefusal(run.perAttempt.estimate(), 'another attempt')) {
    run.result.stats.repairs++;
    // A repair round like any other: the model sees what it sent and why it could not be used.
    const { reply, reason } = error as LlmError;
    const repair: Repair | undefined =
      reply === undefined ? undefined : { code: reply, failure: reason ?? message, unusable: true };
    run.log(`testloop: ${id}: unusable model output (${reason ?? message}), asking again`);
    return { at: 'generate', attempt: attempt + 1, ...(repair ? { repair } : {}) };
  }
  run.log(`testloop: ${id}: discarded (${message})`);
  return discarded(state);
}

async function validate(
  run: GenerationRun,
  state: TargetState,
  step: Extract<Step, { at: 'validate' }>,
): Promise<Step> {
  let validation: Validation;
  try {
    const validator = await run.validatorFor(state.context);
    validation = await validator.validate(state.context, step.code);
  } catch (error) {
    return afterValidatorError(run, state, error);
  }
  record(run, validation, step.started);
  const code = validation.code ?? step.code;
  if (validation.sandbox !== undefined) {
    // Untrusted code that broke out of its test file is not sent back for another try.
    // The reason is this candidate's, whatever an earlier attempt reached.
    state.reason = `sandbox: ${validation.sandbox}`;
    run.log(`testloop: ${state.context.target.id}: discarded by the sandbox (${validation.sandbox})`);
    return { at: 'done', outcome: { kind: 'discarded', stage: 'sandbox' } };
  }
  const validated = { validation, code, attempt: step.attempt };
  return validation.accepted ? accept(run, state, validated) : afterRejection(run, state, validated);
}

/** What a validation took, for the run's stats and its estimate of the next attempt. */
function record(run: GenerationRun, validation: Validation, started: number): void {
  run.clock.runner += validation.runnerMs;
  if (validation.mutation) {
    const { runs, ms } = run.result.stats.mutation ?? { runs: 0, ms: 0 };
    run.result.stats.mutation = { runs: runs + validation.mutation.runs, ms: ms + validation.mutation.ms };
  }
  run.perAttempt.observe(performance.now() - started);
}

function afterValidatorError(run: GenerationRun, state: TargetState, error: unknown): Step {
  if (isUsageError(error)) throw error;
  if (error instanceof TestloopError && error.code === 'TESTLOOP_RUNNER_START')
    return runnerCannotStart(run, state, error.message);
  const { warnings } = run.setting;
  const message = `the validator failed: ${(error as Error).message ?? String(error)}`;
  if (!warnings.some((w) => w.endsWith(message))) warnings.push(`${state.context.target.id}: ${message}`);
  note(state, 'generated', message);
  return discarded(state);
}

/** The runner's failure, not the candidate's: one warning per package, and none of its targets starts. */
function runnerCannotStart(run: GenerationRun, state: TargetState, message: string): Step {
  const dir = run.packageOf(state);
  if (!run.runnerDown.has(dir)) run.setting.warnings.push(`TESTLOOP_RUNNER_START: ${message}`);
  run.runnerDown.set(dir, message);
  state.reason = message;
  run.log(`testloop: ${state.context.target.id}: discarded, not the candidate's failure (${message})`);
  return { at: 'done', outcome: { kind: 'discarded', stage: 'runner' } };
}

/** A validated candidate: the validator's verdict, the code as validated, and the attempt it was. */
interface Validated {
  validation: Validation;
  code: string;
  attempt: number;
}

function accept(run: GenerationRun, state: TargetState, { validation, code, attempt }: Validated): Step {
  const id = state.context.target.id;
  note(state, 'killsMutants', 'accepted');
  const score = validation.mutants;
  const kills = score ? `, kills ${score.killed} of ${score.total} mutant(s)` : '';
  // Accepted without the proof the gate asks for: said in the result, not only in the score.
  if (score?.unchecked !== undefined)
    run.setting.warnings.push(`${id}: assertions not checked: ${score.unchecked}`);
  if (score?.existingFailed !== undefined) run.setting.warnings.push(`${id}: ${score.existingFailed}`);
  run.log(`testloop: ${id}: accepted, covers line(s) ${validation.newlyCoveredLines.join(', ')}${kills}`);
  return {
    at: 'done',
    outcome: {
      kind: 'accepted',
      code,
      lines: validation.newlyCoveredLines,
      repairs: attempt,
      ...(score ? { mutants: score } : {}),
    },
  };
}

/** A rejected candidate goes back as a repair while repairs, the run and the budget allow. */
function afterRejection(
  run: GenerationRun,
  state: TargetState,
  { validation, code, attempt }: Validated,
): Step {
  const id = state.context.target.id;
  const { repairs } = run.setting;
  const reason = summarize(validation.reached, validation.failure);
  note(state, validation.reached, reason);
  const refusal = run.budgetRefusal(run.perAttempt.estimate(), 'a repair');
  if (attempt >= repairs || run.stopReason || refusal) {
    if (attempt < repairs && refusal) state.reason = `${state.reason}; ${refusal}`;
    run.log(`testloop: ${id}: discarded at ${nextStage(state.furthest)} (${state.reason})`);
    return discarded(state);
  }
  run.result.stats.repairs++;
  run.log(`testloop: ${id}: ${reason}; repairing`);
  return { at: 'generate', attempt: attempt + 1, repair: { code, failure: validation.failure ?? reason } };
}

/** Discarded at the stage after the furthest its candidates reached. */
function discarded(state: TargetState): Step {
  return { at: 'done', outcome: { kind: 'discarded', stage: nextStage(state.furthest) } };
}

/** Keeps the furthest stage a target's candidates reached, and the reason of the one that got there. */
function note(state: TargetState, reached: Stage | undefined, reason: string): void {
  if (stageIndex(reached) >= stageIndex(state.furthest)) {
    if (reached !== undefined) state.furthest = reached;
    state.reason = reason;
  }
}

function isUsageError(error: unknown): boolean {
  return (
    error instanceof TestloopError && (error.code === 'TESTLOOP_USAGE' || error.code === 'TESTLOOP_CONFIG')
  );
}
