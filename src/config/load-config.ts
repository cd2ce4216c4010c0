import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as z from 'zod';
import type { ZodObject } from 'zod';
import { TestloopError } from '../errors.ts';
import { isObject } from '../util/json.ts';
import type { OptionSpec, OptionTable } from './option-table.ts';

const CONFIG_FILES = [
  'testloop.config.json',
  'testloop.config.js',
  'testloop.config.mjs',
  'testloop.config.cjs',
];

export interface LoadedConfig {
  file?: string;
  values: Record<string, unknown>;
}

/** Finds testloop.config.* in `cwd` (or package.json#testloop) and returns the raw object. */
export async function findConfig(cwd: string, explicit?: string): Promise<LoadedConfig> {
  if (explicit) return { file: explicit, values: await loadFile(join(cwd, explicit), explicit) };
  for (const name of CONFIG_FILES) {
    const path = join(cwd, name);
    if (await stat(path).catch(() => undefined)) return { file: name, values: await loadFile(path, name) };
  }
  const pkgPath = join(cwd, 'package.json');
  const pkgText = await readFile(pkgPath, 'utf8').catch(() => undefined);
  if (pkgText !== undefined) {
    let pkg: unknown;
    try {
      pkg = JSON.parse(pkgText);
    } catch {
      return { values: {} }; // a broken package.json is the package manager's error to report, not ours
    }
    if (isObject(pkg) && pkg.testloop !== undefined) {
      if (!isObject(pkg.testloop)) throw configError('package.json', 'testloop', 'expected an object');
      return { file: 'package.json#testloop', values: pkg.testloop };
    }
  }
  return { values: {} };
}

async function loadFile(path: string, name: string): Promise<Record<string, unknown>> {
  let value: unknown;
  try {
    if (path.endsWith('.json')) value = JSON.parse(await readFile(path, 'utf8'));
    else {
      const mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
      value = mod.default;
      if (typeof value === 'function') value = await (value as () => unknown)();
    }
  } catch (error) {
    throw new TestloopError(
      'TESTLOOP_CONFIG',
      `${name}: cannot load (${oneLine(error)}). Fix the file or pass --config`,
    );
  }
  if (!isObject(value)) throw configError(name, '(root)', 'expected an object (export default { … })');
  return value;
}

/**
 * Merges defaults < config file (top level, then its `command` section) < TESTLOOP_* variables < flags,
 * and validates once with `schema`, the one built from `table` (see schemaOf). A zod issue becomes one
 * line with its location.
 */
export function resolveOptions<S extends ZodObject>(
  table: OptionTable,
  schema: S,
  command: string,
  config: LoadedConfig,
  env: NodeJS.ProcessEnv,
  flags: Record<string, unknown>,
): z.infer<S> {
  const keys = Object.keys(table);
  const section = config.values[command];
  const fileValues: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config.values)) {
    if (keys.includes(key) && !table[key]!.commandOnly) fileValues[key] = value;
  }
  if (section !== undefined) {
    if (!isObject(section)) throw configError(config.file ?? 'config', command, 'expected an object');
    for (const [key, value] of Object.entries(section)) {
      if (!keys.includes(key))
        throw configError(
          config.file ?? 'config',
          `${command}.${key}`,
          `unknown option; known: ${keys.join(', ')}`,
        );
      fileValues[key] = value;
    }
  }
  const fromFile = schema.partial().safeParse(fileValues);
  if (!fromFile.success) throw zodError(fromFile.error, config.file ?? 'config');
  const fromEnv = envValues(table, env);
  const merged = { ...fromFile.data, ...fromEnv.values, ...flags };
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const key = String(parsed.error.issues[0]?.path[0] ?? '');
    const origin = key in flags ? `--${flagName(key)}` : (fromEnv.names.get(key) ?? config.file ?? 'options');
    throw zodError(parsed.error, origin);
  }
  return parsed.data;
}

export function envName(key: string): string {
  return `TESTLOOP_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** The variables that set `key`: TESTLOOP_<KEY>, then the documented name when there is one. */
export function envNamesOf(key: string, spec: OptionSpec): string[] {
  return spec.env === undefined ? [envName(key)] : [envName(key), spec.env];
}

export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The options TESTLOOP_* variables set, and which variable set each (for an error's origin). */
function envValues(
  table: OptionTable,
  env: NodeJS.ProcessEnv,
): { values: Record<string, unknown>; names: Map<string, string> } {
  const values: Record<string, unknown> = {};
  const names = new Map<string, string>();
  for (const [key, spec] of Object.entries(table)) {
    if (spec.commandOnly) continue;
    const name = envNamesOf(key, spec).find((candidate) => (env[candidate] ?? '') !== '');
    if (name === undefined) continue;
    const raw = env[name]!;
    names.set(key, name);
    if (spec.type === 'array')
      values[key] = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (spec.type === 'number') values[key] = Number(raw);
    else if (spec.type === 'boolean') values[key] = !/^(0|false|no|off)$/i.test(raw);
    else values[key] = raw;
  }
  return { values, names };
}

function zodError(error: z.ZodError, source: string): TestloopError {
  const issue = error.issues[0]!;
  const location = issue.path.join('.') || '(root)';
  return configError(source, location, issue.message);
}

function configError(source: string, location: string, detail: string): TestloopError {
  return new TestloopError(
    'TESTLOOP_CONFIG',
    `${source}: ${detail} (location: ${location}). Fix the value or remove it`,
  );
}

function oneLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!;
}
