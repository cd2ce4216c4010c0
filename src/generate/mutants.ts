// Small faults put into the lines a candidate covers, to see whether its assertions notice them: flipped
// comparisons and boundaries, negated conditions, swapped arithmetic and logic, replaced return values and
// removed calls (the operators of StrykerJS that matter for unit tests). Each mutant is one text edit of
// the source; ./mutation-gate.ts runs it from a scratch copy, never the file on disk.

import { forEachChild, type Node, type ParsedSource } from './ast.ts';

export interface Mutant {
  /** 1-based line the fault is on. */
  line: number;
  /** UTF-16 range of the source that is replaced. */
  start: number;
  end: number;
  replacement: string;
  /** The replaced code as it was (one line, shortened), for the repair prompt and the report. */
  original: string;
  mutated: string;
}

/** Mutants per target at most, spread over the covered lines (see pickSpread). */
export const MUTANTS_PER_TARGET = 12;

const FLIPS: Record<string, string[]> = {
  // Boundaries only: the negation (`<` → `>=`) is the negated condition below.
  '<': ['<='],
  '<=': ['<'],
  '>': ['>='],
  '>=': ['>'],
  '===': ['!=='],
  '!==': ['==='],
  '==': ['!='],
  '!=': ['=='],
  '+': ['-'],
  '-': ['+'],
  '*': ['/'],
  '/': ['*'],
  '%': ['*'],
  '&&': ['||'],
  '||': ['&&'],
};
const EQUALITY = new Set(['===', '!==', '==', '!=']);
const CONDITIONAL = new Set(['IfStatement', 'ConditionalExpression', 'WhileStatement', 'DoWhileStatement']);

/** The source with one mutant applied. */
export function applyMutant(text: string, mutant: Mutant): string {
  return text.slice(0, mutant.start) + mutant.replacement + text.slice(mutant.end);
}

/** Up to `cap` mutants on `lines` of the parsed source, spread over those lines. */
export function makeMutants(
  parsed: ParsedSource,
  lines: readonly number[],
  cap = MUTANTS_PER_TARGET,
): Mutant[] {
  const wanted = new Set(lines);
  const found: Mutant[] = [];
  const { text, lineOf } = parsed;
  const add = (node: Node, replacement: string, start = node.start, end = node.end): void => {
    const line = lineOf(node.start);
    if (!wanted.has(line) || replacement === text.slice(start, end)) return;
    found.push({
      line,
      start,
      end,
      replacement,
      original: oneLine(text.slice(start, end)),
      mutated: oneLine(replacement),
    });
  };
  const visit = (node: Node): void => {
    mutate(node, text, add);
    forEachChild(node, visit);
  };
  visit(parsed.program);
  return pickSpread(found, cap);
}

function mutate(node: Node, text: string, add: (node: Node, replacement: string) => void): void {
  const src = (n: Node): string => text.slice(n.start, n.end);
  if ((node.type === 'BinaryExpression' || node.type === 'LogicalExpression') && FLIPS[node.operator]) {
    const gap = text.slice(node.left.end, node.right.start);
    for (const to of FLIPS[node.operator]!) {
      // `a + ''` is how code makes strings: swapping it for `-` only makes NaN, which says little.
      if (node.operator === '+' && (isString(node.left) || isString(node.right))) continue;
      add(node, src(node.left) + gap.replace(node.operator, to) + src(node.right));
    }
  } else if (CONDITIONAL.has(node.type) && node.test) {
    const test = unparen(node.test);
    // `!(a === b)` is the flip of the equality, already made above.
    if (!(test.type === 'BinaryExpression' && EQUALITY.has(test.operator)))
      add(node.test, `!(${src(node.test)})`);
  } else if (node.type === 'UnaryExpression' && node.operator === '!') {
    add(node, src(node.argument));
  } else if (node.type === 'ReturnStatement' && node.argument) {
    const value = unparen(node.argument);
    if (value.type === 'Literal' && typeof value.value === 'boolean') add(value, String(!value.value));
    else if (!(value.type === 'Identifier' && value.name === 'undefined')) add(node.argument, 'undefined');
  } else if (node.type === 'ExpressionStatement' && isCall(node.expression)) {
    add(node.expression, 'undefined');
  }
}

function unparen(node: Node): Node {
  return node.type === 'ParenthesizedExpression' ? unparen(node.expression) : node;
}

function isString(node: Node): boolean {
  const bare = unparen(node);
  return (bare.type === 'Literal' && typeof bare.value === 'string') || bare.type === 'TemplateLiteral';
}

function isCall(expression: Node): boolean {
  const bare = unparen(expression);
  if (bare.type === 'AwaitExpression') return isCall(bare.argument);
  if (bare.type === 'ChainExpression') return isCall(bare.expression);
  return bare.type === 'CallExpression';
}

function oneLine(code: string): string {
  const flat = code.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 79)}…` : flat;
}

/**
 * At most `cap` of `mutants`, taken in turns from each line (its first mutant, then its second, …) so that
 * every covered line gets one before any line gets two; in source order.
 */
function pickSpread(mutants: readonly Mutant[], cap: number): Mutant[] {
  const byLine = new Map<number, Mutant[]>();
  for (const mutant of mutants) {
    const list = byLine.get(mutant.line) ?? [];
    list.push(mutant);
    byLine.set(mutant.line, list);
  }
  const picked: Mutant[] = [];
  for (let round = 0; picked.length < cap; round++) {
    const taken = [...byLine.values()].flatMap((list) => (list[round] ? [list[round]!] : []));
    if (taken.length === 0) break;
    picked.push(...taken.slice(0, cap - picked.length));
  }
  return picked.sort((a, b) => a.start - b.start || a.end - b.end);
}

/** `line 6: code === 'SAVE10' → code !== 'SAVE10'`. */
export function describeMutant(mutant: Mutant): string {
  return `line ${mutant.line}: ${mutant.original} → ${mutant.mutated}`;
}
