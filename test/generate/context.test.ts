import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildContext, markSource, nearestTest, testFilePath } from '../../src/generate/context.ts';
import { headerOf } from '../../src/generate/engines/imports.ts';
import { userPrompt } from '../../src/generate/engines/llm/prompt.ts';
import { importSpecifier, inferExtensionStyle, inferModuleStyle } from '../../src/generate/module-style.ts';
import { targetFromSpec } from '../../src/generate/targets.ts';
import { mirrorDir } from '../../src/generate/test-layout.ts';
import type { TestContext } from '../../src/generate/types.ts';
import { FIXTURES, loadFixture } from './fixtures.ts';

async function contextOf(
  fixture: string,
  file: string,
  symbol: string,
  reserved = new Set<string>(),
  uncoveredLines?: number[],
): Promise<TestContext> {
  const fx = await loadFixture(fixture);
  const parsed = fx.parse(file);
  const target = targetFromSpec(file, symbol, parsed, undefined);
  if (uncoveredLines) target.uncoveredLines = uncoveredLines;
  return buildContext({
    root: fx.root,
    project: fx.project(file),
    target,
    parsed,
    files: new Set(fx.files),
    reserved,
  });
}

describe('context: what the engine sees', () => {
  it('marks exactly the uncovered lines of the function', async () => {
    const context = await contextOf('units', 'src/shapes.ts', 'area');
    expect(context.source).toBe(
      [
        'export function area(w: number, h: number): number {',
        '  if (w < 0 || h < 0) { /* ❌ not covered */',
        "    throw new RangeError('negative size'); /* ❌ not covered */",
        '  }',
        '  return round(w * h); /* ❌ not covered */',
        '}',
      ].join('\n'),
    );
    expect(context.exports).toEqual([
      'export const VERSION = 2',
      'export function area(w: number, h: number): number',
      'export const perimeter = (w: number, h: number): number =>',
      'export class Shape { constructor(readonly name: string); describe(): string; static unit = (): Shape =>; }',
      'export const registry = { register(name: string): Shape; lookup: (name: string) => }',
      'export default function scale(s: number): number',
    ]);
    expect(context.importName).toBe('area');
    // No test in the package: beside the source, extensionless (no tsconfig says otherwise).
    expect(context.testFile).toBe('src/shapes.area.generated.test.ts');
    expect(context.importPath).toBe('./shapes');
    expect(context.example).toBeUndefined();
  });

  it('shows top-level code only around its uncovered lines', () => {
    const text = Array.from({ length: 200 }, (_, i) => `line${i + 1};`).join('\n');
    const source = markSource(text, {
      id: 'a.ts:10-150',
      file: 'a.ts',
      startLine: 10,
      endLine: 150,
      uncoveredLines: [10, 100],
    });
    expect(source).toBe(
      [
        'line10; /* ❌ not covered */',
        'line11;',
        'line12;',
        '// … 85 line(s) not shown',
        'line98;',
        'line99;',
        'line100; /* ❌ not covered */',
        'line101;',
        'line102;',
        '// … 48 line(s) not shown',
      ].join('\n'),
    );
  });

  it('ESM with bundler resolution: extensionless import from the nearest test folder', async () => {
    const context = await contextOf('style-esm', 'src/math/add.ts', 'add');
    expect(context).toMatchObject({
      runner: 'vitest',
      testFile: 'test/math/add.add.generated.test.ts',
      importPath: '../../src/math/add',
      moduleStyle: 'esm',
      importName: 'add',
      example: { file: 'test/math/sum.test.ts' },
    });
    expect(context.source).toBe(
      [
        'export function add(a: number, b: number): number {',
        '  if (Number.isNaN(a)) { /* ❌ not covered */',
        '    return b; /* ❌ not covered */',
        '  }',
        '  return a + b; /* ❌ not covered */',
        '}',
      ].join('\n'),
    );
  });

  it('CommonJS with jest: require, extensionless, in __tests__', async () => {
    const context = await contextOf('style-cjs', 'src/slug.js', 'slug');
    expect(context).toMatchObject({
      runner: 'jest',
      testFile: '__tests__/slug.slug.generated.test.js',
      importPath: '../src/slug',
      moduleStyle: 'cjs',
      importName: 'slug',
      exports: ['module.exports.slug // function slug(text)'],
      example: { file: '__tests__/slug.test.js' },
    });
  });

  it("NodeNext: `.js` for a `.ts` source, the example test's suffix (.spec) and folder", async () => {
    const context = await contextOf('style-nodenext', 'src/lib/format.ts', 'money');
    expect(context).toMatchObject({
      testFile: 'src/lib/format.money.generated.spec.ts',
      importPath: './format.js',
      moduleStyle: 'esm',
    });
    const far = await contextOf('style-nodenext', 'src/other/far.ts', 'twice');
    expect(far).toMatchObject({
      testFile: 'src/lib/far.twice.generated.spec.ts',
      importPath: '../other/far.js',
    });
  });

  it('reads the extension style from tsconfig when no test shows it', () => {
    const root = join(FIXTURES, 'style-nodenext');
    expect(inferExtensionStyle(undefined, new Set(), [''], root, 'vitest')).toBe('js');
    expect(inferExtensionStyle(undefined, new Set(), [''], join(FIXTURES, 'units'), 'vitest')).toBe('none');
    expect(inferExtensionStyle(undefined, new Set(), [''], join(FIXTURES, 'units'), 'node')).toBe('keep');
    const files = new Set(['src/a.ts', 'lib/b.js']);
    const example = (content: string) => ({ file: 'test/x.test.ts', content });
    expect(inferExtensionStyle(example("import { a } from '../src/a.ts';"), files, [], root, 'vitest')).toBe(
      'ts',
    );
    expect(inferExtensionStyle(example("import { a } from '../src/a.js';"), files, [], root, 'vitest')).toBe(
      'js',
    );
    expect(inferExtensionStyle(example("import { b } from '../lib/b.js';"), files, [], root, 'vitest')).toBe(
      'keep',
    );
    expect(inferExtensionStyle(example("const { a } = require('../src/a');"), files, [], root, 'jest')).toBe(
      'none',
    );
  });

  it('builds import specifiers for every style', () => {
    expect(importSpecifier('test/a.test.ts', 'src/a.ts', 'js', 'vitest', 'esm')).toBe('../src/a.js');
    expect(importSpecifier('test/a.test.ts', 'src/a.mts', 'js', 'vitest', 'esm')).toBe('../src/a.mjs');
    expect(importSpecifier('test/a.test.ts', 'src/a.tsx', 'none', 'vitest', 'esm')).toBe('../src/a');
    expect(importSpecifier('src/a.test.ts', 'src/a.ts', 'ts', 'vitest', 'esm')).toBe('./a.ts');
    expect(importSpecifier('src/a.test.js', 'src/a.cjs', 'none', 'jest', 'cjs')).toBe('./a.cjs');
    // Node's ESM loader needs the full name.
    expect(importSpecifier('src/a.test.js', 'src/a.js', 'none', 'node', 'esm')).toBe('./a.js');
    expect(importSpecifier('src/a.test.js', 'src/a.js', 'none', 'node', 'cjs')).toBe('./a');
  });

  it('reads the module style from the example, else from the file and package', () => {
    expect(inferModuleStyle({ content: "const a = require('./a');" }, 'x.test.js', 'module', 'vitest')).toBe(
      'cjs',
    );
    expect(inferModuleStyle({ content: "import a from './a';" }, 'x.test.js', undefined, 'jest')).toBe('esm');
    expect(inferModuleStyle(undefined, 'x.test.cjs', 'module', 'node')).toBe('cjs');
    expect(inferModuleStyle(undefined, 'x.test.js', 'module', 'node')).toBe('esm');
    expect(inferModuleStyle(undefined, 'x.test.js', undefined, 'node')).toBe('cjs');
    expect(inferModuleStyle(undefined, 'x.test.ts', undefined, 'jest')).toBe('esm');
  });

  it('finds the test of the source by name first, then the fewest folders away', () => {
    const tests = [
      'test/unit/cart.test.ts',
      'src/cart/cart.spec.ts',
      'src/cart/totals.test.ts',
      'test/e2e/flow.test.ts',
    ];
    expect(nearestTest('src/cart/cart.ts', tests)).toBe('src/cart/cart.spec.ts');
    expect(nearestTest('src/cart/discount.ts', tests)).toBe('src/cart/cart.spec.ts');
    expect(nearestTest('test/lib/cart.ts', tests)).toBe('test/unit/cart.test.ts');
    // test/ stands for the lib/ folder it mirrors: test/unit is one folder away, src/cart three.
    expect(nearestTest('lib/cart.ts', tests)).toBe('test/unit/cart.test.ts');
    // A tie goes to the first path.
    expect(nearestTest('pkg/cart.ts', ['src/cart/cart.spec.ts', 'lib/cart/cart.test.ts'])).toBe(
      'lib/cart/cart.test.ts',
    );
    expect(nearestTest('lib/other.ts', [])).toBeUndefined();
  });

  it('reads a tests folder as the mirror of the source folders', () => {
    const tests = ['test/ci/action.test.ts', 'test/generate/cli.test.ts', 'test/generate/e2e.test.ts'];
    expect(nearestTest('src/generate/vitest-driver/child.ts', tests)).toBe('test/generate/cli.test.ts');
    expect(nearestTest('src/ci/run-ci.ts', tests)).toBe('test/ci/action.test.ts');
    expect(mirrorDir('src/generate/vitest-driver/child.ts', 'test/generate/cli.test.ts')).toBe(
      'test/generate/vitest-driver',
    );
    expect(mirrorDir('src/a/b.ts', 'test/x.test.ts')).toBe('test/a');
    expect(mirrorDir('src/b.ts', 'tests/x.test.ts')).toBe('tests');
    expect(mirrorDir('packages/p/src/a/b.ts', 'packages/p/__tests__/a/x.test.ts')).toBe(
      'packages/p/__tests__/a',
    );
    // Not a mirror: tests beside the sources, or a tests folder of its own shape.
    expect(mirrorDir('src/a/b.ts', 'src/c/x.test.ts')).toBeUndefined();
    expect(mirrorDir('src/cart/discount.ts', 'test/unit/cart.test.ts')).toBeUndefined();
  });

  it('keeps test file names unique: against the repository and the run', () => {
    const target = {
      id: 'src/a.ts:Cart.add',
      file: 'src/a.ts',
      symbol: 'Cart.add',
      startLine: 1,
      endLine: 2,
      uncoveredLines: [1],
    };
    const files = new Set(['src/a.Cart.add.generated.test.ts']);
    const reserved = new Set(['src/a.Cart.add-2.generated.test.ts']);
    expect(testFilePath(target, undefined, files, reserved)).toBe('src/a.Cart.add-3.generated.test.ts');
    expect(testFilePath({ ...target, symbol: '#private' }, 'test/x_test.mjs', new Set(), new Set())).toBe(
      'test/a.private.generated.test.mjs',
    );
  });
});

describe('context: what a model needs for an unfamiliar library', () => {
  it('shows the implementation behind a wrapper and the JSDoc, @deprecated included', async () => {
    const context = await contextOf('wrapper-vitest', 'src/chunk.ts', 'chunk');
    expect(context.target.callees?.map((c) => c.symbol)).toEqual(['chunkImplementation']);
    expect(context.callees).toEqual([
      {
        symbol: 'chunkImplementation',
        source: [
          'function chunkImplementation<T>(data: readonly T[], size: number): T[][] {',
          "  if (size < 1) throw new RangeError('size must be positive');",
          '  const count = Math.ceil(data.length / size);',
          '  return Array.from({ length: count }, (_, i) => data.slice(i * size, (i + 1) * size));',
          '}',
        ].join('\n'),
      },
    ]);
    expect(context.docs).toBe(
      [
        '/**',
        ' * Splits `data` into arrays of `size` items; `chunk(size)` is the data-last form.',
        ' * @deprecated use `split` instead.',
        ' */',
      ].join('\n'),
    );
    const prompt = userPrompt(context);
    expect(prompt).toContain('@deprecated use `split` instead.');
    expect(prompt).toContain('function chunkImplementation<T>(data: readonly T[], size: number): T[][] {');
  });

  it('shows the declarations of the types its signature names, from the modules it imports', async () => {
    const context = await contextOf('wrapper-vitest', 'src/chunk.ts', 'clamp');
    expect(context.types).toEqual([
      {
        name: 'Bounds',
        file: 'src/types.ts',
        source: 'export interface Bounds {\n  min: number;\n  max: number;\n}',
      },
    ]);
    // Through a callee's signature too.
    const pad = await contextOf('wrapper-vitest', 'src/chunk.ts', 'pad');
    expect(pad.types).toEqual([
      {
        name: 'PadOptions',
        file: 'src/types.ts',
        source: 'export type PadOptions = { width: number; fill?: string };',
      },
    ]);
    expect(userPrompt(pad)).toContain('// src/types.ts\nexport type PadOptions');
  });

  it('takes as example the test nearest in the graph, not the first one of the folder', async () => {
    // strings.ts has no test of its own name; text.test.ts imports it, aaa.test.ts sorts first.
    const context = await contextOf('wrapper-vitest', 'src/strings.ts', 'shout');
    expect(context.example?.file).toBe('src/text.test.ts');
    expect(headerOf(context)).toEqual([
      "import { describe, expect, it } from 'vitest';",
      "import { shout } from './strings.ts';",
    ]);
    // The test of the file itself comes first.
    expect((await contextOf('wrapper-vitest', 'src/chunk.ts', 'first')).example?.file).toBe(
      'src/chunk.test.ts',
    );
  });

  it('keeps the names of returned members when a long body is cut', async () => {
    // Only line 10 is uncovered: the rest of the 144 lines is cut, but not what the store hands back.
    const context = await contextOf('wrapper-vitest', 'src/store.ts', 'createStore', new Set(), [10]);
    expect(context.source).toContain(
      '// … 121 line(s) not shown\n  return {\n    increment(by: number): number {',
    );
    for (const member of [
      'increment(by: number): number {',
      'get current(): number {',
      'reset: (): void => {',
    ])
      expect(context.source).toContain(member);
    expect(context.source.startsWith('export function createStore(start: number) {')).toBe(true);
  });

  it('names a target that is not exported through the export that runs it', async () => {
    const context = await contextOf('wrapper-vitest', 'src/chunk.ts', 'padOne');
    expect(context.importName).toBeUndefined();
    expect(context.reachedThrough).toEqual(['pad']);
    expect(headerOf(context)[1]).toBe("import { pad } from './chunk.ts';");
  });
});

describe('context: an anonymous default export', () => {
  it('is imported as the default, named after its module, never as a namespace', async () => {
    const context = await contextOf('default-export', 'src/compact.ts', 'default');
    expect(context.importName).toBe('default');
    expect(headerOf(context)[1]).toBe("import compact from './compact';");
    expect(userPrompt(context)).not.toContain('is not exported');
  });

  it('is how a test reaches the helpers it calls', async () => {
    const context = await contextOf('default-export', 'src/compact.ts', 'isKept');
    expect(context.reachedThrough).toEqual(['default']);
    expect(headerOf(context)[1]).toBe("import compact from './compact';");
  });
});
