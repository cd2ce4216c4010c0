import { keyName, memberPath, type Node, type ParsedSource, unwrap } from './ast.ts';

export interface ExportList {
  /** One line per export: what a test can import, with its signature. */
  signatures: string[];
  /** Local top-level name → the name it is exported as ('default' for the default export). */
  names: Map<string, string>;
}

const FUNCTION = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);
const MAX_SIGNATURE = 240;

/** The exports of a module (ESM, or CommonJS when it has no ESM exports), each as one short line. */
export function listExports(parsed: ParsedSource): ExportList {
  const text = parsed.text;
  const slice = (start: number, end: number): string => oneLine(text.slice(start, end));
  const head = (node: Node, fn: Node): string => slice(node.start, fn.body ? fn.body.start : node.end);
  const locals = localSignatures(parsed, slice, head);
  const out: ExportList = { signatures: [], names: new Map() };
  const push = (signature: string): void => {
    out.signatures.push(
      signature.length > MAX_SIGNATURE ? `${signature.slice(0, MAX_SIGNATURE - 1)}…` : signature,
    );
  };

  for (const statement of parsed.program.body as Node[]) {
    if (statement.type === 'ExportNamedDeclaration') {
      const decl = statement.declaration;
      if (decl) {
        for (const name of declaredNames(decl)) out.names.set(name, name);
        if (decl.type === 'VariableDeclaration') {
          for (const d of decl.declarations as Node[])
            push(`export ${decl.kind} ${variableSignature(d, slice)}`);
        } else if (decl.type === 'ClassDeclaration') push(`export ${classSignature(decl, slice, head)}`);
        else if (decl.type === 'FunctionDeclaration' || decl.type === 'TSDeclareFunction')
          push(head(statement, decl));
        else push(slice(statement.start, statement.end));
      } else if (statement.source) push(slice(statement.start, statement.end));
      else {
        for (const specifier of statement.specifiers as Node[]) {
          const local = keyName(specifier.local) ?? '';
          const exported = keyName(specifier.exported) ?? local;
          out.names.set(local, exported);
          const signature = locals.get(local);
          push(
            `export { ${local === exported ? local : `${local} as ${exported}`} }${signature ? ` // ${signature}` : ''}`,
          );
        }
      }
    } else if (statement.type === 'ExportDefaultDeclaration') {
      const decl = statement.declaration;
      if (decl.id?.name) out.names.set(decl.id.name, 'default');
      else if (decl.type === 'Identifier') out.names.set(decl.name, 'default');
      // An anonymous default (`export default (value) => …`, a class or object literal) is the unit
      // named `default` (see ast.ts): exported, and imported as the default.
      else out.names.set('default', 'default');
      if (FUNCTION.has(decl.type)) push(head(statement, decl));
      else if (decl.type === 'ClassDeclaration' || decl.type === 'ClassExpression')
        push(`export default ${classSignature(decl, slice, head)}`);
      else {
        const local = decl.type === 'Identifier' ? locals.get(decl.name) : undefined;
        push(
          local
            ? `export default ${decl.name} // ${local}`
            : short(`export default ${slice(decl.start, decl.end)}`),
        );
      }
    } else if (statement.type === 'ExportAllDeclaration' || statement.type === 'TSExportAssignment') {
      push(slice(statement.start, statement.end));
    }
  }
  if (out.signatures.length === 0) commonJsExports(parsed, out, locals, slice, head, push);
  return out;
}

function commonJsExports(
  parsed: ParsedSource,
  out: ExportList,
  locals: Map<string, string>,
  slice: (start: number, end: number) => string,
  head: (node: Node, fn: Node) => string,
  push: (signature: string) => void,
): void {
  for (const statement of parsed.program.body as Node[]) {
    const expr = statement.type === 'ExpressionStatement' ? statement.expression : undefined;
    if (expr?.type !== 'AssignmentExpression') continue;
    const target = memberPath(expr.left);
    const value = unwrap(expr.right);
    if (target === 'module.exports') {
      if (value?.type === 'ObjectExpression') {
        for (const property of value.properties as Node[]) {
          const key = property.type === 'Property' ? keyName(property.key) : undefined;
          if (key === undefined) continue;
          const v = unwrap(property.value);
          out.names.set(v?.type === 'Identifier' ? v.name : key, key);
          if (FUNCTION.has(v?.type) && property.method) push(`module.exports.${head(property, v)}`);
          else if (FUNCTION.has(v?.type)) push(`module.exports.${key} = ${head(v, v)}`);
          else if (v?.type === 'Identifier' && locals.has(v.name))
            push(`module.exports.${key} // ${locals.get(v.name)}`);
          else push(`module.exports.${key}`);
        }
      } else {
        if (value?.type === 'Identifier') out.names.set(value.name, 'default');
        else if (value?.id?.name) out.names.set(value.id.name, 'default');
        const local = value?.type === 'Identifier' ? locals.get(value.name) : undefined;
        push(
          local
            ? `module.exports = ${value.name} // ${local}`
            : FUNCTION.has(value?.type)
              ? head(statement, value)
              : short(slice(statement.start, statement.end)),
        );
      }
      continue;
    }
    const name = /^(?:module\.)?exports\.([\w$]+)$/.exec(target ?? '')?.[1];
    if (name === undefined) continue;
    out.names.set(value?.type === 'Identifier' ? value.name : name, name);
    const local = value?.type === 'Identifier' ? locals.get(value.name) : undefined;
    if (FUNCTION.has(value?.type)) push(head(statement, value));
    else
      push(
        short(
          `${slice(statement.start, statement.end).replace(/;$/, '')}${local ? ` // ${local}` : ''}`,
          200,
        ),
      );
  }
}

/** Signatures of top-level declarations, for `export { a }` and `module.exports = { a }`. */
function localSignatures(
  parsed: ParsedSource,
  slice: (start: number, end: number) => string,
  head: (node: Node, fn: Node) => string,
): Map<string, string> {
  const locals = new Map<string, string>();
  for (const statement of parsed.program.body as Node[]) {
    if (statement.type === 'FunctionDeclaration') locals.set(statement.id?.name, head(statement, statement));
    else if (statement.type === 'ClassDeclaration')
      locals.set(statement.id?.name, classSignature(statement, slice, head));
    else if (statement.type === 'VariableDeclaration') {
      for (const d of statement.declarations as Node[]) {
        if (d.id?.type === 'Identifier')
          locals.set(d.id.name, `${statement.kind} ${variableSignature(d, slice)}`);
      }
    }
  }
  return locals;
}

function declaredNames(decl: Node): string[] {
  if (decl.type === 'VariableDeclaration')
    return (decl.declarations as Node[]).flatMap((d) => (d.id?.type === 'Identifier' ? [d.id.name] : []));
  return decl.id?.name ? [decl.id.name] : [];
}

function variableSignature(declarator: Node, slice: (start: number, end: number) => string): string {
  const init = unwrap(declarator.init);
  const id = slice(declarator.id.start, declarator.id.end);
  if (init && FUNCTION.has(init.type)) return `${id} = ${slice(init.start, init.body.start)}`.trimEnd();
  if (declarator.id.typeAnnotation) return id;
  if (!init) return id;
  if (init.type === 'ObjectExpression') {
    const members = (init.properties as Node[]).map((property) => {
      const key = property.type === 'Property' ? keyName(property.key) : undefined;
      if (key === undefined) return '…';
      const value = unwrap(property.value);
      if (!FUNCTION.has(value?.type)) return key;
      return property.method
        ? slice(property.start, value.body.start)
        : `${key}: ${slice(value.start, value.body.start)}`;
    });
    return `${id} = { ${members.join('; ')} }`;
  }
  return short(`${id} = ${slice(init.start, init.end)}`);
}

function classSignature(
  cls: Node,
  slice: (start: number, end: number) => string,
  head: (node: Node, fn: Node) => string,
): string {
  const name = cls.id?.name ? ` ${cls.id.name}` : '';
  const heritage = cls.superClass ? ` extends ${slice(cls.superClass.start, cls.superClass.end)}` : '';
  const members: string[] = [];
  for (const member of (cls.body?.body ?? []) as Node[]) {
    if (member.accessibility === 'private' || member.key?.type === 'PrivateIdentifier') continue;
    if (member.type === 'MethodDefinition') members.push(`${head(member, member.value)};`);
    else if (member.type === 'PropertyDefinition') {
      const value = unwrap(member.value);
      members.push(
        FUNCTION.has(value?.type)
          ? `${slice(member.start, value.body.start)};`
          : `${slice(member.start, member.value ? member.value.start : member.end).replace(/\s*=$/, '')};`,
      );
    }
  }
  return `class${name}${heritage} { ${members.join(' ')} }`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function short(text: string, max = 100): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
