/** The Action's inputs (the `testloop ci` options, under their flag names) → CiOptions and the publishing switches. */
import type { CiOptions } from '../../ci/types.ts';
import { CI_OPTIONS } from '../../config/ci-options.ts';
import { parseDuration } from '../../config/duration.ts';
import { flagName } from '../../config/load-config.ts';
import { type OptionSpec, withinBounds } from '../../config/option-table.ts';
import { TestloopError } from '../../errors.ts';
import { getBooleanInput, getInput } from './context.ts';

/** Where the patch of accepted tests goes when the `patch` input is empty: the comment and the proposal read it. */
const DEFAULT_PATCH = '.testloop/tests.patch';

type CiOptionName = keyof typeof CI_OPTIONS;

/**
 * `testloop ci` options that are no input of the Action: it writes its own reports (`format`) and posts
 * its own comment (its `comment` input, on by default, is the Action's switch, read below).
 */
const NOT_INPUTS: readonly CiOptionName[] = ['format', 'comment'];

/** Inputs named otherwise than the option's flag: the names the Action documents. */
const INPUT_NAMES: Partial<Record<CiOptionName, string>> = { baseUrl: 'llm-base-url' };

/** The Action's input for a `testloop ci` option, undefined for an option it does not take. */
export function inputOf(key: CiOptionName): string | undefined {
  return NOT_INPUTS.includes(key) ? undefined : (INPUT_NAMES[key] ?? flagName(key));
}

export interface ActionSettings {
  options: CiOptions;
  comment: boolean;
  proposeTests: boolean;
  /** Repository-relative paths, '' when not wanted. */
  sarif: string;
  patch: string;
  /** The artifact name the workflow uploads the patch as, shown in the comment. */
  patchArtifact: string;
  strict: boolean;
}

export function readInputs(env: NodeJS.ProcessEnv, cwd: string): ActionSettings {
  const values: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(CI_OPTIONS) as [CiOptionName, OptionSpec][]) {
    const input = inputOf(key);
    if (input === undefined) continue;
    const value = inputValue(env, input, spec);
    if (value !== undefined) values[key] = value;
  }
  const options: CiOptions = { cwd, env, ...values };
  // The key is an input of the Action only: `testloop ci` reads it from TESTLOOP_LLM_API_KEY.
  const apiKey = getInput(env, 'llm-api-key');
  if (apiKey) options.llm = { apiKey };
  const generating = options.generate !== 'off' && !options.skip?.includes('generate');
  const patch = options.patch ?? (generating ? DEFAULT_PATCH : '');
  if (patch) options.patch = patch;
  const sarif = getInput(env, 'sarif');
  // The SARIF file is written after the run, into the checkout: the next run must not see it as a change.
  if (sarif) options.ownOutputs = [sarif];
  return {
    options,
    comment: getBooleanInput(env, 'comment', true),
    proposeTests: getBooleanInput(env, 'propose-tests', false),
    sarif,
    patch,
    patchArtifact: getInput(env, 'patch-artifact'),
    strict: options.strict === true,
  };
}

/**
 * An input read by its option's declaration: booleans as Actions writes them, lists comma- or
 * newline-separated, numbers (a percent may keep its %), each checked against the declaration's rules.
 * Undefined when the input is empty or false (an unset switch).
 */
function inputValue(env: NodeJS.ProcessEnv, input: string, spec: OptionSpec): unknown {
  if (spec.type === 'boolean') return getBooleanInput(env, input, false) || undefined;
  const raw = getInput(env, input);
  if (raw === '') return undefined;
  if (spec.type === 'array') {
    const items = list(raw);
    const unknown = spec.choices ? items.filter((item) => !spec.choices!.includes(item)) : [];
    if (unknown.length > 0)
      throw usage(input, unknown.join(','), `a comma list of ${spec.choices!.join(', ')}`);
    return items.length > 0 ? items : undefined;
  }
  if (spec.type === 'number') {
    const value = Number(raw.replace(/%$/, ''));
    if (!withinBounds(spec, value)) throw usage(input, raw, numberRule(spec));
    return value;
  }
  if (spec.choices && !spec.choices.includes(raw)) throw usage(input, raw, spelledChoices(spec.choices));
  if (spec.format === 'duration') {
    const ms = parseDuration(raw);
    if (ms === undefined || ms <= 0) throw usage(input, raw, 'a duration such as 10m, 90s or 1m30s');
  }
  if (spec.format === 'url' && !URL.canParse(raw))
    throw usage(input, raw, 'a URL such as http://127.0.0.1:11434/v1');
  return raw;
}

function numberRule(spec: OptionSpec): string {
  const kind = spec.integer ? 'a whole number' : 'a number';
  if (spec.min !== undefined && spec.max !== undefined) return `${kind} from ${spec.min} to ${spec.max}`;
  if (spec.min !== undefined) return `${kind} of at least ${spec.min}`;
  if (spec.above !== undefined) return `${kind} above ${spec.above}`;
  return kind;
}

/** `report or fail`, `llm, stub or off`. */
function spelledChoices(choices: readonly string[]): string {
  return choices.length === 1 ? choices[0]! : `${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}`;
}

/** Comma- or newline-separated, as multi-value Action inputs are usually written. */
function list(value: string): string[] {
  return value
    .split(/[,\n]/)
    .map((item) => item.trim())
    .filter(Boolean);
}

function usage(input: string, value: string, expected: string): TestloopError {
  return new TestloopError(
    'TESTLOOP_USAGE',
    `input ${input}: "${value}" is not ${expected}; fix it in the workflow's with: block`,
  );
}
