// The code appended to the scratch copy of a test file: it prints each value the line computes as a
// JavaScript literal, inside the test's own process, and writes what it saw to the JSON file named by
// OBSERVE_FILE_VARIABLE after every value (a run killed at its time limit still leaves its file).
// It is source text, not a function of this module: the copy runs in the project's runner, which may be
// another Node, transform, or realm than testloop's.

export const RECORDER = '__testloopObserve';
export const OBSERVE_FILE_VARIABLE = 'TESTLOOP_OBSERVE_FILE';

/** Longest printed value kept; longer ones are reported as too large. */
const MAX_LITERAL = 2_000;

/** One recorded expression, as the file holds it (keyed by the expression's id). */
export interface Observation {
  /** Evaluations started (the line ran). */
  starts: number;
  /** Evaluations that returned a value. */
  values: number;
  /** The first value's literal, or absent when it could not be printed (see `unprintable`). */
  literal?: string;
  unprintable?: string;
  /** A later evaluation printed differently from the first. */
  differs?: boolean;
  /** What it threw, when an evaluation threw. */
  threw?: string;
}

/**
 * `style`: 'expect' (toEqual does not compare prototypes: a class instance prints as its fields) or
 * 'assert' (deepStrictEqual does: a class instance cannot be written as a literal).
 * long: one template, the recorder's whole source as it runs inside the test process.
 */
export function recorderSource(style: 'expect' | 'assert'): string {
  return `
function ${RECORDER}(id, thunk) {
  const state = ${RECORDER}.state || (${RECORDER}.state = { seen: {} });
  ${RECORDER}.start(id);
  let value;
  try {
    value = thunk();
  } catch (error) {
    const entry = state.seen[id];
    if (entry.threw === undefined) entry.threw = String(error && error.stack ? String(error.stack).split('\\n')[0] : error);
    ${RECORDER}.flush();
    throw error;
  }
  return ${RECORDER}.value(id, value);
}
${RECORDER}.start = function (id) {
  const state = ${RECORDER}.state || (${RECORDER}.state = { seen: {} });
  const entry = state.seen[id] || (state.seen[id] = { starts: 0, values: 0 });
  entry.starts++;
  ${RECORDER}.flush();
};
${RECORDER}.value = function (id, value) {
  const entry = ${RECORDER}.state.seen[id];
  let printed;
  try {
    printed = { literal: ${RECORDER}.print(value, 0, []) };
    if (printed.literal.length > ${MAX_LITERAL}) printed = { unprintable: 'too large to print (over ${MAX_LITERAL} characters)' };
  } catch (error) {
    printed = { unprintable: error && error.unprintable ? error.unprintable : 'could not be read (' + String(error) + ')' };
  }
  if (entry.values === 0) Object.assign(entry, printed);
  else if (printed.literal !== entry.literal || printed.unprintable !== entry.unprintable) entry.differs = true;
  entry.values++;
  ${RECORDER}.flush();
  return value;
};
${RECORDER}.flush = function () {
  const path = process.env.${OBSERVE_FILE_VARIABLE};
  if (!path) return;
  const fs =
    typeof process.getBuiltinModule === 'function'
      ? process.getBuiltinModule('node:fs')
      : typeof require === 'function'
        ? require('node:fs')
        : undefined;
  if (fs) fs.writeFileSync(path, JSON.stringify(${RECORDER}.state.seen));
};
${RECORDER}.print = function print(value, depth, path) {
  const fail = (why) => { throw { unprintable: why }; };
  const type = typeof value;
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (type === 'boolean') return String(value);
  if (type === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (type === 'bigint') return String(value) + 'n';
  if (type === 'string') return JSON.stringify(value);
  if (type === 'symbol') fail('a symbol (' + String(value) + ')');
  if (type === 'function') fail('a function (' + (value.name || 'anonymous') + ')');
  if (path.includes(value)) fail('a circular reference');
  if (depth > 8) fail('nested more than 8 levels deep');
  const inner = [...path, value];
  const each = (items) => {
    if (items.length > 500) fail('too large to print (' + items.length + ' items)');
    return items.map((item) => print(item, depth + 1, inner)).join(', ');
  };
  const tag = Object.prototype.toString.call(value);
  if (Array.isArray(value)) return '[' + each(Array.from(value)) + ']';
  if (tag === '[object Date]') return Number.isNaN(value.getTime()) ? 'new Date(NaN)' : 'new Date(' + JSON.stringify(value.toISOString()) + ')';
  if (tag === '[object RegExp]') return String(value);
  if (tag === '[object Map]') return 'new Map([' + Array.from(value, ([k, v]) => '[' + each([k, v]) + ']').join(', ') + '])';
  if (tag === '[object Set]') return 'new Set([' + each(Array.from(value)) + '])';
  if (tag === '[object Promise]') fail('a Promise (await it on the line)');
  const proto = Object.getPrototypeOf(value);
  const ctor = proto && proto.constructor;
  const name = ctor && typeof ctor.name === 'string' ? ctor.name : '';
  if (ArrayBuffer.isView(value) && tag !== '[object DataView]' && globalThis[name] === ctor)
    return name + '.from([' + each(Array.from(value)) + '])';
  if (tag === '[object Error]') {
    const builtin = ['Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError'];
    if (builtin.includes(name) && globalThis[name] === ctor) return 'new ' + name + '(' + JSON.stringify(value.message) + ')';
    fail('an error of class ' + (name || 'unknown'));
  }
  const plain = proto === Object.prototype || proto === null || (ctor && ctor.name === 'Object' && Object.getPrototypeOf(proto) === null);
  if (!plain && ${JSON.stringify(style)} === 'assert') fail('an instance of class ' + (name || 'unknown') + ' (deepStrictEqual compares prototypes)');
  if (proto === null && ${JSON.stringify(style)} === 'assert') fail('an object without a prototype');
  if (!plain && (tag === '[object WeakMap]' || tag === '[object WeakSet]')) fail('a ' + name);
  const keys = Object.keys(value);
  if (keys.length > 500) fail('too large to print (' + keys.length + ' fields)');
  const fields = keys.map((key) => {
    const printedKey = /^[A-Za-z_$][\\w$]*$/.test(key) ? key : JSON.stringify(key);
    return printedKey + ': ' + print(value[key], depth + 1, inner);
  });
  return fields.length === 0 ? '{}' : '{ ' + fields.join(', ') + ' }';
};
`;
}
