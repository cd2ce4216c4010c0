import { dirname, extname, resolve } from 'node:path';
import type { Expression, Function as FunctionNode, ObjectExpression } from 'oxc-parser';
import { parseSync } from 'oxc-parser';
import { readInput } from '../inputs.ts';
import { isPathLike } from '../project-files.ts';
import { callBuiltin, importedBuiltin, member, moduleValue } from './builtins.ts';
import { loadJson } from './json.ts';
import {
  type Binding,
  buildModule,
  countReturns,
  declare,
  lineOf,
  type Module,
  resolveImport,
  Scope,
  sourceName,
} from './module.ts';
import {
  Builtin,
  isObject,
  isPrimitive,
  mergeConfig,
  StaticFunction,
  type StaticObject,
  StaticRegExp,
  type StaticValue,
  truthy,
  UNKNOWN_KEYS,
  Unknown,
} from './values.ts';

export interface LoadOptions {
  /** The folder the runner starts in: `process.cwd()` and bare `path.resolve('x')` resolve against it. */
  cwd: string;
  /** Exports of libraries the runner knows (vitest `configDefaults`), by module and export name. */
  library?: (module: string, name: string) => StaticValue;
}

const MAX_DEPTH = 4;
const MAX_CALLS = 16;

export class Loader {
  readonly files = new Set<string>();
  private calls = 0;
  private readonly modules = new Map<string, Module | Unknown>();

  constructor(private readonly options: LoadOptions) {}

  exported(file: string, name: string, depth: number, from: { file: string; line: number }): StaticValue {
    if (depth > MAX_DEPTH)
      return new Unknown(`imports config modules more than ${MAX_DEPTH} deep`, from.file, from.line);
    const module = this.module(file);
    if (module instanceof Unknown) return module;
    if (name === '*') {
      const namespace: StaticObject = {};
      for (const [key, binding] of module.exports) namespace[key] = this.binding(binding, depth, from);
      return namespace;
    }
    const binding = module.exports.get(name);
    if (binding === undefined) return new Unknown(`exports no "${name}"`, file, 1);
    return this.binding(binding, depth, from);
  }

  /**
   * The config a module exports: a config function (`export default (env) => ({…})`, jest's
   * `async () => ({…})`) is called with vite's `{ command, mode }` left unknown.
   */
  configExport(value: StaticValue, file: string): StaticValue {
    if (!(value instanceof StaticFunction)) return value;
    const unknown = (reason: string): Unknown =>
      new Unknown(reason, file, lineOf(value.scope.module, value.node.start));
    const env = {
      command: unknown("depends on the config function's command"),
      mode: unknown("depends on the config function's mode"),
    };
    return this.call(value, [env], 0, unknown);
  }

  private module(file: string): Module | Unknown {
    const cached = this.modules.get(file);
    if (cached !== undefined) return cached;
    let source: string;
    try {
      source = readInput(file);
    } catch (error) {
      const result = new Unknown(`cannot be read (${(error as NodeJS.ErrnoException).code})`, file, 1);
      this.modules.set(file, result);
      return result;
    }
    this.files.add(file);
    if (extname(file) === '.json') {
      const value = loadJson(file);
      const module: Module = {
        file,
        lineStarts: [0],
        scope: undefined as never,
        exports: new Map(),
        mutated: new Map(),
      };
      module.exports.set('default', { kind: 'value', value });
      this.modules.set(file, module);
      return module;
    }
    const parsed = parseSync(file, source);
    const error = parsed.errors[0];
    if (error !== undefined) {
      const result = new Unknown(`does not parse (${error.message})`, file, 1);
      this.modules.set(file, result);
      return result;
    }
    const module = buildModule(file, source, parsed.program);
    this.modules.set(file, module);
    return module;
  }

  binding(binding: Binding, depth: number, from: { file: string; line: number }): StaticValue {
    if (binding.kind === 'value') return binding.value;
    if (binding.kind === 'import') return this.imported(binding, depth, from);
    if (binding.kind === 'member') {
      const object = this.evaluate(binding.node, binding.scope, depth);
      return member(object, binding.key, (reason) => new Unknown(reason, from.file, from.line));
    }
    if (binding.busy) return new Unknown('refers to itself', from.file, from.line);
    if (!binding.done) {
      binding.busy = true;
      binding.value = this.evaluate(binding.node, binding.scope, depth);
      binding.busy = false;
      binding.done = true;
    }
    return binding.value;
  }

  private imported(
    binding: Extract<Binding, { kind: 'import' }>,
    depth: number,
    from: { file: string; line: number },
  ): StaticValue {
    const { source, name } = binding;
    const library = this.options.library?.(source, name);
    if (library !== undefined) return library;
    const builtin = importedBuiltin(source, name);
    if (builtin !== undefined) return builtin;
    if (!isPathLike(source))
      return new Unknown(`imports "${name}" from the package "${source}"`, from.file, from.line);
    const target = resolveImport(resolve(dirname(binding.module.file), source));
    if (target === undefined)
      return new Unknown(`imports "${source}", which does not exist`, from.file, from.line);
    return this.exported(target, name, depth + 1, from);
  }

  // long: one switch over the expression kinds the evaluator knows, each case a few lines.
  evaluate(node: Expression, scope: Scope, depth: number): StaticValue {
    const module = scope.module;
    const unknown = (reason: string): Unknown => new Unknown(reason, module.file, lineOf(module, node.start));
    switch (node.type) {
      case 'Literal': {
        if ('regex' in node && node.regex) return new StaticRegExp(node.regex.pattern, node.regex.flags);
        if (typeof node.value === 'bigint') return unknown('uses a BigInt');
        return node.value as string | number | boolean | null;
      }
      case 'TemplateLiteral': {
        let text = node.quasis[0]?.value.cooked ?? '';
        for (let i = 0; i < node.expressions.length; i++) {
          const part = this.evaluate(node.expressions[i]!, scope, depth);
          if (part instanceof Unknown) return part;
          if (typeof part !== 'string' && typeof part !== 'number' && typeof part !== 'boolean') {
            return unknown('interpolates a non-literal value');
          }
          text += String(part) + (node.quasis[i + 1]?.value.cooked ?? '');
        }
        return text;
      }
      case 'ArrayExpression': {
        const out: StaticValue[] = [];
        for (const element of node.elements) {
          if (element === null) out.push(undefined);
          else if (element.type === 'SpreadElement') {
            const spread = this.evaluate(element.argument, scope, depth);
            if (spread instanceof Unknown) return spread;
            if (!Array.isArray(spread)) return unknown('spreads a value that is not an array');
            out.push(...spread);
          } else out.push(this.evaluate(element, scope, depth));
        }
        return out;
      }
      case 'ObjectExpression':
        return this.object(node, scope, depth);
      case 'Identifier':
        return this.identifier(node.name, scope, depth, unknown);
      case 'MemberExpression': {
        const object = this.evaluate(node.object, scope, depth);
        let key: StaticValue;
        if (node.computed) key = this.evaluate(node.property, scope, depth);
        else if (node.property.type === 'Identifier') key = node.property.name;
        else return unknown('reads a private field');
        if (key instanceof Unknown) return key;
        return moduleValue(member(object, String(key), unknown), module);
      }
      case 'MetaProperty': {
        return node.meta.name === 'import'
          ? new Builtin('import.meta')
          : unknown(`uses ${node.meta.name}.target`);
      }
      case 'CallExpression':
      case 'NewExpression': {
        const callee = this.evaluate(node.callee, scope, depth);
        if (callee instanceof Unknown) return unknown(`calls ${sourceName(node.callee)}()`);
        const args: StaticValue[] = [];
        for (const argument of node.arguments) {
          if (argument.type === 'SpreadElement') return unknown('spreads call arguments');
          args.push(this.evaluate(argument, scope, depth));
        }
        if (callee instanceof StaticFunction) return this.call(callee, args, depth, unknown);
        if (callee instanceof Builtin)
          return this.builtin(callee.name, node.type === 'NewExpression', args, unknown);
        return unknown(`calls ${sourceName(node.callee)}()`);
      }
      case 'ArrowFunctionExpression':
      case 'FunctionExpression':
        return new StaticFunction(node, scope);
      case 'TSAsExpression':
      case 'TSSatisfiesExpression':
      case 'TSTypeAssertion':
      case 'TSNonNullExpression':
      case 'TSInstantiationExpression':
      case 'ParenthesizedExpression':
        return this.evaluate(node.expression, scope, depth);
      case 'ChainExpression':
        return this.evaluate(node.expression as Expression, scope, depth);
      case 'UnaryExpression': {
        if (node.operator === 'void') return undefined;
        const value = this.evaluate(node.argument, scope, depth);
        if (value instanceof Unknown) return value;
        if (node.operator === '!') return !truthy(value);
        if (node.operator === '-' && typeof value === 'number') return -value;
        if (node.operator === '+' && typeof value === 'number') return value;
        return unknown(`applies ${node.operator} to a non-literal value`);
      }
      case 'BinaryExpression': {
        if (node.left.type === 'PrivateIdentifier') return unknown('uses a private field');
        const left = this.evaluate(node.left, scope, depth);
        const right = this.evaluate(node.right, scope, depth);
        if (left instanceof Unknown) return left;
        if (right instanceof Unknown) return right;
        if (!isPrimitive(left) || !isPrimitive(right)) return unknown(`applies ${node.operator} to objects`);
        if (node.operator === '+') return (left as string) + (right as string);
        if (node.operator === '===') return left === right;
        if (node.operator === '!==') return left !== right;
        return unknown(`computes ${node.operator}`);
      }
      case 'LogicalExpression': {
        const left = this.evaluate(node.left, scope, depth);
        if (left instanceof Unknown) return left;
        if (node.operator === '??') return left ?? this.evaluate(node.right, scope, depth);
        if (node.operator === '||') return truthy(left) ? left : this.evaluate(node.right, scope, depth);
        return truthy(left) ? this.evaluate(node.right, scope, depth) : left;
      }
      case 'ConditionalExpression': {
        const test = this.evaluate(node.test, scope, depth);
        if (test instanceof Unknown) return test;
        return this.evaluate(truthy(test) ? node.consequent : node.alternate, scope, depth);
      }
      case 'AwaitExpression':
        return unknown('awaits a value');
      default:
        return unknown(`uses a ${node.type}`);
    }
  }

  private object(node: ObjectExpression, scope: Scope, depth: number): StaticObject {
    const out: StaticObject = {};
    for (const property of node.properties) {
      if (property.type === 'SpreadElement') {
        const spread = this.evaluate(property.argument, scope, depth);
        if (isObject(spread)) {
          Object.assign(out, spread);
          if (spread[UNKNOWN_KEYS]) out[UNKNOWN_KEYS] = spread[UNKNOWN_KEYS];
        } else if (spread instanceof Unknown) {
          // Keys set so far may be overridden by the spread: they are unknown too.
          for (const key of Object.keys(out)) out[key] = spread;
          out[UNKNOWN_KEYS] = spread;
        }
        continue;
      }
      let key: StaticValue;
      if (property.computed) key = this.evaluate(property.key as Expression, scope, depth);
      else if (property.key.type === 'Identifier') key = property.key.name;
      else if (property.key.type === 'Literal') key = String(property.key.value);
      else continue;
      if (key instanceof Unknown) {
        out[UNKNOWN_KEYS] = key;
        continue;
      }
      out[String(key)] = property.method
        ? new StaticFunction(property.value as FunctionNode, scope)
        : property.kind !== 'init'
          ? new Unknown('uses a getter or setter', scope.module.file, lineOf(scope.module, property.start))
          : this.evaluate(property.value, scope, depth);
    }
    return out;
  }

  private identifier(
    name: string,
    scope: Scope,
    depth: number,
    unknown: (reason: string) => Unknown,
  ): StaticValue {
    const mutatedAt = scope.module.mutated.get(name);
    if (mutatedAt !== undefined)
      return unknown(`"${name}" is changed after it is declared (line ${lineOf(scope.module, mutatedAt)})`);
    const binding = scope.lookup(name);
    if (binding !== undefined)
      return this.binding(binding, depth, { file: scope.module.file, line: unknown('').line });
    if (name === 'undefined') return undefined;
    if (name === '__dirname') return dirname(scope.module.file);
    if (name === '__filename') return scope.module.file;
    if (name === 'process' || name === 'URL' || name === 'JSON') return new Builtin(name);
    if (name === 'defineConfig' || name === 'defineProject') return new Builtin('defineConfig');
    return unknown(`refers to "${name}", which is not defined in the file`);
  }

  private call(
    fn: StaticFunction,
    args: StaticValue[],
    depth: number,
    unknown: (r: string) => Unknown,
  ): StaticValue {
    if (this.calls >= MAX_CALLS) return unknown(`nests function calls more than ${MAX_CALLS} deep`);
    this.calls++;
    try {
      return this.callBody(fn, args, depth, unknown);
    } finally {
      this.calls--;
    }
  }

  private callBody(
    fn: StaticFunction,
    args: StaticValue[],
    depth: number,
    unknown: (r: string) => Unknown,
  ): StaticValue {
    const scope = new Scope(fn.scope.module, fn.scope);
    fn.node.params.forEach((param, index) => {
      const arg = args[index];
      if (param.type === 'Identifier') scope.vars.set(param.name, { kind: 'value', value: arg });
      if (param.type !== 'ObjectPattern') return;
      for (const property of param.properties) {
        if (property.type !== 'Property' || property.value.type !== 'Identifier') continue;
        const key = property.key.type === 'Identifier' ? property.key.name : '';
        scope.vars.set(property.value.name, { kind: 'value', value: member(arg, key, unknown) });
      }
    });
    const body = fn.node.body;
    if (body === null) return unknown('calls a function without a body');
    if (body.type !== 'BlockStatement') return this.evaluate(body, scope, depth);
    declare(scope, body.body);
    const returns = body.body.filter((statement) => statement.type === 'ReturnStatement');
    if (returns.length !== 1 || countReturns(body.body) !== 1)
      return unknown('returns the config conditionally');
    const argument = returns[0]!.type === 'ReturnStatement' ? returns[0]!.argument : null;
    return argument === null ? undefined : this.evaluate(argument, scope, depth);
  }

  /** defineConfig / mergeConfig need the loader (config functions, merging); the rest is ./builtins.ts. */
  private builtin(
    name: string,
    isNew: boolean,
    args: StaticValue[],
    unknown: (reason: string) => Unknown,
  ): StaticValue {
    if (name === 'defineConfig') {
      // Playwright's defineConfig(base, ...more) merges by its own rules (projects by name).
      if (args.length > 1) return unknown('merges several configs in defineConfig()');
      const [config] = args;
      return config instanceof StaticFunction ? this.configExport(config, config.scope.module.file) : config;
    }
    if (name === 'mergeConfig') {
      return args.reduce<StaticValue>((merged, next) => mergeConfig(merged, next), {});
    }
    return callBuiltin(name, isNew, args, this.options.cwd, unknown);
  }
}
