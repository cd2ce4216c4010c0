import { parseSync } from 'oxc-parser';

// biome-ignore lint/suspicious/noExplicitAny: oxc's ESTree nodes are walked generically
export type Node = any;

/** A piece of code a test can call: a function, an arrow assigned to a const, a class or object method. */
export interface Unit {
  /** `add`, `Cart.total`, `handlers.onSave`, `default`. */
  symbol: string;
  startLine: number;
  endLine: number;
  /** Offset where the unit's statement starts (its `export`, its key): a doc comment ends before it. */
  start: number;
  /** The function node itself (its body is walked for executable lines). */
  fn: Node;
}

export interface Comment {
  type: 'Line' | 'Block';
  /** The text between the delimiters (`* doc ` for `/** doc *\/`). */
  value: string;
  start: number;
  end: number;
}

export interface ParsedSource {
  text: string;
  program: Node;
  units: Unit[];
  /** Every comment of the file, in source order. */
  comments: Comment[];
  /** 1-based line of a UTF-16 offset. */
  lineOf(offset: number): number;
  /** True when oxc reported syntax errors (the AST is then partial). */
  broken: boolean;
}

const FUNCTION = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);

export function parseSource(file: string, text: string): ParsedSource {
  const lang = /\.[cm]?tsx?$/i.test(file) ? (/x$/i.test(file) ? 'tsx' : 'ts') : 'jsx';
  const result = parseSync(file, text, {
    lang,
    sourceType: /\.c[jt]s$/i.test(file) ? 'commonjs' : 'unambiguous',
  });
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  const lineOf = (offset: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const program = result.program;
  const units: Unit[] = [];
  const add = (symbol: string, range: Node, fn: Node): void => {
    units.push({
      symbol,
      startLine: lineOf(range.start),
      endLine: lineOf(range.end - 1),
      start: range.start,
      fn,
    });
  };
  for (const statement of program.body as Node[]) collectUnits(statement, add);
  units.sort((a, b) => a.startLine - b.startLine);
  const comments = result.comments as Comment[];
  return { text, program, units, comments, lineOf, broken: result.errors.length > 0 };
}

/** Top-level units only: a nested helper is reached through the function around it. */
function collectUnits(statement: Node, add: (symbol: string, range: Node, fn: Node) => void): void {
  const exported =
    statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration';
  const decl = exported ? statement.declaration : statement;
  if (!decl) return;
  const isDefault = statement.type === 'ExportDefaultDeclaration';
  if (decl.type === 'FunctionDeclaration' || (isDefault && FUNCTION.has(decl.type))) {
    if (decl.body) add(decl.id?.name ?? 'default', statement, decl);
  } else if (decl.type === 'ClassDeclaration' || (isDefault && decl.type === 'ClassExpression')) {
    classUnits(decl.id?.name ?? 'default', decl, add);
  } else if (isDefault && decl.type === 'ObjectExpression') {
    objectUnits('default', decl, add);
  } else if (decl.type === 'VariableDeclaration') {
    for (const declarator of decl.declarations as Node[]) {
      const name = declarator.id?.type === 'Identifier' ? declarator.id.name : undefined;
      const init = unwrap(declarator.init);
      if (name === undefined || !init) continue;
      const range = decl.declarations.length === 1 ? statement : declarator;
      if (FUNCTION.has(init.type)) add(name, range, init);
      else if (init.type === 'ClassExpression') classUnits(name, init, add);
      else if (init.type === 'ObjectExpression') objectUnits(name, init, add);
    }
  } else if (decl.type === 'ExpressionStatement') {
    commonJsUnits(decl, add);
  }
}

/** `module.exports = …`, `module.exports.x = …`, `exports.x = …`. */
function commonJsUnits(statement: Node, add: (symbol: string, range: Node, fn: Node) => void): void {
  const expr = statement.expression;
  if (expr?.type !== 'AssignmentExpression') return;
  const target = memberPath(expr.left);
  const value = unwrap(expr.right);
  if (target === 'module.exports') {
    if (FUNCTION.has(value?.type)) add(value.id?.name ?? 'default', statement, value);
    else if (value?.type === 'ObjectExpression') objectUnits(undefined, value, add);
    else if (value?.type === 'ClassExpression') classUnits(value.id?.name ?? 'default', value, add);
    return;
  }
  const name = /^(?:module\.)?exports\.([\w$]+)$/.exec(target ?? '')?.[1];
  if (name !== undefined && FUNCTION.has(value?.type)) add(name, statement, value);
  else if (name !== undefined && value?.type === 'ClassExpression') classUnits(name, value, add);
}

function classUnits(name: string, cls: Node, add: (symbol: string, range: Node, fn: Node) => void): void {
  for (const member of (cls.body?.body ?? []) as Node[]) {
    const key = keyName(member.key);
    if (key === undefined) continue;
    if (member.type === 'MethodDefinition' && member.value?.body) add(`${name}.${key}`, member, member.value);
    else if (member.type === 'PropertyDefinition' && FUNCTION.has(unwrap(member.value)?.type))
      add(`${name}.${key}`, member, unwrap(member.value));
  }
}

function objectUnits(
  name: string | undefined,
  object: Node,
  add: (symbol: string, range: Node, fn: Node) => void,
): void {
  for (const property of object.properties as Node[]) {
    if (property.type !== 'Property') continue;
    const key = keyName(property.key);
    const value = unwrap(property.value);
    if (key !== undefined && !property.computed && FUNCTION.has(value?.type))
      add(name === undefined ? key : `${name}.${key}`, property, value);
  }
}

/** `x as T`, `x satisfies T`, `(x)`, `x!` → x. */
export function unwrap(node: Node): Node {
  let n = node;
  while (
    n &&
    (n.type === 'TSAsExpression' ||
      n.type === 'TSSatisfiesExpression' ||
      n.type === 'TSNonNullExpression' ||
      n.type === 'ParenthesizedExpression')
  )
    n = n.expression;
  return n;
}

export function keyName(key: Node): string | undefined {
  if (key?.type === 'Identifier' || key?.type === 'PrivateIdentifier')
    return key.type === 'PrivateIdentifier' ? `#${key.name}` : key.name;
  if (key?.type === 'Literal' && (typeof key.value === 'string' || typeof key.value === 'number'))
    return String(key.value);
  return undefined;
}

export function memberPath(node: Node): string | undefined {
  if (node?.type === 'Identifier') return node.name;
  if (node?.type === 'MemberExpression' && !node.computed) {
    const object = memberPath(node.object);
    return object === undefined ? undefined : `${object}.${node.property.name}`;
  }
  return undefined;
}

const EXECUTABLE = new Set([
  'ExpressionStatement',
  'VariableDeclaration',
  'ReturnStatement',
  'IfStatement',
  'ThrowStatement',
  'ForStatement',
  'ForInStatement',
  'ForOfStatement',
  'WhileStatement',
  'DoWhileStatement',
  'SwitchStatement',
  'TryStatement',
  'BreakStatement',
  'ContinueStatement',
]);

/** Lines where a statement of the function's body starts (what coverage tools count), ascending. */
export function executableLines(fn: Node, lineOf: (offset: number) => number): number[] {
  const lines = new Set<number>();
  const visit = (node: Node): void => {
    if (EXECUTABLE.has(node.type)) lines.add(lineOf(node.start));
    if (node.type === 'ArrowFunctionExpression' && node.expression) lines.add(lineOf(node.body.start));
    forEachChild(node, visit);
  };
  if (fn.body) {
    if (fn.type === 'ArrowFunctionExpression' && fn.expression) lines.add(lineOf(fn.body.start));
    visit(fn.body);
  }
  return [...lines].sort((a, b) => a - b);
}

export function forEachChild(node: Node, visit: (child: Node) => void): void {
  for (const key in node) {
    if (key === 'type' || key === 'start' || key === 'end') continue;
    const value = node[key];
    if (Array.isArray(value)) {
      for (const item of value) if (item && typeof item.type === 'string') visit(item);
    } else if (value && typeof value === 'object' && typeof value.type === 'string') visit(value);
  }
}

/**
 * The function a coverage report names by its first line: the outermost one starting there (a nested
 * callback included), else the innermost one around the line.
 */
export function functionAt(parsed: ParsedSource, line: number): Node | undefined {
  let startingHere: Node | undefined;
  let around: Node | undefined;
  const visit = (node: Node): void => {
    if (parsed.lineOf(node.start) > line || parsed.lineOf(node.end - 1) < line) return;
    if (FUNCTION.has(node.type) && node.body) {
      if (parsed.lineOf(node.start) === line) startingHere ??= node;
      around = node;
    }
    forEachChild(node, visit);
  };
  visit(parsed.program);
  return startingHere ?? around;
}

/** Innermost unit containing `line`. */
export function unitAt(units: readonly Unit[], line: number): Unit | undefined {
  let best: Unit | undefined;
  for (const unit of units) {
    if (unit.startLine <= line && line <= unit.endLine) {
      if (!best || unit.endLine - unit.startLine < best.endLine - best.startLine) best = unit;
    }
  }
  return best;
}
