import type { ZodObject } from 'zod';
import { envName, type LoadedConfig, resolveOptions } from './load-config.ts';

export type OptionType = 'string' | 'boolean' | 'array' | 'number';

/**
 * One option as plain data: a command whose start-up time matters declares its options this way and
 * builds its zod schema from the table (see schemaOf), so flags parse without loading zod.
 */
export interface OptionSpec {
  type: OptionType;
  description: string;
  /** The only values a string option accepts. */
  choices?: readonly string[];
  /** Bounds of a number option: at least `min`, at most `max`, above `above`. */
  min?: number;
  max?: number;
  above?: number;
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean'
  ? boolean
  : S['type'] extends 'number'
    ? number
    : S['type'] extends 'array'
      ? string[]
      : S extends { choices: readonly (infer C)[] }
        ? C
        : string;

/** The validated options of a table: every key optional, as the zod schema built from it gives them. */
export type OptionsOf<T extends OptionTable> = { [K in keyof T]?: ValueOf<T[K]> };

/** True when some TESTLOOP_* variable sets one of the table's options. */
function hasEnvOptions(table: OptionTable, env: NodeJS.ProcessEnv): boolean {
  return Object.keys(table).some((key) => (env[envName(key)] ?? '') !== '');
}

/**
 * A table command's options from its config file, TESTLOOP_* variables and flags. Flags alone that the
 * schema would accept unchanged are taken as they are, without loading zod (tens of ms of a short run);
 * anything else is validated by the schema `loadSchema` gives, for zod's exact messages.
 */
export async function resolveTableOptions<T extends OptionTable>(
  table: T,
  loadSchema: () => Promise<ZodObject>,
  command: string,
  config: LoadedConfig,
  env: NodeJS.ProcessEnv,
  flags: Record<string, unknown>,
): Promise<OptionsOf<T>> {
  if (config.file === undefined && !hasEnvOptions(table, env) && acceptsAsIs(table, flags))
    return flags as OptionsOf<T>;
  return resolveOptions(await loadSchema(), command, config, env, flags) as OptionsOf<T>;
}

/**
 * Whether the schema built from `table` would accept these flag values as they are: strings non-empty
 * (and among the choices), lists of non-empty strings, booleans, finite numbers. When it would not, the
 * caller validates with zod for its exact message.
 */
function acceptsAsIs(table: OptionTable, values: Record<string, unknown>): boolean {
  return Object.entries(values).every(([key, value]) => {
    const spec = table[key];
    if (spec === undefined) return false;
    if (spec.type === 'boolean') return typeof value === 'boolean';
    if (spec.type === 'number') return typeof value === 'number' && withinBounds(spec, value);
    if (spec.type === 'array')
      return Array.isArray(value) && value.every((item) => typeof item === 'string' && item !== '');
    return typeof value === 'string' && value !== '' && (spec.choices?.includes(value) ?? true);
  });
}

/** A finite number inside the spec's bounds. */
function withinBounds(spec: OptionSpec, value: number): boolean {
  return (
    Number.isFinite(value) &&
    (spec.min === undefined || value >= spec.min) &&
    (spec.max === undefined || value <= spec.max) &&
    (spec.above === undefined || value > spec.above)
  );
}
