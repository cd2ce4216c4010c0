// Finds, in a test file, the test a line belongs to and the expressions of that line worth recording:
// what the line computes through the code under test, never the test framework's own calls.

import { namePart } from '../../runners/project-files.ts';
import type { TestName } from '../../runners/types.ts';
import type { Node } from '../ast.ts';
import { parseSource } from '../ast.ts';

/** An expression of the line whose value the run records. */
export interface Recordable {
  id: number;
  /** UTF-16 offsets of the expression in the file. */
  start: number;
  end: number;
  /** What the assertion is written on: the declared variable, or the expression itself. */
  subject: string;
  /** True when the expression holds `await` or `yield`: it cannot move into a function of its own. */
  suspends: boolean;
}

type Located =
  | { ok: true; test: TestName; recordables: Recordable[]; program: Node }
  | { ok: false; reason: string };

const TEST_CALLS = new Set(['it', 'test', 'specify']);
const SUITE_CALLS = new Set(['describe', 'suite', 'context']);
/** Calls that belong to the test framework or the console, not to the code under test. */
const FRAMEWORK_ROOTS = new Set([
  ...TEST_CALLS,
  ...SUITE_CALLS,
  'expect',
  'expectTypeOf',
  'assert',
  'assertType',
  'vi',
  'jest',
  'mock',
  'console',
  'beforeEach',
  'afterEach',
  'beforeAll',
  'afterAll',
  'before',
  'after',
]);
const FUNCTIONS = new Set(['FunctionExpression', 'ArrowFunctionExpression', 'FunctionDeclaration']);
const SKIPPED_INITS = new Set([
  'Literal',
  'Identifier',
  'FunctionExpression',
  'ArrowFunctionExpression',
  'ClassExpression',
]);

/** The leftmost identifier of `a.b(c).d`, or undefined (`this`, a literal, a call's result). */
function rootName(node: Node): string | undefined {
  let current = node;
  while (current) {
    if (current.type === 'Identifier') return current.name;
    if (current.type === 'MemberExpression') current = current.object;
    else if (current.type === 'CallExpression') current = current.callee;
    else if (current.type === 'ChainExpression' || current.type === 'TSNonNullExpression')
      current = current.expression;
    else return undefined;
  }
  return undefined;
}

/** Any text: what a name known only in part has where its values go. */
const ANY = '.*?';
/** Where test.each / test.for put a case's values in its name: printf placeholders and `$field`. */
const EACH_PLACEHOLDER = /%[sdifjoOpc#%]|\$[\w.]+/g;

/**
 * A block's name as the runner reports it: the string as written, or, when only part of it is known (a
 * `.each` name with placeholders, a template with values, a variable), a pattern with the unknown parts open.
 */
function nameOf(node: Node, text: string, each: boolean): { name: string; pattern?: string } {
  const known = (part: string): string =>
    each
      ? part
          .split(EACH_PLACEHOLDER)
          .map((piece) => namePart({ name: piece }))
          .join(ANY)
      : namePart({ name: part });
  if (node?.type === 'Literal' && typeof node.value === 'string') {
    return each ? { name: node.value, pattern: known(node.value) } : { name: node.value };
  }
  if (node?.type === 'TemplateLiteral') {
    const parts: string[] = node.quasis.map((q: Node) => q.value?.cooked ?? '');
    if (parts.length === 1 && !each) return { name: parts[0]! };
    return { name: text.slice(node.start, node.end), pattern: parts.map(known).join(ANY) };
  }
  return { name: node ? text.slice(node.start, node.end) : '', pattern: ANY };
}

/** `test.each(...)`, `it.skip`: any member of the callee chain. */
function calleeMembers(callee: Node): string[] {
  const names: string[] = [];
  for (let current = callee; current; ) {
    if (current.type === 'MemberExpression') {
      if (current.property?.type === 'Identifier') names.push(current.property.name);
      current = current.object;
    } else if (current.type === 'CallExpression') current = current.callee;
    else break;
  }
  return names;
}

interface Block {
  kind: 'suite' | 'test';
  name: { name: string; pattern?: string };
  fn: Node;
}

/** A describe/it/test call (or a node:test subtest `t.test(...)`) with its function argument. */
function blockOf(call: Node, text: string, contexts: ReadonlySet<string>): Block | undefined {
  const root = rootName(call.callee);
  if (root === undefined) return undefined;
  const members = calleeMembers(call.callee);
  const subtest = contexts.has(root) && members.at(-1) === 'test';
  const kind = TEST_CALLS.has(root) || subtest ? 'test' : SUITE_CALLS.has(root) ? 'suite' : undefined;
  if (kind === undefined) return undefined;
  const fn = [...call.arguments].reverse().find((arg: Node) => FUNCTIONS.has(arg.type));
  if (!fn) return undefined;
  const each = members.includes('each') || members.includes('for');
  return { kind, name: nameOf(call.arguments[0], text, each), fn };
}

/**
 * The test around the 0-based `line` of `file` and the recordable expressions of the innermost statement
 * on that line.
 */
export function locateLine(file: string, text: string, line: number): Located {
  const parsed = parseSource(file, text);
  if (parsed.broken) return { ok: false, reason: `${file} does not parse; fix its syntax first` };
  const target = line + 1;
  const overlaps = (node: Node): boolean =>
    parsed.lineOf(node.start) <= target && parsed.lineOf(Math.max(node.start, node.end - 1)) >= target;
  const blocks: Block[] = [];
  let statement: Node | undefined;
  const contexts = new Set<string>();

  const visit = (node: Node): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const child of node) visit(child);
      return;
    }
    if (typeof node.type !== 'string' || !overlaps(node)) return;
    if (node.type === 'CallExpression') {
      const block = blockOf(node, text, contexts);
      if (block && overlaps(block.fn.body)) {
        blocks.push(block);
        const first = block.fn.params[0];
        if (block.kind === 'test' && first?.type === 'Identifier') contexts.add(first.name);
        statement = undefined;
        visit(block.fn.body);
        return;
      }
    }
    if (isStatement(node)) statement = node;
    for (const key of Object.keys(node)) {
      if (key === 'type' || key === 'start' || key === 'end' || key === 'range') continue;
      const child = node[key];
      if (child && typeof child === 'object') visit(child);
    }
  };
  visit(parsed.program);

  if (!blocks.some((b) => b.kind === 'test')) {
    return { ok: false, reason: `line ${target} of ${file} is not inside a test (it(…) or test(…))` };
  }
  if (statement === undefined) {
    return { ok: false, reason: `line ${target} of ${file} holds no statement to observe` };
  }
  const innermost = blocks.findLastIndex((b) => b.kind === 'test');
  const chain = blocks.slice(0, innermost + 1);
  const test: TestName = {
    ancestors: chain.slice(0, -1).map((b) => ({ ...b.name, kind: b.kind })),
    ...chain.at(-1)!.name,
  };
  const recordables = collectRecordables(statement, text, contexts);
  return { ok: true, test, recordables, program: parsed.program };
}

/** A statement to observe: not a block, nor the bare declaration of a loop variable (`for (const x of …)`). */
function isStatement(node: Node): boolean {
  if (node.type === 'VariableDeclaration') return node.declarations.some((d: Node) => d.init);
  return node.type.endsWith('Statement') && node.type !== 'BlockStatement';
}

/** The expressions of `statement` to record, outermost first, none inside another. */
function collectRecordables(statement: Node, text: string, contexts: ReadonlySet<string>): Recordable[] {
  const found: Recordable[] = [];
  const add = (node: Node, subject: string): void => {
    found.push({ id: found.length, start: node.start, end: node.end, subject, suspends: suspends(node) });
  };
  const source = (node: Node): string => text.slice(node.start, node.end);
  const isFramework = (call: Node): boolean => {
    const root = rootName(call.callee);
    return root !== undefined && (FRAMEWORK_ROOTS.has(root) || contexts.has(root));
  };
  const visit = (node: Node): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const child of node) visit(child);
      return;
    }
    if (typeof node.type !== 'string' || FUNCTIONS.has(node.type) || node.type.startsWith('Class')) return;
    if (node.type === 'CallExpression' && !isFramework(node)) {
      add(node, source(node));
      return;
    }
    if (
      node.type === 'AwaitExpression' &&
      node.argument?.type === 'CallExpression' &&
      !isFramework(node.argument)
    ) {
      add(node, source(node));
      return;
    }
    for (const key of Object.keys(node)) {
      if (key === 'type' || key === 'start' || key === 'end' || key === 'range') continue;
      const child = node[key];
      if (child && typeof child === 'object') visit(child);
    }
  };
  if (statement.type === 'VariableDeclaration') {
    for (const declarator of statement.declarations as Node[]) {
      const init = declarator.init;
      if (
        !init ||
        SKIPPED_INITS.has(init.type) ||
        (init.type === 'TemplateLiteral' && init.expressions.length === 0)
      )
        continue;
      if (init.type === 'CallExpression' && isFramework(init)) {
        visit(init);
        continue;
      }
      add(init, declarator.id.type === 'Identifier' ? declarator.id.name : source(init));
    }
    return found;
  }
  const expression = statement.type === 'ExpressionStatement' ? statement.expression : statement.argument;
  if (expression?.type === 'AssignmentExpression' && expression.operator === '=') {
    const left = expression.left;
    const subject = left.type === 'Identifier' || left.type === 'MemberExpression' ? source(left) : undefined;
    const right = expression.right;
    if (subject !== undefined && !SKIPPED_INITS.has(right.type) && !isFrameworkCall(right, isFramework)) {
      add(right, subject);
      return found;
    }
  }
  if (statement.type === 'ExpressionStatement' || statement.type === 'ReturnStatement') {
    visit(expression);
    return found;
  }
  // `if (valid(x)) {`, `for (const item of list(cart)) {`, `throw wrap(error)`: the expressions the
  // statement itself evaluates, not the statements it holds.
  for (const key of Object.keys(statement)) {
    const child = statement[key];
    if (child && typeof child.type === 'string' && !isStatement(child) && child.type !== 'BlockStatement')
      visit(child);
  }
  return found;
}

function isFrameworkCall(node: Node, isFramework: (call: Node) => boolean): boolean {
  return node.type === 'CallExpression' && isFramework(node);
}

/** True when `node` holds `await` or `yield` outside any function nested in it. */
function suspends(node: Node): boolean {
  if (node === null || typeof node !== 'object') return false;
  if (Array.isArray(node)) return node.some(suspends);
  if (typeof node.type !== 'string') return false;
  if (node.type === 'AwaitExpression' || node.type === 'YieldExpression') return true;
  if (FUNCTIONS.has(node.type)) return false;
  return Object.keys(node).some(
    (key) => key !== 'type' && typeof node[key] === 'object' && suspends(node[key]),
  );
}
