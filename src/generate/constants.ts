import { type Node, type ParsedSource, type Unit, unwrap } from './ast.ts';
import { namesReferencedIn } from './callees.ts';
import { memberLines, showLines } from './elide.ts';

// The module-level values a target reads (lookup tables, regexes, default options, enums, `as const`
// objects): without them a model guesses what `DEFAULTS.limit` or `PATTERN` is and asserts the guess.

export interface ModuleValue {
  /** The names the statement declares that the target reaches. */
  names: string[];
  /** The statement as written, a long one elided (its member names kept); or a line saying it was left out. */
  source: string;
}

/** Most lines of one declaration shown whole, and most lines of all of them together. */
const MAX_VALUE_LINES = 20;
const MAX_TOTAL_LINES = 80;

const FUNCTION = new Set(['FunctionExpression', 'ArrowFunctionExpression', 'ClassExpression']);

interface Declared {
  statement: Node;
  /** The declaration inside an `export`: what memberLines reads. */
  decl: Node;
  names: string[];
  /** What its initializers refer to: a table built from another constant needs that one too. */
  reads: string[];
}

/**
 * The same-file `const`/`let`/`var` declarations and enums that `units` (the target and its callees)
 * read, directly or through another such value, in source order. Functions are not values here (they
 * are callees). Past the line budget a value is left out and the last entry says which ones were.
 */
export function moduleValues(parsed: ParsedSource, units: readonly Unit[]): ModuleValue[] {
  const declared = declarations(parsed);
  const byName = new Map<string, Declared>();
  for (const entry of declared) for (const name of entry.names) byName.set(name, entry);
  const reached = new Map<Declared, Set<string>>();
  const queue: string[] = units.flatMap((unit) => namesReferencedIn(unit.fn));
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    const entry = byName.get(name);
    if (entry === undefined) continue;
    const names = reached.get(entry);
    if (names?.has(name)) continue;
    if (names) names.add(name);
    else {
      reached.set(entry, new Set([name]));
      queue.push(...entry.reads);
    }
  }
  const out: ModuleValue[] = [];
  const left: string[] = [];
  let budget = MAX_TOTAL_LINES;
  for (const entry of declared) {
    const names = reached.get(entry);
    if (names === undefined) continue;
    const source = render(parsed, entry);
    const lines = source.split('\n').length;
    if (lines > budget) {
      left.push(...names);
      continue;
    }
    budget -= lines;
    out.push({ names: [...names], source });
  }
  if (left.length > 0)
    out.push({ names: left, source: `// … not shown (too long for this prompt): ${left.join(', ')}` });
  return out;
}

/** Top-level value declarations (exported or not) that are not functions or classes. */
function declarations(parsed: ParsedSource): Declared[] {
  const out: Declared[] = [];
  for (const statement of parsed.program.body as Node[]) {
    const decl =
      statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration'
        ? statement.declaration
        : statement;
    if (!decl) continue;
    if (decl.type === 'TSEnumDeclaration' && decl.id?.name && !decl.declare) {
      const members = (decl.body?.members ?? decl.members ?? []) as Node[];
      const reads = members.flatMap((member) =>
        member.initializer ? namesReferencedIn(member.initializer) : [],
      );
      out.push({ statement, decl, names: [decl.id.name], reads });
    } else if (decl.type === 'VariableDeclaration' && !decl.declare) {
      const names: string[] = [];
      const reads: string[] = [];
      for (const declarator of decl.declarations as Node[]) {
        const init = unwrap(declarator.init);
        if (init && (FUNCTION.has(init.type) || onlyMethods(init))) continue;
        names.push(...boundNames(declarator.id));
        if (declarator.init) reads.push(...namesReferencedIn(declarator.init));
      }
      if (names.length > 0) out.push({ statement, decl, names, reads });
    }
  }
  return out;
}

/** An object literal whose every property is a function: its methods are units of their own. */
function onlyMethods(init: Node): boolean {
  const properties = (init.type === 'ObjectExpression' ? init.properties : undefined) as Node[] | undefined;
  return (
    properties !== undefined &&
    properties.length > 0 &&
    properties.every((p) => p.type === 'Property' && FUNCTION.has(unwrap(p.value)?.type))
  );
}

/** The names a binding pattern declares (`a`, `{ a, b: c }` → c, `[d, ...e]`). */
function boundNames(pattern: Node): string[] {
  if (!pattern) return [];
  switch (pattern.type) {
    case 'Identifier':
      return [pattern.name];
    case 'ObjectPattern':
      return (pattern.properties as Node[]).flatMap((p) =>
        boundNames(p.type === 'RestElement' ? p : p.value),
      );
    case 'ArrayPattern':
      return (pattern.elements as Node[]).flatMap((e) => boundNames(e));
    case 'RestElement':
      return boundNames(pattern.argument);
    case 'AssignmentPattern':
      return boundNames(pattern.left);
    default:
      return [];
  }
}

/**
 * The statement, elided past MAX_VALUE_LINES: the names of its members (object keys, enum members) are
 * kept, and the first member of an object whole, so the shape of its entries shows too.
 */
function render(parsed: ParsedSource, entry: Declared): string {
  const anchors = new Set(memberLines(entry.decl, parsed.lineOf));
  for (const declarator of (entry.decl.declarations ?? []) as Node[]) {
    const init = unwrap(declarator.init);
    if (init?.type !== 'ObjectExpression') continue;
    const properties = init.properties as Node[];
    for (const property of properties) anchors.add(parsed.lineOf(property.start));
    const first = properties[0];
    if (first)
      for (let line = parsed.lineOf(first.start); line <= parsed.lineOf(first.end - 1); line++)
        anchors.add(line);
  }
  return showLines({
    text: parsed.text,
    startLine: parsed.lineOf(entry.statement.start),
    endLine: parsed.lineOf(entry.statement.end - 1),
    maxLines: MAX_VALUE_LINES,
    head: 1,
    anchors: [...anchors, parsed.lineOf(entry.statement.end - 1)],
  });
}
