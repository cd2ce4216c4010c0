import type { Node, ParsedSource, Unit } from './ast.ts';

// The same-file functions a target reaches: a wrapper such as `return purry(impl, args)` does its work in
// `impl`, which a test of the wrapper runs and a model has to see.

/** Most callees followed from one target (nearest first): the prompt has to stay small. */
const MAX_CALLEES = 6;

/**
 * The same-file units `unit` calls or passes on (`purry(impl, args)` counts: the wrapper runs it), then
 * the ones those reach, breadth first, at most `limit`. `this.x` inside a class method is that class's
 * `x`. The unit itself is never its own callee.
 */
export function sameFileCallees(parsed: ParsedSource, unit: Unit, limit = MAX_CALLEES): Unit[] {
  const byName = new Map<string, Unit>();
  for (const candidate of parsed.units) byName.set(candidate.symbol, candidate);
  const seen = new Set<Unit>([unit]);
  const out: Unit[] = [];
  const queue: Unit[] = [unit];
  for (let current = queue.shift(); current !== undefined; current = queue.shift()) {
    for (const name of referencedNames(current)) {
      const callee = byName.get(name);
      if (callee === undefined || seen.has(callee)) continue;
      seen.add(callee);
      if (out.length >= limit) return out;
      out.push(callee);
      queue.push(callee);
    }
  }
  return out;
}

/**
 * The exported units through which a non-exported `unit` runs (those whose same-file callees include
 * it), nearest first: what a test imports to reach it.
 */
export function exportedCallers(
  parsed: ParsedSource,
  unit: Unit,
  exportedAs: ReadonlyMap<string, string>,
): Unit[] {
  return parsed.units.filter(
    (candidate) =>
      candidate !== unit &&
      exportedAs.has(candidate.symbol.split('.')[0]!) &&
      sameFileCallees(parsed, candidate, Number.POSITIVE_INFINITY).includes(unit),
  );
}

/** Names a unit's body refers to, in source order: plain identifiers and, in a class, `this.x` as `Class.x`. */
function referencedNames(unit: Unit): string[] {
  const owner = unit.symbol.includes('.') ? unit.symbol.slice(0, unit.symbol.lastIndexOf('.')) : undefined;
  return namesReferencedIn(unit.fn.body, owner);
}

/**
 * Names `node` refers to, in source order (type annotations skipped): plain identifiers and, when `owner`
 * is a class, `this.x` as `owner.x`.
 */
export function namesReferencedIn(node: Node, owner?: string): string[] {
  const names: string[] = [];
  const visit = (node: Node, parent: Node | undefined, key: string): void => {
    if (!node || typeof node.type !== 'string') return;
    if (node.type === 'Identifier' && !isNameOnly(parent, key)) names.push(node.name);
    if (
      owner !== undefined &&
      node.type === 'MemberExpression' &&
      node.object?.type === 'ThisExpression' &&
      !node.computed &&
      node.property?.type === 'Identifier'
    )
      names.push(`${owner}.${node.property.name}`);
    for (const childKey in node) {
      if (childKey === 'type' || childKey === 'start' || childKey === 'end' || childKey === 'typeAnnotation')
        continue;
      const value = node[childKey];
      if (Array.isArray(value)) for (const item of value) visit(item, node, childKey);
      else if (value && typeof value === 'object') visit(value, node, childKey);
    }
  };
  visit(node, undefined, '');
  return names;
}

/** An identifier that names a property or a label rather than referring to a binding. */
function isNameOnly(parent: Node | undefined, key: string): boolean {
  if (!parent) return false;
  if (parent.type === 'MemberExpression') return key === 'property' && !parent.computed;
  if (
    parent.type === 'Property' ||
    parent.type === 'MethodDefinition' ||
    parent.type === 'PropertyDefinition'
  )
    return key === 'key' && !parent.computed && !parent.shorthand;
  return (
    parent.type === 'LabeledStatement' ||
    parent.type === 'BreakStatement' ||
    parent.type === 'ContinueStatement'
  );
}
