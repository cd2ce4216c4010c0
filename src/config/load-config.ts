import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as z from 'zod';
import type { ZodObject } from 'zod';
import { TestloopError } from '../errors.ts';
import { isObject } from '../util/json.ts';

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
 * and validates once. A zod issue becomes one line with its location.
 */
export function resolveOptions<S extends ZodObject>(
  schema: S,
  command: string,
  config: LoadedConfig,
  env: NodeJS.ProcessEnv,
  flags: Record<string, unknown>,
): z.infer<S> {
  const keys = Object.keys(schema.shape);
  const section = config.values[command];
  const fileValues: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config.values)) {
    if (keys.includes(key) && !isCommandOnly(schema.shape[key])) fileValues[key] = value;
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
  const fromEnv = envValues(schema, env);
  const merged = { ...fromFile.data, ...fromEnv, ...flags };
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const key = String(parsed.error.issues[0]?.path[0] ?? '');
    const origin =
      key in flags ? `--${flagName(key)}` : key in fromEnv ? envName(key) : (config.file ?? 'options');
    throw zodError(parsed.error, origin);
  }
  return parsed.data;
}

/**
 * An option another command has under the same name with another meaning (triage's `write` would touch
 * the working tree where generate's writes tests): it is read only from its flag and the command's own
 * config section, never from the config's top level or a TESTLOOP_* variable set for the other command.
 */
export function isCommandOnly(field: unknown): boolean {
  return (field as z.ZodType | undefined)?.meta?.()?.commandOnly === true;
}

export function envName(key: string): string {
  return `TESTLOOP_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The base type behind optional/default wrappers: string, number, boolean or array. */
export function baseType(schema: z.ZodType): string {
  // biome-ignore lint/suspicious/noExplicitAny: walking zod's own definition objects
  let def: any = (schema as any)._zod.def;
  while (def.type === 'optional' || def.type === 'default' || def.type === 'nullable')
    def = def.innerType._zod.def;
  return def.type;
}

function envValues(schema: ZodObject, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema.shape)) {
    if (isCommandOnly(field)) continue;
    const raw = env[envName(key)];
    if (raw === undefined || raw === '') continue;
    const type = baseType(field as z.ZodType);
    if (type === 'array')
      values[key] = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (type === 'number') values[key] = Number(raw);
    else if (type === 'boolean') values[key] = !/^(0|false|no|off)$/i.test(raw);
    else values[key] = raw;
  }
  return values;
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
