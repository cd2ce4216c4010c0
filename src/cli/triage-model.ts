import type { TriageOptionsInput } from '../config/triage-options.ts';
import { TestloopError } from '../errors.ts';

/** Why there is no model, in the words of `flag`'s error and of --fix's reason. */
export const NO_MODEL = 'set --base-url and --model (or TESTLOOP_LLM_BASE_URL and TESTLOOP_LLM_MODEL)';

/** Whether the flags and variables name a model. */
function hasModel(options: TriageOptionsInput): boolean {
  return Boolean(options.baseUrl && options.model);
}

/** `flag` asks a model: a usage error, before any work, unless the flags and variables name one. */
export function requireModel(options: TriageOptionsInput, flag: string): void {
  if (!hasModel(options)) throw new TestloopError('TESTLOOP_USAGE', `${flag} needs a model: ${NO_MODEL}`);
}
