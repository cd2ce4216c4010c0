import { forEachChild, type Node } from './ast.ts';

export const UNCOVERED_MARK = ' /* ❌ not covered */';
const CONTEXT_AROUND = 2;

export interface ShownLines {
  text: string;
  startLine: number;
  endLine: number;
  /** Lines suffixed with UNCOVERED_MARK; when elided, shown with a little context around them. */
  uncovered?: readonly number[];
  /** At most this many lines are shown whole; a longer stretch is elided. */
  maxLines: number;
  /** When elided: lines always kept (member names, see memberLines). */
  anchors?: readonly number[];
  /** When elided: leading lines always kept (the signature; 1 by default). */
  head?: number;
}

/**
 * Lines `startLine`…`endLine` of `text`, uncovered ones marked. A stretch longer than `maxLines` keeps only
 * its head, its anchors and its uncovered lines with their context; every cut says how many lines it hid.
 */
export function showLines(options: ShownLines): string {
  const lines = options.text.split('\n');
  const uncovered = new Set(options.uncovered ?? []);
  const end = Math.min(options.endLine, lines.length);
  const show = (line: number): string =>
    `${lines[line - 1]!.replace(/\r$/, '')}${uncovered.has(line) ? UNCOVERED_MARK : ''}`;
  const out: string[] = [];
  if (end - options.startLine + 1 <= options.maxLines) {
    for (let line = options.startLine; line <= end; line++) out.push(show(line));
    return out.join('\n');
  }
  const keep = new Set<number>(options.anchors ?? []);
  for (let i = 0; i < (options.head ?? 1); i++) keep.add(options.startLine + i);
  for (const line of uncovered)
    for (let l = line - CONTEXT_AROUND; l <= line + CONTEXT_AROUND; l++) keep.add(l);
  let skipped = 0;
  for (let line = options.startLine; line <= end; line++) {
    if (keep.has(line)) {
      if (skipped > 0) out.push(`// … ${skipped} line(s) not shown`);
      skipped = 0;
      out.push(show(line));
    } else skipped++;
  }
  if (skipped > 0) out.push(`// … ${skipped} line(s) not shown`);
  return out.join('\n');
}

/**
 * Lines where a member name is written inside `node`: properties of returned object literals (an arrow's
 * `=> ({ … })` too), class members, interface and type-literal members, enum members. An elision keeps
 * them, so a cut body never hides what the code under test hands back.
 */
export function memberLines(node: Node, lineOf: (offset: number) => number): number[] {
  const lines = new Set<number>();
  const members = (list: Node[] | undefined): void => {
    for (const member of list ?? [])
      if (member && typeof member.start === 'number') lines.add(lineOf(member.start));
  };
  const objectOf = (value: Node): Node | undefined => {
    let n = value;
    while (
      n &&
      (n.type === 'ParenthesizedExpression' ||
        n.type === 'TSAsExpression' ||
        n.type === 'TSSatisfiesExpression')
    )
      n = n.expression;
    return n?.type === 'ObjectExpression' ? n : undefined;
  };
  const visit = (n: Node): void => {
    if (!n || typeof n.type !== 'string') return;
    if (n.type === 'ReturnStatement' && objectOf(n.argument)) {
      lines.add(lineOf(n.start));
      members(objectOf(n.argument)?.properties);
    } else if (n.type === 'ArrowFunctionExpression' && n.expression) members(objectOf(n.body)?.properties);
    else if (n.type === 'ClassBody' || n.type === 'TSInterfaceBody') members(n.body);
    else if (n.type === 'TSTypeLiteral') members(n.members);
    else if (n.type === 'TSEnumBody') members(n.members);
    forEachChild(n, visit);
  };
  visit(node);
  return [...lines].sort((a, b) => a - b);
}
