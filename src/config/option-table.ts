import { parseDuration } from './duration.ts';
import { envNamesOf, type LoadedConfig, resolveOptions } from './load-config.ts';

type OptionType = 'string' | 'boolean' | 'array' | 'number';

/**
 * One option as plain data: the one declaration its flag, TESTLOOP_* variable, config key, help row, MCP
 * argument and library field (same name) come from. Commands build their zod schema from the table only
 * when something needs validating (see schemaOf), so flags parse without loading zod.
 */
export interface OptionSpec {
  type: OptionType;
  description: string;
  /** The only values a string option (or each item of an array option) accepts. */
  choices?: readonly string[];
  /** A number option takes whole numbers only. */
  integer?: boolean;
  /** Bounds of a number option: at least `min`, at most `max`, above `above`. */
  min?: number;
  max?: number;
  above?: number;
  /**
   * What a string option holds: a URL, or a duration such as `90s` (see parseDuration). A duration reaches
   * the library as the string the user wrote; the library reads it into milliseconds.
   */
  format?: 'url' | 'duration';
  /** A pattern each value of a string or array option matches, and what to say when one does not. */
  pattern?: { regex: RegExp; message: string };
  /**
   * Another command has an option of this name with another meaning (triage's `write` touches the working
   * tree where generate's writes tests): it is read only from its flag and the command's own config
   * section, never from the config's top level or a TESTLOOP_* variable set for the other command.
   */
  commandOnly?: boolean;
  /** The variable the docs name (TESTLOOP_LLM_BASE_URL), read when TESTLOOP_<KEY> is not set. */
  env?: string;
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

/** A duration option (`90s`, `2m`, `1m30s`): a string the user writes and the library reads with parseDuration. */
export function durationOption<const D extends string>(description: D) {
  return { type: 'string', format: 'duration', description } as const;
}

type ChoiceOf<S extends OptionSpec> = S extends { choices: readonly (infer C)[] } ? C : string;

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean'
  ? boolean
  : S['type'] extends 'number'
    ? number
    : S['type'] extends 'array'
      ? ChoiceOf<S>[]
      : ChoiceOf<S>;

/** The validated options of a table: every key optional, as the zod schema built from it gives them. */
export type OptionsOf<T extends OptionTable> = { -readonly [K in keyof T]?: ValueOf<T[K]> };

/** The table without some keys (a tool that does not take them). */
export function omitOptions<T extends OptionTable, K extends keyof T & string>(
  table: T,
  keys: readonly K[],
): Omit<T, K> {
  return Object.fromEntries(Object.entries(table).filter(([key]) => !keys.includes(key as K))) as Omit<T, K>;
}

/** True when some TESTLOOP_* variable sets one of the table's options. */
function hasEnvOptions(table: OptionTable, env: NodeJS.ProcessEnv): boolean {
  return Object.entries(table).some(
    ([key, spec]) => !spec.commandOnly && envNamesOf(key, spec).some((name) => (env[name] ?? '') !== ''),
  );
}

/**
 * A command's options from its config file, TESTLOOP_* variables and flags. Flags alone that the schema
 * would accept unchanged are taken as they are, without loading zod (tens of ms of a short run); anything
 * else is validated by the schema built from the table, for zod's exact messages.
 */
export async function resolveTableOptions<T extends OptionTable>(
  table: T,
  command: string,
  config: LoadedConfig,
  env: NodeJS.ProcessEnv,
  flags: Record<string, unknown>,
): Promise<OptionsOf<T>> {
  if (config.file === undefined && !hasEnvOptions(table, env) && acceptsAsIs(table, flags))
    return flags as OptionsOf<T>;
  // zod loads here, only when something needs validating.
  const schema = (await import('./schema-of.ts')).schemaOf(table);
  return resolveOptions(table, schema, command, config, env, flags) as OptionsOf<T>;
}

/**
 * Whether the schema built from `table` would accept these flag values as they are: strings non-empty
 * (among the choices, matching the pattern), lists of such strings, booleans, numbers in bounds. A URL is
 * left to zod, whose rule it is.
 */
function acceptsAsIs(table: OptionTable, values: Record<string, unknown>): boolean {
  return Object.entries(values).every(([key, value]) => {
    const spec = table[key];
    if (spec === undefined) return false;
    if (spec.type === 'boolean') return typeof value === 'boolean';
    if (spec.type === 'number') return typeof value === 'number' && withinBounds(spec, value);
    if (spec.type === 'array') return Array.isArray(value) && value.every((item) => acceptsText(spec, item));
    return acceptsText(spec, value);
  });
}

function acceptsText(spec: OptionSpec, value: unknown): boolean {
  if (typeof value !== 'string' || value === '' || spec.format === 'url') return false;
  if (spec.format === 'duration' && parseDuration(value) === undefined) return false;
  if (spec.pattern !== undefined && !spec.pattern.regex.test(value)) return false;
  return spec.choices?.includes(value) ?? true;
}

/** A finite number inside the spec's bounds (and whole, when it must be). */
export function withinBounds(spec: OptionSpec, value: number): boolean {
  return (
    Number.isFinite(value) &&
    (!spec.integer || Number.isInteger(value)) &&
    (spec.min === undefined || value >= spec.min) &&
    (spec.max === undefined || value <= spec.max) &&
    (spec.above === undefined || value > spec.above)
  );
}
