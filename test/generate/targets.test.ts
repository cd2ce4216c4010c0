import { beforeAll, describe, expect, it } from 'vitest';
import { emptyFile } from '../../src/coverage/types.ts';
import type { GapsResult } from '../../src/gaps/types.ts';
import {
  collectTargets,
  groupUncovered,
  targetFromSpec,
  unsupportedReason,
} from '../../src/generate/targets.ts';
import { type Fixture, loadFixture } from './fixtures.ts';

const SHAPES = 'src/shapes.ts';

describe('targets: grouping uncovered lines by the function around them', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await loadFixture('units');
  });

  it('finds every kind of function: declarations, const arrows, class and object methods, default export', () => {
    expect(fx.parse(SHAPES).units.map((u) => [u.symbol, u.startLine, u.endLine])).toEqual([
      ['area', 5, 10],
      ['perimeter', 12, 15],
      ['Shape.constructor', 18, 18],
      ['Shape.describe', 20, 22],
      ['Shape.unit', 24, 24],
      ['registry.register', 28, 30],
      ['registry.lookup', 31, 31],
      ['internal', 34, 36],
      ['scale', 42, 44],
    ]);
    expect(fx.parse('src/legacy.js').units.map((u) => [u.symbol, u.startLine, u.endLine])).toEqual([
      ['parse', 1, 6],
      ['stringify', 8, 10],
    ]);
  });

  it('groups lines into one target per function, lines outside any function into one top-level target', () => {
    const lines = [3, 7, 13, 14, 21, 24, 29, 31, 35, 39, 43];
    expect(groupUncovered(SHAPES, fx.parse(SHAPES), lines)).toEqual([
      { id: 'src/shapes.ts:3-39', file: SHAPES, startLine: 3, endLine: 39, uncoveredLines: [3, 39] },
      {
        id: 'src/shapes.ts:area',
        file: SHAPES,
        symbol: 'area',
        startLine: 5,
        endLine: 10,
        uncoveredLines: [7],
      },
      {
        id: 'src/shapes.ts:perimeter',
        file: SHAPES,
        symbol: 'perimeter',
        startLine: 12,
        endLine: 15,
        uncoveredLines: [13, 14],
      },
      {
        id: 'src/shapes.ts:Shape.describe',
        file: SHAPES,
        symbol: 'Shape.describe',
        startLine: 20,
        endLine: 22,
        uncoveredLines: [21],
      },
      {
        id: 'src/shapes.ts:Shape.unit',
        file: SHAPES,
        symbol: 'Shape.unit',
        startLine: 24,
        endLine: 24,
        uncoveredLines: [24],
      },
      {
        id: 'src/shapes.ts:registry.register',
        file: SHAPES,
        symbol: 'registry.register',
        startLine: 28,
        endLine: 30,
        uncoveredLines: [29],
      },
      {
        id: 'src/shapes.ts:registry.lookup',
        file: SHAPES,
        symbol: 'registry.lookup',
        startLine: 31,
        endLine: 31,
        uncoveredLines: [31],
      },
      {
        id: 'src/shapes.ts:internal',
        file: SHAPES,
        symbol: 'internal',
        startLine: 34,
        endLine: 36,
        uncoveredLines: [35],
      },
      {
        id: 'src/shapes.ts:scale',
        file: SHAPES,
        symbol: 'scale',
        startLine: 42,
        endLine: 44,
        uncoveredLines: [43],
      },
    ]);
  });

  it('turns a never-called function without uncovered changed lines into a target over its body', () => {
    const targets = groupUncovered(
      SHAPES,
      fx.parse(SHAPES),
      [7],
      [
        { name: 'area', line: 5 },
        { name: 'internal', line: 34 },
      ],
    );
    expect(targets.map((t) => [t.id, t.uncoveredLines])).toEqual([
      ['src/shapes.ts:area', [7]],
      ['src/shapes.ts:internal', [35]],
    ]);
  });

  it('a never-called callback adds its own lines, not those of the function around it', () => {
    const file = 'src/callbacks.ts';
    const parsed = fx.parse(file);
    // The comparator on line 8 and the inner arrow on line 12: the report names each by its first line.
    const targets = groupUncovered(
      file,
      parsed,
      [],
      [
        { name: '(anonymous_1)', line: 8 },
        { name: '(anonymous_3)', line: 12 },
      ],
    );
    expect(targets.map((t) => [t.id, t.uncoveredLines])).toEqual([
      ['src/callbacks.ts:report', [8]],
      ['src/callbacks.ts:12-12', [12]],
    ]);
    // A callback inside a function that has uncovered lines of its own is still a gap of its own.
    expect(
      groupUncovered(file, parsed, [5], [{ name: '(anonymous_1)', line: 8 }])[0]!.uncoveredLines,
    ).toEqual([5, 8]);
  });

  it('names targets with --target: whole function, uncovered lines from coverage or every executable line', () => {
    const parsed = fx.parse(SHAPES);
    expect(targetFromSpec(SHAPES, 'area', parsed, undefined)).toEqual({
      id: 'src/shapes.ts:area',
      file: SHAPES,
      symbol: 'area',
      startLine: 5,
      endLine: 10,
      uncoveredLines: [6, 7, 9],
    });
    const coverage = emptyFile(SHAPES);
    for (const [line, hits] of [
      [5, 1],
      [6, 1],
      [7, 0],
      [9, 1],
      [13, 0],
    ] as const)
      coverage.lines.set(line, hits);
    expect(targetFromSpec(SHAPES, 'area', parsed, coverage).uncoveredLines).toEqual([7]);
    expect(targetFromSpec(SHAPES, 'perimeter', parsed, undefined).uncoveredLines).toEqual([13, 14]);
    expect(targetFromSpec(SHAPES, 'Shape.unit', parsed, undefined).uncoveredLines).toEqual([24]);
    expect(targetFromSpec(SHAPES, '38-40', parsed, undefined)).toEqual({
      id: 'src/shapes.ts:38-40',
      file: SHAPES,
      startLine: 38,
      endLine: 40,
      uncoveredLines: [38, 39],
    });
    expect(() => targetFromSpec(SHAPES, 'volume', parsed, undefined)).toThrow(
      /no function "volume" in src\/shapes.ts \(it has area, perimeter, Shape.constructor/,
    );
  });

  it('keeps only JS/TS sources of packages with a runner, never test files', async () => {
    expect(unsupportedReason(SHAPES, fx.projects)).toBeUndefined();
    expect(unsupportedReason('README.md', fx.projects)).toBe('not a JavaScript or TypeScript source file');
    expect(unsupportedReason('src/types.d.ts', fx.projects)).toBe(
      'not a JavaScript or TypeScript source file',
    );
    expect(unsupportedReason('src/shapes.test.ts', fx.projects)).toBe('a test file');
    expect(unsupportedReason('src/__tests__/x.ts', fx.projects)).toBe('a test file');
    const bare = await loadFixture('style-esm');
    const noRunner = bare.projects.map((p) => ({ ...p, runner: undefined }));
    expect(unsupportedReason('src/math/add.ts', noRunner)).toMatch(/^no test runner found/);
  });

  it('collects from the gaps of a change, skipping what cannot get tests', () => {
    const file = (path: string, uncoveredLines: number[]) => ({
      path,
      changedLines: uncoveredLines.length,
      coverableLines: uncoveredLines.length,
      uncoveredLines,
      uncoveredBranches: [],
      uncoveredFunctions: [],
      percent: 0,
      measured: true,
    });
    const gaps = {
      files: [file('README.md', [1]), file('src/legacy.js', [3, 9]), file('src/shapes.ts', [7])],
    } as unknown as GapsResult;
    const collected = collectTargets({ root: fx.root, projects: fx.projects, gaps });
    expect(collected.targets.map((t) => [t.id, t.uncoveredLines])).toEqual([
      ['src/legacy.js:parse', [3]],
      ['src/legacy.js:stringify', [9]],
      ['src/shapes.ts:area', [7]],
    ]);
    expect(collected.skipped).toEqual([
      { target: 'README.md', reason: 'not a JavaScript or TypeScript source file' },
    ]);
  });
});
