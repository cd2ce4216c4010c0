import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseImports } from '../../src/graph/parse-imports.ts';
import type { ImportKind, ImportSpecifier, ParsedModule } from '../../src/graph/types.ts';

const fixtures = join(import.meta.dirname, '../fixtures/graph/parse-imports');

function parseFixture(name: string): ParsedModule {
  return parseImports(join(fixtures, name), readFileSync(join(fixtures, name), 'utf8'));
}

const of = (kind: ImportKind, ...specifiers: string[]): ImportSpecifier[] =>
  specifiers.map((specifier) => ({ specifier, kind }));
const glob = (pattern: string): ImportSpecifier => ({ specifier: pattern, kind: 'glob', pattern });
const clean = (imports: ImportSpecifier[]): ParsedModule => ({ imports, opaqueDynamicImport: false });

describe('parseImports', () => {
  it('lists static imports, re-exports and side-effect imports', () => {
    expect(parseFixture('static.ts')).toEqual(
      clean(
        of(
          'static',
          './default',
          './named.js',
          'pkg',
          './empty-braces',
          './side-effect',
          './reexport',
          './star',
          './star-as',
        ),
      ),
    );
  });

  it("marks import type, export type, all-type entries and typeof import() as 'type'", () => {
    expect(parseFixture('type-only.ts')).toEqual(
      clean([
        ...of('type', './import-type', './all-inline-types'),
        ...of('static', './mixed'),
        ...of(
          'type',
          './empty-type',
          './export-type',
          './export-inline-type',
          './export-type-star',
          './type-query',
        ),
      ]),
    );
  });

  it('reads literal dynamic imports, with attributes, comments and plain backticks', () => {
    expect(parseFixture('dynamic.ts')).toEqual(
      clean(of('dynamic', 'lit', './plain-template.js', './data.json', './chunk')),
    );
  });

  it('turns template dynamic imports into glob patterns, one * per expression, escaping the literal parts', () => {
    expect(parseFixture('dynamic-glob.ts')).toEqual(
      clean([
        glob('./locale/*.json'),
        glob('./pages/*/*.tsx'),
        glob('./parts/*.ts'),
        glob('./routes/\\[id\\]/*.ts'),
        glob('./deep/*.js'),
      ]),
    );
  });

  it('flags import() of a variable, a computed prefix or a concatenation as opaque', () => {
    expect(parseFixture('dynamic-opaque.ts')).toEqual({
      imports: of('dynamic', './known'),
      opaqueDynamicImport: true,
    });
  });

  it('finds require and require.resolve outside comments', () => {
    expect(parseFixture('require.cjs')).toEqual(clean(of('require', 'a', './b', 'c', './d', 'node:fs')));
  });

  it('turns require templates and require.context into globs and require(variable) into opaque', () => {
    expect(parseFixture('require-dynamic.js')).toEqual({
      imports: [glob('./plugins/*.js'), glob('./modules/**/*'), glob('./flat/*')],
      opaqueDynamicImport: true,
    });
  });

  it('skips require() and vi.mock() written as generated code inside a template literal', () => {
    expect(parseFixture('codegen.ts')).toEqual(clean(of('static', './helper')));
  });

  it("marks vi.mock, vi.doMock, vi.importActual<…>, vi.importMock and vi.mock(import()) as 'mock'", () => {
    expect(parseFixture('vitest-mocks.test.ts')).toEqual(
      clean([
        ...of('static', 'vitest', './run'),
        ...of('mock', './mocked', './mocked-by-import', './do-mocked', './actual', './import-mocked'),
      ]),
    );
  });

  it("marks jest.mock, jest.doMock, jest.requireActual and jest.requireMock as 'mock'", () => {
    expect(parseFixture('jest-mocks.test.js')).toEqual(
      clean([...of('require', './run'), ...of('mock', './mocked', 'axios', './actual', './require-mocked')]),
    );
  });

  it("follows calls of a createRequire alias as 'require' and import.meta.resolve as 'dynamic'", () => {
    expect(parseFixture('create-require.mjs')).toEqual(
      clean([
        ...of('static', 'node:module'),
        ...of('require', './legacy.cjs', './data.json', './other.cjs'),
        ...of('dynamic', './worker.js'),
      ]),
    );
  });

  it('reads a template createRequire alias call as a glob and a computed one as opaque', () => {
    const parsed = parseFixture('create-require-computed.mjs');
    expect(parsed.opaqueDynamicImport).toBe(true);
    expect(parsed.imports).toContainEqual(glob('./plugins/*'));
  });

  it("reads new URL(…, import.meta.url) as 'asset' and skips URLs without import.meta.url", () => {
    expect(parseFixture('new-url.ts')).toEqual(
      clean([...of('asset', './worker.js', '../pkg/module.wasm'), glob('./img/*.png')]),
    );
  });

  it('reads import.meta.glob patterns: string, array (negations dropped) and typed import.meta.glob<T>', () => {
    expect(parseFixture('import-meta-glob.ts')).toEqual(
      clean([glob('./pages/*.ts'), glob('./widgets/*.ts'), glob('./content/**/*.md'), glob('./typed/*.ts')]),
    );
  });

  it("classifies non-code static imports and ?raw/?url as 'asset', dotted package names as 'static'", () => {
    expect(parseFixture('assets.ts')).toEqual(
      clean([
        ...of(
          'asset',
          './data.json',
          './global.css',
          './button.module.scss',
          './logo.svg',
          '../assets/photo.PNG',
          './template.ts?raw',
          './worker.ts?url',
        ),
        ...of('static', './worker.ts?worker', 'lodash.debounce', 'chart.js'),
        ...of('asset', '../package.json'),
      ]),
    );
  });

  it('ignores commented-out calls and require declarations, and reads /// <reference path>', () => {
    expect(parseFixture('comments-and-declarations.d.ts')).toEqual(clean(of('type', './globals.d.ts')));
  });

  it('returns the first error as parseError, with no imports, when the file does not parse', () => {
    expect(parseFixture('broken.ts')).toEqual({
      imports: [],
      opaqueDynamicImport: false,
      parseError: 'Unexpected token (3:29)',
    });
  });

  it('parses every <script> block of a Vue component, with lang="ts" and a generic attribute', () => {
    expect(parseFixture('Component.vue')).toEqual(
      clean([
        glob('/**/Child.vue'),
        ...of('static', 'vue', './Child.vue'),
        ...of('type', './types'),
        ...of('dynamic', './lazy'),
      ]),
    );
  });

  it('parses the module and instance scripts of a Svelte component', () => {
    expect(parseFixture('Widget.svelte')).toEqual(clean(of('static', './shared.js', './Button.svelte')));
  });

  it('reads <script-setup /> as a component tag, not a script block, and links template components by name', () => {
    // Auto-import plugins and global registration resolve a tag with no import to a same-named .vue file.
    expect(parseFixture('AutoImported.vue')).toEqual(
      clean([
        glob('/**/Hello.vue'),
        glob('/**/ScriptSetup.vue'),
        glob('/**/WithProps.vue'),
        glob('/**/SpanLike.vue'),
        ...of('static', 'vue', './Hello.vue'),
      ]),
    );
  });

  it('parses a sloppy-mode CommonJS .js script', () => {
    expect(parseFixture('sloppy-script.js')).toEqual(clean(of('require', 'path')));
  });

  it('falls back to TypeScript syntax for a // @flow file', () => {
    expect(parseFixture('flow.js')).toEqual(clean([...of('type', './props'), ...of('static', './render')]));
  });

  it('reports errors inside a .vue script block at their line in the component', () => {
    const source =
      '<template><p/></template>\n<script setup lang="ts">\nimport A from "./A.vue";\nconst = 1;\n</script>\n';
    expect(parseImports('Broken.vue', source).parseError).toBe('Unexpected token (4:7)');
  });

  it('treats <script src> as a static import and a component without scripts as importing nothing', () => {
    expect(parseImports('A.vue', '<template><p/></template>\n<script src="./a.ts"></script>\n')).toEqual(
      clean(of('static', './a.ts')),
    );
    expect(parseImports('B.svelte', '<p>hello</p>\n')).toEqual(clean([]));
  });
});
