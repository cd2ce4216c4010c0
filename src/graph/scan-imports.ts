import { init, parse } from 'es-module-lexer';
import { staticKind } from './import-kind.ts';
import type { ImportSpecifier, ParsedModule } from './types.ts';

/**
 * Call forms only the full parser's scan follows: CommonJS (also through createRequire), runner mocks, globs,
 * import.meta.resolve, asset URLs, references.
 */
const NEEDS_FULL_PARSE =
  /\brequire\b|\bcreateRequire\b|\b(?:vi|jest)\s*\.|import\.meta\.(?:glob|resolve)|\bnew\s+URL\b|<reference\b/;
const LEXABLE = /\.(?:[cm]?[jt]s)$/;

/** Compiles the lexer's WebAssembly once; await before the first scan. */
export function lexerReady(): Promise<void> {
  return init();
}

/**
 * The fast path for the common case, an ES module in .ts or .js with only import/export statements and
 * import() calls: es-module-lexer reads it about fifteen times faster than a full parse. Returns undefined
 * whenever the file needs the full parser (JSX, Vue, CommonJS, mocks, anything the lexer rejects).
 * Callers must await `lexerReady()` once first.
 */
export function scanImports(fileName: string, source: string): ParsedModule | undefined {
  if (!LEXABLE.test(fileName) || fileName.endsWith('.d.ts') || NEEDS_FULL_PARSE.test(source))
    return undefined;
  let found: ReturnType<typeof parse>[0];
  try {
    found = parse(source, fileName)[0];
  } catch {
    return undefined;
  }
  const imports: ImportSpecifier[] = [];
  const seen = new Set<string>();
  let opaqueDynamicImport = false;
  const add = (item: ImportSpecifier) => {
    const key = `${item.kind}\0${item.specifier}\0${item.pattern ?? ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    imports.push(item);
  };
  for (const entry of found) {
    if (entry.type === 'import-meta') continue;
    if (entry.type === 'dynamic') {
      if (entry.specifier === undefined) opaqueDynamicImport = true;
      else if (entry.glob) {
        if (entry.specifier.startsWith('*')) opaqueDynamicImport = true;
        else add({ specifier: entry.specifier, kind: 'glob', pattern: escapeAllButStars(entry.specifier) });
      } else add({ specifier: entry.specifier, kind: entry.probablyTypeOnly ? 'type' : 'dynamic' });
      continue;
    }
    if (entry.specifier === undefined) continue;
    add({ specifier: entry.specifier, kind: entry.typeOnly ? 'type' : staticKind(entry.specifier) });
  }
  return { imports, opaqueDynamicImport };
}

function escapeAllButStars(pattern: string): string {
  return pattern.replace(/[\\?[\]{}()!+@|]/g, '\\$&');
}
