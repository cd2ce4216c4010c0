import { posix } from 'node:path';
import { parseSync } from 'oxc-parser';

interface Node {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

interface Specifier extends Node {
  local: { name: string };
}

/**
 * The candidate without the import bindings it never uses (a model imports `vi` or `describe` out of
 * habit; `noUnusedLocals` and linters reject them): a safe fix, made before type-check and lint. An import
 * left with no binding goes; a side-effect import (`import './setup'`) stays. Code that does not parse is
 * returned as it is (the runner says why).
 */
export function removeUnusedImports(file: string, code: string): string {
  const parsed = parseSync(posix.basename(file), code);
  if (parsed.errors.some((error) => error.severity === 'Error')) return code;
  const body = parsed.program.body as unknown as Node[];
  const imports = body.filter((node) => node.type === 'ImportDeclaration');
  if (imports.length === 0) return code;
  const used = new Set<string>();
  for (const node of body) if (node.type !== 'ImportDeclaration') collectNames(node, used);
  // JSX under the classic runtime calls React.createElement (or the @jsx pragma's function) unnamed.
  if (used.has(JSX_USED)) {
    used.add('React');
    for (const pragma of code.matchAll(/@jsx(?:Frag)?\s+([A-Za-z_$][\w$]*)/g)) used.add(pragma[1]!);
  }
  let out = code;
  // From the last import to the first: earlier offsets stay valid.
  for (const declaration of imports.reverse()) {
    const specifiers = declaration.specifiers as Specifier[];
    if (specifiers.length === 0) continue;
    const kept = specifiers.filter((specifier) => used.has(specifier.local.name));
    if (kept.length === specifiers.length) continue;
    const replacement = kept.length === 0 ? '' : rebuild(code, declaration, kept);
    let end = declaration.end;
    if (replacement === '' && out[end] === '\n') end++;
    out = out.slice(0, declaration.start) + replacement + out.slice(end);
  }
  return out;
}

/** The import with only `kept`, each written as it was (aliases, inline `type`), quotes and attributes kept. */
function rebuild(code: string, declaration: Node, kept: Specifier[]): string {
  const text = (node: Node) => code.slice(node.start, node.end);
  const source = declaration.source as Node;
  const head = declaration.importKind === 'type' ? 'import type ' : 'import ';
  const first = kept.filter((s) => s.type !== 'ImportSpecifier').map(text);
  const named = kept.filter((s) => s.type === 'ImportSpecifier').map(text);
  const parts = [...first, ...(named.length > 0 ? [`{ ${named.join(', ')} }`] : [])];
  return `${head}${parts.join(', ')} from ${code.slice(source.start, declaration.end)}`;
}

/** Not an identifier: marks code with JSX elements. */
const JSX_USED = ' jsx';

/** Every identifier name outside the imports (references, types, JSX): a superset of what is used. */
function collectNames(node: unknown, names: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectNames(item, names);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const record = node as Record<string, unknown>;
  if ((record.type === 'Identifier' || record.type === 'JSXIdentifier') && typeof record.name === 'string')
    names.add(record.name);
  if (record.type === 'JSXElement' || record.type === 'JSXFragment') names.add(JSX_USED);
  for (const [key, value] of Object.entries(record)) {
    if (key !== 'type' && typeof value === 'object') collectNames(value, names);
  }
}
