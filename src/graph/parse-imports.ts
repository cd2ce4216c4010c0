import { type Comment, parseSync } from 'oxc-parser';
import { escapeRegExp } from '../util/regexp.ts';
import { staticKind } from './import-kind.ts';
import type { ImportKind, ImportSpecifier, ParsedModule } from './types.ts';

export { staticKind } from './import-kind.ts';

/**
 * Lists what one file imports, as written. Reads only oxc's module record, comments and errors:
 * the ESTree `program` is never touched, so it is never `JSON.parse`d. Call forms the module record
 * does not cover (require, test-runner mocks, import.meta.glob, new URL) come from a scan of the
 * source that skips comments.
 */
export function parseImports(fileName: string, source: string): ParsedModule {
  const flavor = flavorOf(fileName);
  if (flavor === 'sfc') return parseSfc(fileName, source);
  const found = collect(fileName, source, flavor, 0);
  if (typeof found === 'string') return { imports: [], opaqueDynamicImport: false, parseError: found };
  return finish([found]);
}

type Lang = 'js' | 'jsx' | 'ts' | 'tsx' | 'dts';
interface Flavor {
  lang: Lang;
  sourceType: 'module' | 'commonjs' | 'unambiguous';
}
interface Found {
  items: { pos: number; item: ImportSpecifier }[];
  opaque: boolean;
}

const SFC = /\.(?:vue|svelte)$/i;

function flavorOf(fileName: string): Flavor | 'sfc' {
  if (SFC.test(fileName)) return 'sfc';
  const lower = fileName.toLowerCase();
  if (/\.d\.[mc]?ts$/.test(lower)) return { lang: 'dts', sourceType: 'module' };
  const ext = lower.slice(lower.lastIndexOf('.'));
  switch (ext) {
    case '.ts':
    case '.mts':
      return { lang: 'ts', sourceType: 'module' };
    case '.cts':
      return { lang: 'ts', sourceType: 'commonjs' };
    case '.mjs':
      return { lang: 'jsx', sourceType: 'module' };
    case '.cjs':
      return { lang: 'js', sourceType: 'commonjs' };
    case '.js':
    case '.jsx':
      // A .js file may be CommonJS script code (sloppy mode) or ESM: let oxc decide.
      return { lang: 'jsx', sourceType: 'unambiguous' };
    default:
      return { lang: 'tsx', sourceType: 'module' };
  }
}

// `<script` then whitespace or `>`: a `<script-setup />` component tag in the template opens no block.
const SCRIPT_BLOCK = /<script(?=[\s>])((?:[^>"']|"[^"]*"|'[^']*')*)>([\s\S]*?)<\/script\s*>/gi;
const ATTR_LANG = /\blang\s*=\s*["']?(tsx?|jsx?)\b/i;
const ATTR_SRC = /\bsrc\s*=\s*["']([^"']+)["']/i;

/** Vue and Svelte: parse each <script> block on its own; <script src> is a static import. */
function parseSfc(fileName: string, source: string): ParsedModule {
  const parts: Found[] = [];
  for (const m of source.matchAll(SCRIPT_BLOCK)) {
    const attrs = m[1] ?? '';
    const body = m[2] ?? '';
    const start = m.index + m[0].indexOf('>') + 1;
    const src = ATTR_SRC.exec(attrs)?.[1];
    if (src)
      parts.push({ items: [{ pos: m.index, item: { specifier: src, kind: 'static' } }], opaque: false });
    const lang = (ATTR_LANG.exec(attrs)?.[1]?.toLowerCase() ?? 'jsx') as Lang;
    const found = collect(`${fileName}.${lang}`, body, { lang, sourceType: 'module' }, start, source);
    if (typeof found === 'string') return { imports: [], opaqueDynamicImport: false, parseError: found };
    parts.push(found);
  }
  if (/\.vue$/i.test(fileName)) parts.push(templateComponents(source));
  return finish(parts);
}

const NON_TEMPLATE_BLOCK = /<(script|style)(?=[\s>])[\s\S]*?<\/\1\s*>/gi;
const COMPONENT_TAG = /<([A-Z][\w]*|[a-z][a-z0-9]*(?:-[a-z0-9]+)+)(?=[\s/>])/g;
const BUILT_IN_TAGS = new Set([
  'Component',
  'KeepAlive',
  'Slot',
  'Suspense',
  'Teleport',
  'Template',
  'Transition',
  'TransitionGroup',
]);

/**
 * A component a Vue template uses by name may have no import: auto-import plugins (unplugin-vue-components,
 * Nuxt) and global registration resolve `<ScriptSetup />` or `<script-setup />` to `ScriptSetup.vue`
 * somewhere in the repository. Each such tag is an edge to every same-named .vue file.
 */
function templateComponents(source: string): Found {
  const template = source.replace(NON_TEMPLATE_BLOCK, (block) => ' '.repeat(block.length));
  const items: Found['items'] = [];
  for (const m of template.matchAll(COMPONENT_TAG)) {
    const tag = m[1]!;
    const name = tag.includes('-')
      ? tag.replace(/(?:^|-)([a-z0-9])/g, (_, c: string) => c.toUpperCase())
      : tag;
    if (BUILT_IN_TAGS.has(name)) continue;
    const pattern = `/**/${name}.vue`;
    items.push({ pos: m.index, item: { specifier: pattern, kind: 'glob', pattern } });
  }
  return { items, opaque: false };
}

/** Returns the imports of one parsed unit, or the first error as one line. */
function collect(
  fileName: string,
  source: string,
  flavor: Flavor,
  offset: number,
  whole = source,
): Found | string {
  let result = parseSync(fileName, source, flavor);
  let errors = result.errors.filter((e) => e.severity === 'Error');
  if (errors.length > 0 && (flavor.lang === 'js' || flavor.lang === 'jsx') && source.includes('@flow')) {
    // Flow annotations are close enough to TypeScript for import purposes.
    const retry = parseSync(fileName, source, { lang: 'tsx', sourceType: flavor.sourceType });
    if (retry.errors.every((e) => e.severity !== 'Error')) [result, errors] = [retry, []];
  }
  const first = errors[0];
  if (first) {
    const at = first.labels[0]?.start;
    const where = at === undefined ? '' : ` (${lineCol(whole, at + offset)})`;
    return `${first.message.split('\n')[0]?.trim() ?? 'parse error'}${where}`;
  }
  const { module, comments } = result;
  const items: Found['items'] = [];
  let opaque = false;
  const add = (pos: number, specifier: string, kind: ImportKind, pattern?: string) => {
    items.push({
      pos: pos + offset,
      item: pattern === undefined ? { specifier, kind } : { specifier, kind, pattern },
    });
  };

  for (const imp of module.staticImports) {
    const spec = imp.moduleRequest.value;
    const typeOnly =
      imp.entries.length > 0
        ? imp.entries.every((e) => e.isType)
        : /^import\s+type\s*\{/.test(source.slice(imp.start, imp.moduleRequest.start));
    add(imp.start, spec, typeOnly ? 'type' : staticKind(spec));
  }
  for (const exp of module.staticExports) {
    const spec = exp.entries[0]?.moduleRequest?.value;
    if (spec === undefined) continue;
    add(exp.start, spec, exp.entries.every((e) => e.isType) ? 'type' : staticKind(spec));
  }
  const dynamicStarts = new Set(module.dynamicImports.map((d) => d.start));
  const mockImports = new Set<number>();
  if (scan(source, comments, dynamicStarts, mockImports, add)) opaque = true;
  for (const dyn of module.dynamicImports) {
    if (mockImports.has(dyn.start)) continue;
    const lit = readLiteral(source, dyn.moduleRequest.start);
    if (!lit || lit.end < dyn.moduleRequest.end) opaque = true;
    else if (lit.pattern === undefined) add(dyn.start, lit.value, 'dynamic');
    else if (isFollowable(lit.pattern)) add(dyn.start, lit.pattern, 'glob', lit.pattern);
    else opaque = true;
  }
  for (const c of comments) {
    if (c.type !== 'Line' || !c.value.startsWith('/')) continue;
    const ref = TRIPLE_SLASH.exec(c.value)?.[1];
    if (ref) add(c.start, /^\.{0,2}\//.test(ref) ? ref : `./${ref}`, 'type');
  }
  return { items, opaque };
}

const TRIPLE_SLASH = /^\/\s*<reference\s+path\s*=\s*["']([^"']+)["']/;

/**
 * require / require.resolve / require.context, vi.* and jest.* mocks, import.meta.glob, new URL, and
 * `import('…')` in type positions.
 */
const CALLS =
  /\b(?:require(?:\.resolve|\.context)?|(?:(?:vi|jest)\.(?:mock|doMock|unmock|doUnmock|importActual|importMock|requireActual|requireMock|createMockFromModule|unstable_mockModule|setMock|dontMock)|import\.meta\.glob(?:Eager)?)\s*(?:<(?:[^<>]|<[^<>]*>)*>)?|import\.meta\.resolve|import|new\s+URL)\s*\(/g;
const LOADS_CODE =
  /^(?:require|import\.meta\.resolve|(?:vi|jest)\.(?:importActual|importMock|requireActual|requireMock))\b/;

/**
 * `const load = createRequire(import.meta.url)`: ES module code that loads CommonJS through a require of
 * its own, under any name; its calls are requires like any other.
 */
const CREATE_REQUIRE =
  /\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:[A-Za-z_$][\w$]*\s*\.\s*)?createRequire\s*\(/g;

/** The names bound to `createRequire(…)` in a file, other than `require` (which CALLS already follows). */
function requireAliases(source: string, comments: Comment[]): string[] {
  const names = new Set<string>();
  CREATE_REQUIRE.lastIndex = 0;
  for (let m = CREATE_REQUIRE.exec(source); m !== null; m = CREATE_REQUIRE.exec(source)) {
    if (m[1] !== 'require' && !inComment(comments, m.index)) names.add(m[1]!);
  }
  return [...names];
}

/**
 * Adds what the module record does not list. Returns true when it saw a computed require() or
 * importActual() the graph cannot follow; records the `import(…)` inside `vi.mock(import(…))`.
 */
function scan(
  source: string,
  comments: Comment[],
  dynamicStarts: Set<number>,
  mockImports: Set<number>,
  add: (pos: number, specifier: string, kind: ImportKind, pattern?: string) => void,
): boolean {
  let opaque = false;
  const aliases = requireAliases(source, comments);
  const calls =
    aliases.length === 0
      ? CALLS
      : new RegExp(
          `(?<![\\w$.])(?:${aliases.map(escapeRegExp).join('|')})(?:\\.resolve)?\\s*\\(|${CALLS.source}`,
          'g',
        );
  calls.lastIndex = 0;
  for (let m = calls.exec(source); m !== null; m = calls.exec(source)) {
    const at = m.index;
    if (inComment(comments, at)) continue;
    // A createRequire alias is a require under another name.
    const callee = aliases.includes(/^[\w$]+/.exec(m[0])?.[0] ?? '') ? 'require(' : m[0];
    const argStart = skipTrivia(source, at + m[0].length);
    if (callee.startsWith('import.meta.glob')) {
      for (const lit of readLiterals(source, argStart)) {
        if (lit.pattern === undefined && !lit.value.startsWith('!')) add(at, lit.value, 'glob', lit.value);
      }
      continue;
    }
    if (callee.startsWith('import') && callee[6] !== '.') {
      // A TypeScript type query, `typeof import('./x')`: the module record lists only real import() calls.
      if (dynamicStarts.has(at) || source[at - 1] === '.') continue;
      const lit = readLiteral(source, argStart);
      if (lit && lit.pattern === undefined) add(at, lit.value, 'type');
      continue;
    }
    if (callee.startsWith('require.context')) {
      const lit = readLiteral(source, argStart);
      if (!lit || lit.pattern !== undefined) opaque = true;
      else {
        const recursive = !/^\s*,\s*false\b/.test(source.slice(lit.end, lit.end + 12));
        const dir = escapeGlob(lit.value.replace(/\/+$/, ''));
        const pattern = `${dir}/${recursive ? '**/*' : '*'}`;
        add(at, pattern, 'glob', pattern);
      }
      continue;
    }
    let lit = readLiteral(source, argStart);
    if (!lit && source.startsWith('import', argStart)) {
      // vi.mock(import('./x'), factory): vitest turns the import() into the path, it never runs.
      mockImports.add(argStart);
      lit = readLiteral(source, skipTrivia(source, skipTrivia(source, argStart + 6) + 1));
    }
    // `require("${name}")` written inside a template literal is code this module generates, not a call it
    // makes: a quoted name holding `${…}` names no module.
    if (lit?.pattern === undefined && lit?.value.includes('${') && source[argStart] !== '`') continue;
    const isNew = callee.startsWith('new');
    if (isNew && lit && !/^\s*,\s*import\.meta\.url\b/.test(source.slice(lit.end, lit.end + 40))) continue;
    const kind: ImportKind = isNew
      ? 'asset'
      : callee.startsWith('require')
        ? 'require'
        : callee.startsWith('import.meta.resolve')
          ? 'dynamic'
          : 'mock';
    if (lit?.pattern === undefined && lit) add(at, lit.value, kind);
    else if (lit?.pattern !== undefined && isFollowable(lit.pattern))
      add(at, lit.pattern, 'glob', lit.pattern);
    else if (LOADS_CODE.test(callee) && source[argStart] !== ')' && !isDefinition(source, at, argStart)) {
      opaque = true;
    }
  }
  return opaque;
}

/** `function require(id)`, `require(id: string): any` in a declaration, a method named require. */
function isDefinition(source: string, at: number, argStart: number): boolean {
  if (/\bfunction\s*\*?\s*$/.test(source.slice(Math.max(0, at - 24), at))) return true;
  let depth = 1;
  let i = argStart;
  for (; i < source.length && depth > 0; i++) {
    const ch = source[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
  }
  return /^\s*[:{]/.test(source.slice(i, i + 8));
}

function inComment(comments: Comment[], pos: number): boolean {
  let lo = 0;
  let hi = comments.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = comments[mid]!;
    if (pos < c.start) hi = mid - 1;
    else if (pos >= c.end) lo = mid + 1;
    else return true;
  }
  return false;
}

function skipTrivia(source: string, i: number): number {
  for (;;) {
    while (i < source.length && /\s/.test(source[i]!)) i++;
    if (source.startsWith('/*', i)) {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? source.length : end + 2;
    } else if (source.startsWith('//', i)) {
      const end = source.indexOf('\n', i);
      i = end < 0 ? source.length : end + 1;
    } else return i;
  }
}

interface Literal {
  value: string;
  /** Set for a template literal with `${…}`: the literal parts glob-escaped, each expression as `*`. */
  pattern?: string;
  end: number;
}

/** A string literal starting at `i`: '…', "…" or `…` (with `${}` turned into a glob pattern). */
function readLiteral(source: string, i: number): Literal | undefined {
  const quote = source[i];
  if (quote !== "'" && quote !== '"' && quote !== '`') return undefined;
  let value = '';
  let pattern: string | undefined;
  for (let j = i + 1; j < source.length; j++) {
    const ch = source[j]!;
    if (ch === '\\') {
      value += source[++j] ?? '';
      if (pattern !== undefined) pattern += escapeGlob(source[j] ?? '');
    } else if (ch === quote) {
      return pattern === undefined ? { value, end: j + 1 } : { value, pattern, end: j + 1 };
    } else if (ch === '\n' && quote !== '`') {
      return undefined;
    } else if (quote === '`' && ch === '$' && source[j + 1] === '{') {
      pattern ??= escapeGlob(value);
      if (!pattern.endsWith('*') || pattern.endsWith('\\*')) pattern += '*';
      j = skipExpression(source, j + 2) - 1;
    } else {
      value += ch;
      if (pattern !== undefined) pattern += escapeGlob(ch);
    }
  }
  return undefined;
}

/** `'a'` or `['a', 'b']`: the literals of a glob argument. */
function readLiterals(source: string, i: number): Literal[] {
  if (source[i] !== '[') {
    const one = readLiteral(source, i);
    return one ? [one] : [];
  }
  const out: Literal[] = [];
  let j = skipTrivia(source, i + 1);
  for (let lit = readLiteral(source, j); lit; lit = readLiteral(source, j)) {
    out.push(lit);
    j = skipTrivia(source, lit.end);
    if (source[j] !== ',') break;
    j = skipTrivia(source, j + 1);
  }
  return out;
}

/** Index just past the `}` that closes a `${` expression starting at `i`. */
function skipExpression(source: string, i: number): number {
  let depth = 1;
  for (; i < source.length; i++) {
    const ch = source[i];
    if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return i + 1;
    else if (ch === "'" || ch === '"' || ch === '`') {
      const lit = readLiteral(source, i);
      if (lit) i = lit.end - 1;
    }
  }
  return i;
}

function escapeGlob(text: string): string {
  return text.replace(/[\\*?[\]{}()!+@|]/g, '\\$&');
}

/** A pattern the graph can follow starts with a fixed prefix, not with the computed part. */
function isFollowable(pattern: string): boolean {
  return !pattern.startsWith('*');
}

function finish(parts: Found[]): ParsedModule {
  const all = parts.flatMap((p) => p.items).sort((a, b) => a.pos - b.pos);
  const seen = new Set<string>();
  const imports: ImportSpecifier[] = [];
  for (const { item } of all) {
    const key = `${item.kind}\0${item.specifier}\0${item.pattern ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    imports.push(item);
  }
  return { imports, opaqueDynamicImport: parts.some((p) => p.opaque) };
}

function lineCol(source: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = source.indexOf('\n'); i >= 0 && i < offset; i = source.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `${line}:${offset - lineStart + 1}`;
}
