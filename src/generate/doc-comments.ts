import type { Node, ParsedSource, Unit } from './ast.ts';

/** Most lines of doc comments shown for one function (its overloads' included). */
const MAX_DOC_LINES = 40;
/** ` * @example`: a tag line that introduces the lines after it, kept even when repeated. */
const TAG_ONLY = /^\s*\* @\w+\s*$/;

/**
 * The JSDoc of a unit as written (`@deprecated`, `@example` and all): its own, and, for a function whose
 * overload signatures come first (`function f(a): A; function f(a, b): B; function f(...args) {…}`), each
 * overload's, which is where libraries document it. Undefined when it has none.
 */
export function docComments(parsed: ParsedSource, unit: Unit): string | undefined {
  const starts = [...overloadsOf(parsed, unit).map((o) => o.start), unit.start];
  const blocks: string[] = [];
  const seen = new Set<string>();
  for (const start of starts) {
    const doc = docBefore(parsed, start);
    if (doc === undefined) continue;
    // Overloads repeat most of one another's text (data-first, data-last): each line is said once.
    const lines = doc.split('\n');
    const first = blocks.length === 0;
    const keep = (line: string, i: number): boolean =>
      first ||
      i === 0 ||
      i === lines.length - 1 ||
      TAG_ONLY.test(line) ||
      (/\w/.test(line) && !seen.has(line.trim()));
    const fresh = lines.filter(keep);
    for (const line of lines) if (/\w/.test(line)) seen.add(line.trim());
    if (fresh.some((line, i) => i > 0 && i < fresh.length - 1 && /\w/.test(line)))
      blocks.push(fresh.join('\n'));
  }
  if (blocks.length === 0) return undefined;
  const lines = blocks.join('\n').split('\n');
  if (lines.length <= MAX_DOC_LINES) return lines.join('\n');
  // A deprecation is never cut: it decides whether a test should call the function at all.
  const cut = lines.slice(MAX_DOC_LINES);
  const deprecated = cut.filter((line) => /@deprecated|\bDEPRECATED\b/.test(line));
  const more = cut.length - deprecated.length;
  return [
    ...lines.slice(0, MAX_DOC_LINES),
    ...deprecated,
    ...(more > 0 ? [` * … ${more} more line(s) of doc comments`] : []),
    ' */',
  ].join('\n');
}

/** The `/** … *\/` comment that ends right before `offset` (only white space between), re-indented. */
function docBefore(parsed: ParsedSource, offset: number): string | undefined {
  let found: { value: string; start: number; end: number } | undefined;
  for (const comment of parsed.comments) {
    if (comment.end > offset) break;
    found = comment;
  }
  if (!found?.value.startsWith('*') || parsed.text.slice(found.end, offset).trim() !== '') return undefined;
  const text = parsed.text.slice(found.start, found.end);
  return text
    .split('\n')
    .map((line, i) => (i === 0 ? line : ` ${line.trimStart()}`))
    .join('\n');
}

/**
 * The overload signatures (`TSDeclareFunction` statements, `export`ed or not) just before a top-level
 * function's implementation: `start` is the statement's, `signature` the declaration node.
 */
export function overloadsOf(parsed: ParsedSource, unit: Unit): { start: number; signature: Node }[] {
  const body = parsed.program.body as Node[];
  const index = body.findIndex((statement) => statement.start === unit.start);
  const out: { start: number; signature: Node }[] = [];
  for (let i = index - 1; i >= 0; i--) {
    const statement = body[i];
    const decl = statement.type === 'ExportNamedDeclaration' ? statement.declaration : statement;
    if (decl?.type !== 'TSDeclareFunction' || decl.id?.name !== unit.symbol) break;
    out.unshift({ start: statement.start, signature: decl });
  }
  return out;
}
