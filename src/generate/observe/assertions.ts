// Observations → assertion lines in the style of the file's runner, and a warning for every expression
// that gives none (never silent: the caller sees why a line has fewer suggestions than expressions).
import type { Node } from '../ast.ts';
import type { Recordable } from './locate.ts';
import type { Observation } from './recorder.ts';

export interface Suggestion {
  /** What the assertion is written on: the declared variable, or the expression itself. */
  expression: string;
  /** The value as a JavaScript literal. */
  observed: string;
  /** The line to insert: `expect(total).toEqual(42);` or `assert.deepStrictEqual(total, 42);`. */
  assertion: string;
  /** With a model: a few words saying what the assertion checks. */
  name?: string;
}

const ASSERT_MODULES = new Set(['assert', 'node:assert', 'assert/strict', 'node:assert/strict']);

/**
 * How the file calls deepStrictEqual: through its default or namespace import of node:assert (or the
 * `strict` export), or a named import of deepStrictEqual; undefined when the file imports none of them.
 */
function deepStrictEqualCallee(program: Node): string | undefined {
  for (const statement of program.body as Node[]) {
    if (statement.type !== 'ImportDeclaration' || !ASSERT_MODULES.has(statement.source.value)) continue;
    for (const specifier of statement.specifiers as Node[]) {
      const local = specifier.local.name;
      if (specifier.type !== 'ImportSpecifier') return `${local}.deepStrictEqual`;
      const imported = specifier.imported.name ?? specifier.imported.value;
      if (imported === 'deepStrictEqual') return local;
      if (imported === 'strict' || imported === 'default') return `${local}.deepStrictEqual`;
    }
  }
  return undefined;
}

/**
 * How the file's runner asserts: `expect(…).toEqual(…)` (vitest, jest), or node:assert's deepStrictEqual
 * through the file's own import of it (a warning when it has none).
 */
export function assertionWriter(
  style: 'expect' | 'assert',
  program: Node,
  file: string,
): { write: (subject: string, literal: string) => string; warnings: string[] } {
  if (style === 'expect') {
    return { write: (subject, literal) => `expect(${subject}).toEqual(${literal});`, warnings: [] };
  }
  const imported = deepStrictEqualCallee(program);
  const callee = imported ?? 'assert.deepStrictEqual';
  return {
    write: (subject, literal) => `${callee}(${subject}, ${literal});`,
    warnings:
      imported === undefined
        ? [`${file} imports no node:assert: add \`import assert from 'node:assert/strict';\``]
        : [],
  };
}

export function toSuggestions(
  recordables: readonly Recordable[],
  seen: Readonly<Record<string, Observation>>,
  assertWith: (subject: string, literal: string) => string,
): { suggestions: Suggestion[]; warnings: string[] } {
  const suggestions: Suggestion[] = [];
  const warnings: string[] = [];
  if (recordables.every((r) => (seen[r.id]?.starts ?? 0) === 0)) {
    warnings.push(
      'the line never ran: the test is skipped or filtered out, or it failed or returned before reaching the line',
    );
    return { suggestions, warnings };
  }
  for (const r of recordables) {
    const o = seen[r.id];
    const name = `\`${r.subject}\``;
    if (o === undefined || o.starts === 0) {
      warnings.push(
        `${name} was not evaluated when the line ran (a condition skipped it): no value observed`,
      );
    } else if (o.threw !== undefined || o.values < o.starts) {
      const what =
        o.threw === undefined ? 'did not return a value (it threw or was rejected)' : `threw ${o.threw}`;
      warnings.push(`${name} ${what}: no value to assert; an assertion that it throws fits it instead`);
    } else if (o.differs) {
      warnings.push(
        `${name} took different values in the ${o.values} times the line ran (a loop or a repeated callback): no single value to assert`,
      );
    } else if (o.literal === undefined) {
      warnings.push(`${name} is not printable as a literal: ${o.unprintable ?? 'unknown value'}`);
    } else {
      suggestions.push({
        expression: r.subject,
        observed: o.literal,
        assertion: assertWith(r.subject, o.literal),
      });
    }
  }
  return { suggestions, warnings };
}
