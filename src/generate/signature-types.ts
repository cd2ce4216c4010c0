import { readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { ModuleResolver } from '../graph/types.ts';
import { forEachChild, keyName, type Node, type ParsedSource, parseSource } from './ast.ts';
import { memberLines, showLines } from './elide.ts';

// The option objects, return types and enums a function's signature names, declared in its file or in
// the modules it imports (resolved as the module graph resolves them): what a model needs to build
// arguments and read results of an unfamiliar library.

export interface TypeDeclaration {
  name: string;
  /** Repository-relative file that declares it. */
  file: string;
  /** The declaration as written; a long one is elided, its member names kept. */
  source: string;
}

/** Most declarations shown for one target, and most lines of one. */
const MAX_TYPES = 8;
const MAX_TYPE_LINES = 30;
/** `export type { X } from './x'` chains followed before giving up. */
const MAX_HOPS = 3;

export interface SignatureTypesInput {
  root: string;
  file: string;
  parsed: ParsedSource;
  /** Function nodes whose parameters, type parameters and return types are read (overloads included). */
  signatures: readonly Node[];
  resolver: ModuleResolver;
}

/** Declarations of the types named in the signatures: interfaces, type aliases and enums, nearest first. */
export function signatureTypes(input: SignatureTypesInput): TypeDeclaration[] {
  const out: TypeDeclaration[] = [];
  const parsedFiles = new Map<string, ParsedSource | undefined>([[input.file, input.parsed]]);
  const parse = (file: string): ParsedSource | undefined => {
    if (!parsedFiles.has(file)) {
      let text: string | undefined;
      try {
        text = readFileSync(join(input.root, file), 'utf8');
      } catch {
        text = undefined;
      }
      parsedFiles.set(file, text === undefined ? undefined : parseSource(file, text));
    }
    return parsedFiles.get(file);
  };
  const resolve = (from: string, specifier: string): string | undefined => {
    const hit = input.resolver.resolve(join(input.root, from), specifier);
    if (hit === undefined || hit === 'external') return undefined;
    const rel = relative(input.root, hit).split(sep).join('/');
    return rel.startsWith('..') || rel.includes('node_modules/') ? undefined : rel;
  };
  for (const name of typeNames(input.signatures)) {
    if (out.length >= MAX_TYPES) break;
    const found = findDeclaration(input.file, name, parse, resolve, 0);
    if (found && !out.some((d) => d.name === found.name && d.file === found.file)) out.push(found);
  }
  return out;
}

/** Type names the signatures refer to, in order, without their own type parameters. */
function typeNames(signatures: readonly Node[]): string[] {
  const names: string[] = [];
  for (const fn of signatures) {
    const own = new Set<string>(
      ((fn.typeParameters?.params ?? []) as Node[]).map((p) => p.name?.name).filter(Boolean),
    );
    const visit = (node: Node): void => {
      if (node.type === 'TSTypeReference' && node.typeName?.type === 'Identifier') {
        const name = node.typeName.name as string;
        if (!own.has(name) && !names.includes(name)) names.push(name);
      }
      forEachChild(node, visit);
    };
    const parts = [fn.typeParameters, fn.returnType, ...((fn.params ?? []) as Node[])];
    for (const part of parts) if (part) visit(part);
  }
  return names;
}

const TYPE_DECLARATION = new Set(['TSInterfaceDeclaration', 'TSTypeAliasDeclaration', 'TSEnumDeclaration']);

function findDeclaration(
  file: string,
  name: string,
  parse: (file: string) => ParsedSource | undefined,
  resolve: (from: string, specifier: string) => string | undefined,
  hops: number,
): TypeDeclaration | undefined {
  const parsed = parse(file);
  if (!parsed || hops > MAX_HOPS) return undefined;
  for (const statement of parsed.program.body as Node[]) {
    const decl =
      statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration'
        ? statement.declaration
        : statement;
    if (decl && TYPE_DECLARATION.has(decl.type) && decl.id?.name === name) {
      const startLine = parsed.lineOf(statement.start);
      const source = showLines({
        text: parsed.text,
        startLine,
        endLine: parsed.lineOf(statement.end - 1),
        maxLines: MAX_TYPE_LINES,
        head: MAX_TYPE_LINES / 2,
        anchors: memberLines(decl, parsed.lineOf),
      });
      return { name, file, source };
    }
  }
  // Imported, or re-exported from another module: follow it there under the name it has in that module.
  for (const statement of parsed.program.body as Node[]) {
    const from = statement.source?.value as string | undefined;
    if (from === undefined) continue;
    const specifiers = (statement.specifiers ?? []) as Node[];
    let imported: string | undefined;
    if (statement.type === 'ImportDeclaration') {
      const specifier = specifiers.find((s) => s.type === 'ImportSpecifier' && s.local?.name === name);
      imported = specifier ? keyName(specifier.imported) : undefined;
    } else if (statement.type === 'ExportNamedDeclaration' && hops > 0) {
      const specifier = specifiers.find((s) => keyName(s.exported) === name);
      imported = specifier ? keyName(specifier.local) : undefined;
    } else if (statement.type === 'ExportAllDeclaration' && hops > 0 && !statement.exported) imported = name;
    if (imported === undefined) continue;
    const target = resolve(file, from);
    const found =
      target === undefined ? undefined : findDeclaration(target, imported, parse, resolve, hops + 1);
    if (found) return found;
  }
  return undefined;
}
