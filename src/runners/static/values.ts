import type { ArrowFunctionExpression, Function as FunctionNode } from 'oxc-parser';
import type { Scope } from './module.ts';

/** A value the config computes at run time: where it is and why it cannot be read statically. */
export class Unknown {
  constructor(
    readonly reason: string,
    readonly file: string,
    readonly line: number,
  ) {}
}

export class StaticRegExp {
  constructor(
    readonly source: string,
    readonly flags: string,
  ) {}
}

/** A `new URL(…)`, `import.meta.url` or `pathToFileURL(…)` value. */
export class StaticURL {
  constructor(readonly href: string) {}
}

/** A binding the evaluator knows by name: `path.resolve`, `vite.defineConfig`, `process`, … */
export class Builtin {
  constructor(readonly name: string) {}
}

export class StaticFunction {
  constructor(
    readonly node: FunctionNode | ArrowFunctionExpression,
    readonly scope: Scope,
  ) {}
}

/** Set on an object built from an unknown spread or merge: a missing key may still exist at run time. */
export const UNKNOWN_KEYS: unique symbol = Symbol('unknownKeys');

export type StaticValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | StaticRegExp
  | StaticURL
  | Unknown
  | Builtin
  | StaticFunction
  | StaticValue[]
  | StaticObject;

export interface StaticObject {
  [key: string]: StaticValue;
  [UNKNOWN_KEYS]?: Unknown;
}

export function isObject(value: StaticValue): value is StaticObject {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * Vite's `mergeConfig`: arrays concatenate, objects merge, `alias` lists are normalized and the
 * overriding side comes first. Merging with an unknown config makes every array and missing key unknown.
 */
export function mergeConfig(base: StaticValue, override: StaticValue, key = ''): StaticValue {
  if (override === undefined || override === null) return base;
  if (base === undefined || base === null) return override;
  if (key === 'alias') {
    const a = normalizeAlias(base);
    const b = normalizeAlias(override);
    if (a instanceof Unknown) return a;
    if (b instanceof Unknown) return b;
    return [...b, ...a];
  }
  if (base instanceof Unknown) return taint(override, base);
  if (override instanceof Unknown) return override;
  if (Array.isArray(base) || Array.isArray(override)) {
    return [...(Array.isArray(base) ? base : [base]), ...(Array.isArray(override) ? override : [override])];
  }
  if (isObject(base) && isObject(override)) {
    const out: StaticObject = { ...base };
    const unknownKeys = override[UNKNOWN_KEYS] ?? base[UNKNOWN_KEYS];
    if (unknownKeys) out[UNKNOWN_KEYS] = unknownKeys;
    for (const [name, value] of Object.entries(override)) out[name] = mergeConfig(base[name], value, name);
    return out;
  }
  return override;
}

function taint(value: StaticValue, by: Unknown): StaticValue {
  if (Array.isArray(value)) return by;
  if (!isObject(value)) return value;
  const out: StaticObject = { [UNKNOWN_KEYS]: by };
  for (const [name, child] of Object.entries(value)) out[name] = taint(child, by);
  return out;
}

/** `{ '@': '/src' }` or `[{ find, replacement }]` → the array form. */
export function normalizeAlias(value: StaticValue): StaticValue[] | Unknown {
  if (value instanceof Unknown) return value;
  if (Array.isArray(value)) return value;
  if (isObject(value)) {
    if (value[UNKNOWN_KEYS]) return value[UNKNOWN_KEYS];
    return Object.entries(value).map(([find, replacement]) => ({ find, replacement }));
  }
  return [];
}

export function isPrimitive(value: StaticValue): value is string | number | boolean | null | undefined {
  return value === null || value === undefined || ['string', 'number', 'boolean'].includes(typeof value);
}

export function truthy(value: StaticValue): boolean {
  return Boolean(value);
}
