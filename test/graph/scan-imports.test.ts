import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseImports } from '../../src/graph/parse-imports.ts';
import { lexerReady, scanImports } from '../../src/graph/scan-imports.ts';

const root = join(import.meta.dirname, '../..');

/** Real-world modules: this repository's sources and the published sources of its dependencies. */
function corpus(limit: number): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (files.length >= limit) return;
      const path = join(dir, name);
      const info = statSync(path);
      if (info.isDirectory()) walk(path);
      else if (/\.(?:[cm]?[jt]s)$/.test(name) && info.size < 200_000) files.push(path);
    }
  };
  for (const dir of [
    'src',
    'test',
    'node_modules/zod',
    'node_modules/@vitest',
    'node_modules/vite/dist',
    'node_modules/picomatch',
  ]) {
    walk(join(root, dir));
  }
  return files;
}

beforeAll(() => lexerReady());

describe('scanImports (the lexer fast path)', () => {
  it('never misses an import the full parser finds, on 1,500 real modules', () => {
    let scanned = 0;
    for (const file of corpus(1500)) {
      const source = readFileSync(file, 'utf8');
      const fast = scanImports(file, source);
      if (!fast) continue;
      const full = parseImports(file, source);
      if (full.parseError !== undefined) continue;
      scanned++;
      const fastKeys = new Set(
        fast.imports.map((i) => `${i.kind === 'type' ? 'type' : 'run'}:${i.specifier}`),
      );
      for (const expected of full.imports) {
        if (expected.kind === 'type') continue;
        // Runtime imports must be found as runtime imports: calling one type-only would drop an edge.
        expect(
          fastKeys.has(`run:${expected.specifier}`) || expected.kind === 'glob',
          `${relative(root, file)}: ${expected.specifier}`,
        ).toBe(true);
      }
      if (full.opaqueDynamicImport) expect(fast.opaqueDynamicImport, relative(root, file)).toBe(true);
    }
    expect(scanned).toBeGreaterThan(500);
  });

  it('leaves JSX, CommonJS, mocks and globs to the full parser', () => {
    expect(scanImports('a.tsx', 'import x from "./x";')).toBeUndefined();
    expect(scanImports('a.ts', 'const x = require("./x");')).toBeUndefined();
    expect(scanImports('a.test.ts', 'vi.mock("./x");')).toBeUndefined();
    expect(scanImports('a.ts', 'const m = import.meta.glob("./*.ts");')).toBeUndefined();
    expect(scanImports('a.ts', 'import { a from "./b";\nconst x = ;')).toBeUndefined();
  });

  it('reads type-only, dynamic, template and computed imports', () => {
    const source = [
      "import type { A } from './a';",
      "import { b } from './b';",
      "export * from './c';",
      "import './d.css';",
      "const e = await import('./e');",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the template is source code under test
      'const f = await import(`./locale/${lang}.json`);',
      'const g = await import(name);',
    ].join('\n');
    expect(scanImports('m.ts', source)).toEqual({
      imports: [
        { specifier: './a', kind: 'type' },
        { specifier: './b', kind: 'static' },
        { specifier: './c', kind: 'static' },
        { specifier: './d.css', kind: 'asset' },
        { specifier: './e', kind: 'dynamic' },
        { specifier: './locale/*.json', kind: 'glob', pattern: './locale/*.json' },
      ],
      opaqueDynamicImport: true,
    });
  });
});
