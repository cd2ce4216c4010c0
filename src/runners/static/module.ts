import { extname } from 'node:path';
import type { ExportNamedDeclaration, Expression, ImportDeclaration, Program, Statement } from 'oxc-parser';
import { inputExists } from '../inputs.ts';
import { MODULE_EXTENSIONS } from '../project-files.ts';
import { StaticFunction, type StaticValue } from './values.ts';

export type Binding =
  | { kind: 'expr'; node: Expression; scope: Scope; value?: StaticValue; busy?: boolean; done?: boolean }
  | { kind: 'import'; source: string; name: string; module: Module }
  | { kind: 'member'; node: Expression; key: string; scope: Scope }
  | { kind: 'value'; value: StaticValue };

export class Scope {
  readonly vars = new Map<string, Binding>();
  constructor(
    readonly module: Module,
    readonly parent?: Scope,
  ) {}

  lookup(name: string): Binding | undefined {
    return this.vars.get(name) ?? this.parent?.lookup(name);
  }
}

export interface Module {
  file: string;
  lineStarts: number[];
  scope: Scope;
  /** Export name → binding; 'default' for `export default` and `module.exports`. */
  exports: Map<string, Binding>;
  /** Names assigned to or mutated anywhere in the file (`x.a = 1`, `x.push(…)`), with the offset of the first. */
  mutated: Map<string, number>;
}

export function resolveImport(base: string): string | undefined {
  if (inputExists(base) && extname(base) !== '') return base;
  for (const ext of MODULE_EXTENSIONS) if (inputExists(base + ext)) return base + ext;
  // `./base.js` written for a `./base.ts` source (TypeScript's nodenext convention).
  const stem = base.replace(/\.[cm]?js$/, '');
  for (const ext of ['.ts', '.mts', '.cts']) if (stem !== base && inputExists(stem + ext)) return stem + ext;
  return undefined;
}

export function buildModule(file: string, source: string, program: Program): Module {
  const lineStarts = [0];
  for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const module: Module = {
    file,
    lineStarts,
    scope: undefined as never,
    exports: new Map(),
    mutated: mutations(program),
  };
  const scope = new Scope(module);
  module.scope = scope;
  const body = program.body as Statement[];
  declare(scope, body);
  for (const statement of program.body) {
    if (statement.type === 'ImportDeclaration') {
      if (statement.importKind !== 'type') declareImports(statement, scope);
    } else if (statement.type === 'ExportDefaultDeclaration') {
      const declaration = statement.declaration;
      if (declaration.type === 'FunctionDeclaration') {
        module.exports.set('default', { kind: 'value', value: new StaticFunction(declaration, scope) });
      } else if (declaration.type !== 'ClassDeclaration' && declaration.type !== 'TSInterfaceDeclaration') {
        module.exports.set('default', { kind: 'expr', node: declaration, scope });
      }
    } else if (statement.type === 'ExportNamedDeclaration') {
      exportNamed(statement, scope);
    } else if (
      statement.type === 'ExpressionStatement' &&
      statement.expression.type === 'AssignmentExpression'
    ) {
      const { left, right } = statement.expression;
      const target = left.type === 'MemberExpression' ? sourceName(left as Expression) : '';
      if (target === 'module.exports' || target === 'exports.default') {
        module.exports.set('default', { kind: 'expr', node: right, scope });
      } else if (target.startsWith('exports.') || target.startsWith('module.exports.')) {
        module.exports.set(target.split('.').at(-1)!, { kind: 'expr', node: right, scope });
      }
    }
  }
  return module;
}

/** The bindings an import declaration makes, each naming what it takes from its source. */
function declareImports(statement: ImportDeclaration, scope: Scope): void {
  for (const specifier of statement.specifiers) {
    const name =
      specifier.type === 'ImportDefaultSpecifier'
        ? 'default'
        : specifier.type === 'ImportNamespaceSpecifier'
          ? '*'
          : specifier.imported.type === 'Identifier'
            ? specifier.imported.name
            : String(specifier.imported.value);
    scope.vars.set(specifier.local.name, {
      kind: 'import',
      source: statement.source.value,
      name,
      module: scope.module,
    });
  }
}

/** `export function`, `export const`, `export { a as b }` and `export { a } from '…'`. */
function exportNamed(statement: ExportNamedDeclaration, scope: Scope): void {
  const { module } = scope;
  const declaration = statement.declaration;
  if (declaration?.type === 'FunctionDeclaration' && declaration.id) {
    const binding = scope.vars.get(declaration.id.name);
    if (binding) module.exports.set(declaration.id.name, binding);
  }
  if (declaration?.type === 'VariableDeclaration') {
    for (const declarator of declaration.declarations) {
      if (declarator.id.type === 'Identifier') {
        const binding = scope.vars.get(declarator.id.name);
        if (binding) module.exports.set(declarator.id.name, binding);
      }
    }
  }
  for (const specifier of statement.specifiers) {
    const local =
      specifier.local.type === 'Identifier' ? specifier.local.name : String(specifier.local.value);
    const exported =
      specifier.exported.type === 'Identifier' ? specifier.exported.name : String(specifier.exported.value);
    const binding =
      statement.source === null
        ? scope.vars.get(local)
        : ({ kind: 'import', source: statement.source.value, name: local, module } as const);
    if (binding) module.exports.set(exported, binding);
  }
}

/** `const` / `let` / `var` / function declarations of a statement list, in that scope. */
export function declare(scope: Scope, body: readonly Statement[]): void {
  for (const statement of body) {
    const declaration =
      statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration'
        ? statement.declaration
        : statement;
    if (declaration?.type === 'FunctionDeclaration' && declaration.id) {
      scope.vars.set(declaration.id.name, { kind: 'value', value: new StaticFunction(declaration, scope) });
    }
    if (declaration?.type !== 'VariableDeclaration') continue;
    for (const declarator of declaration.declarations) {
      const init = declarator.init;
      if (declarator.id.type === 'Identifier') {
        if (init === null) continue;
        const required = requireSource(init);
        scope.vars.set(
          declarator.id.name,
          required === undefined
            ? { kind: 'expr', node: init, scope }
            : { kind: 'import', source: required, name: 'default', module: scope.module },
        );
      } else if (declarator.id.type === 'ObjectPattern' && init !== null) {
        // const { resolve } = require('node:path')
        const required = requireSource(init);
        for (const property of declarator.id.properties) {
          if (property.type !== 'Property' || property.value.type !== 'Identifier') continue;
          const key = property.key.type === 'Identifier' ? property.key.name : '';
          if (required !== undefined) {
            scope.vars.set(property.value.name, {
              kind: 'import',
              source: required,
              name: key,
              module: scope.module,
            });
          } else {
            scope.vars.set(property.value.name, { kind: 'member', node: init, key, scope });
          }
        }
      }
    }
  }
}

/** `require('x')` → 'x'. CommonJS `require` of a local module reads its `module.exports`. */
function requireSource(node: Expression): string | undefined {
  if (node.type !== 'CallExpression' || node.callee.type !== 'Identifier' || node.callee.name !== 'require')
    return;
  const [argument] = node.arguments;
  return argument?.type === 'Literal' && typeof argument.value === 'string' ? argument.value : undefined;
}

export function countReturns(statements: readonly Statement[]): number {
  let count = 0;
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const child of node) visit(child);
      return;
    }
    const type = (node as { type?: string }).type;
    if (type === 'FunctionDeclaration' || type === 'FunctionExpression' || type === 'ArrowFunctionExpression')
      return;
    if (type === 'ReturnStatement') count++;
    for (const [key, child] of Object.entries(node)) if (key !== 'parent') visit(child);
  };
  visit(statements);
  return count;
}

export function lineOf(module: Module, offset: number): number {
  let low = 0;
  let high = module.lineStarts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (module.lineStarts[mid]! <= offset) low = mid;
    else high = mid - 1;
  }
  return low + 1;
}

export function sourceName(node: Expression): string {
  if (node.type === 'Identifier') return node.name;
  if (node.type === 'MemberExpression' && !node.computed && node.property.type === 'Identifier') {
    return `${sourceName(node.object)}.${node.property.name}`;
  }
  if (node.type === 'CallExpression') return `${sourceName(node.callee)}()`;
  return node.type === 'MetaProperty' ? 'import.meta' : '…';
}

const MUTATING_METHODS = new Set([
  'push',
  'pop',
  'shift',
  'unshift',
  'splice',
  'sort',
  'reverse',
  'fill',
  'set',
  'add',
  'delete',
  'clear',
]);

/**
 * Names the file changes after declaring them: evaluating their initializer would be wrong, so the
 * evaluator reads them as unknown. Scope-blind on purpose: a same-named variable elsewhere only costs a
 * warning.
 */
function mutations(program: Program): Map<string, number> {
  const out = new Map<string, number>();
  const mark = (node: unknown, at: number): void => {
    const name = rootName(node);
    if (name !== undefined && !out.has(name)) out.set(name, at);
  };
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const child of node) visit(child);
      return;
    }
    const n = node as { type?: string; start: number; [key: string]: unknown };
    if (n.type === 'AssignmentExpression' || n.type === 'UpdateExpression')
      mark(n.left ?? n.argument, n.start);
    else if (n.type === 'UnaryExpression' && n.operator === 'delete') mark(n.argument, n.start);
    else if (n.type === 'CallExpression') {
      const callee = n.callee as { type?: string; property?: { name?: string }; object?: unknown };
      const method = callee.type === 'MemberExpression' ? callee.property?.name : undefined;
      const target = sourceName(callee as Expression);
      if (method !== undefined && MUTATING_METHODS.has(method)) mark(callee.object, n.start);
      if (target === 'Object.assign' || target === 'Object.defineProperty' || target === 'Reflect.set') {
        mark((n.arguments as unknown[])[0], n.start);
      }
    }
    for (const [key, child] of Object.entries(n)) if (key !== 'parent') visit(child);
  };
  visit(program.body);
  return out;
}

/** `a.b[c].d` → 'a'. */
function rootName(node: unknown): string | undefined {
  let current = node as { type?: string; name?: string; object?: unknown; expression?: unknown } | undefined;
  while (current) {
    if (current.type === 'Identifier') return current.name;
    if (current.type === 'MemberExpression') current = current.object as typeof current;
    else if (
      current.type === 'ChainExpression' ||
      current.type?.startsWith('TS') ||
      current.type === 'ParenthesizedExpression'
    ) {
      current = current.expression as typeof current;
    } else return undefined;
  }
  return undefined;
}
