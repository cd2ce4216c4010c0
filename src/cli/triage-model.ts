import { parseDuration } from '../config/duration.ts';
import type { TriageOptionsInput } from '../config/triage-options.ts';
import { TestloopError } from '../errors.ts';
import type { LlmClient } from '../llm/types.ts';

/** Why there is no model, in the words of `flag`'s error and of --fix's reason. */
export const NO_MODEL = 'set --base-url and --model (or TESTLOOP_LLM_BASE_URL and TESTLOOP_LLM_MODEL)';

/** Whether the flags and variables name a model. */
export function hasModel(options: TriageOptionsInput): boolean {
  return Boolean(options.baseUrl && options.model);
}

/** The model `--explain` and `--fix` ask, from the same flags and variables as generate's. */
export async function modelClient(
  options: TriageOptionsInput,
  env: NodeJS.ProcessEnv,
  flag: string,
): Promise<LlmClient> {
  if (!options.baseUrl || !options.model)
    throw new TestloopError('TESTLOOP_USAGE', `${flag} needs a model: ${NO_MODEL}`);
  const { createLlmClient } = await import('../llm/index.ts');
  return createLlmClient({
    baseUrl: options.baseUrl,
    model: options.model,
    env,
    ...(options.api ? { api: options.api } : {}),
    ...(options.llmTimeout ? { requestTimeoutMs: parseDuration(options.llmTimeout)! } : {}),
  });
}
