import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { createResolver } from '../graph/resolve.ts';
import type { ModuleResolver } from '../graph/types.ts';
import type { Project } from '../select/projects.ts';
import type { Node, ParsedSource, Unit } from './ast.ts';
import { exportedCallers } from './callees.ts';
import { moduleValues } from './constants.ts';
import { docComments, overloadsOf } from './doc-comments.ts';
import { memberLines, showLines, UNCOVERED_MARK } from './elide.ts';
import { exampleTest } from './example-test.ts';
import { listExports } from './exports.ts';
import { importReader } from './import-reader.ts';
import { importSpecifier, inferExtensionStyle, inferModuleStyle } from './module-style.ts';
import { signatureTypes } from './signature-types.ts';
import { nearestTest } from './test-layout.ts';
import { testPlace } from './test-of-source.ts';
import type { GenerateTarget, TestContext } from './types.ts';

export { nearestTest, UNCOVERED_MARK };

/** Lines of the example test kept in the prompt. */
const EXAMPLE_LINES = 80;
/** A target longer than this shows only its uncovered lines (and member names) with a little context. */
const MAX_SOURCE_LINES = 120;
/** A callee longer than this is elided the same way. */
const MAX_CALLEE_LINES = 60;

export interface ContextInput {
  root: string;
  project: Project;
  target: GenerateTarget;
  parsed: ParsedSource;
  /** Every repository file (repository-relative), to keep test names unique and read import styles. */
  files: ReadonlySet<string>;
  /** Test files already chosen in this run; the new one is added. */
  reserved: Set<string>;
  /**
   * Mirror folders the runner is known to find new tests in (see discoverableMirrors): a target whose
   * source has no test of its own gets its test there rather than beside the nearest test.
   */
  mirrors?: ReadonlySet<string>;
  /** Resolves imports as the module graph does (one per run); made from root and files when absent. */
  resolver?: ModuleResolver;
}

/** Everything the engine sees for one target, kept small. */
export function buildContext(input: ContextInput): TestContext {
  const { project, target, parsed, root } = input;
  const runner = project.runner!.name;
  const tests = project.discovery?.tests ?? [];
  const resolver = input.resolver ?? createResolver({ root, files: input.files });
  // Where the test goes and what it looks like follow the tests that import the source (its own, its
  // folder's), read through the module graph's edges.
  const place = testPlace(importReader(root, resolver), target.file, tests, input.mirrors);
  const exampleFile = exampleTest({ root, source: target.file, tests, resolver });
  const example = exampleFile === undefined ? undefined : readExample(root, exampleFile);
  const onDisk = (path: string): boolean => existsSync(join(root, path));
  const testFile = testFilePath(target, place.nearest, input.files, input.reserved, place.dir, onDisk);
  input.reserved.add(testFile);
  const moduleStyle = inferModuleStyle(example, testFile, project.info.packageJson.type, runner);
  const tsconfigDirs = [...new Set([project.dir, ''])];
  const style = inferExtensionStyle(example, input.files, tsconfigDirs, root, runner);
  const exports = listExports(parsed);
  const root0 = target.symbol?.split('.')[0];
  const importName = root0 === undefined ? undefined : exports.names.get(root0);
  const unit = parsed.units.find((u) => u.symbol === target.symbol);
  const callees = (target.callees ?? []).flatMap((callee) => {
    const calleeUnit = parsed.units.find((u) => u.symbol === callee.symbol);
    return calleeUnit ? [{ symbol: callee.symbol, source: showUnit(parsed, calleeUnit, target) }] : [];
  });
  const reachedThrough =
    unit === undefined || importName !== undefined
      ? []
      : [
          ...new Set(
            exportedCallers(parsed, unit, exports.names).map((caller) => {
              const [head, ...rest] = caller.symbol.split('.');
              return [exports.names.get(head!)!, ...rest].join('.');
            }),
          ),
        ];
  const docs = unit === undefined ? undefined : docComments(parsed, unit);
  const types = unit === undefined ? [] : typesOf(root, target, parsed, unit, resolver);
  const values = unit === undefined ? [] : valuesOf(target, parsed, unit);
  return {
    target,
    runner,
    testFile,
    importPath: importSpecifier(testFile, target.file, style, runner, moduleStyle),
    source: markSource(
      parsed.text,
      target,
      unit ? [...signatureLines(parsed, unit), ...memberLines(unit.fn, parsed.lineOf)] : [],
    ),
    exports: exports.signatures,
    ...(example ? { example } : {}),
    moduleStyle,
    ...(importName === undefined ? {} : { importName }),
    ...(reachedThrough.length > 0 ? { reachedThrough } : {}),
    ...(docs === undefined ? {} : { docs }),
    ...(callees.length > 0 ? { callees } : {}),
    ...(types.length > 0 ? { types } : {}),
    ...(values.length > 0 ? { values } : {}),
  };
}

/**
 * The target's lines, each uncovered one suffixed with UNCOVERED_MARK. A long function keeps only its
 * uncovered lines with a little context and the lines that name members (`anchors`, see memberLines);
 * top-level code only its uncovered lines (functions in between are other targets' business).
 */
export function markSource(text: string, target: GenerateTarget, anchors: readonly number[] = []): string {
  return showLines({
    text,
    startLine: target.startLine,
    endLine: target.endLine,
    uncovered: target.uncoveredLines,
    maxLines: target.symbol === undefined ? 0 : MAX_SOURCE_LINES,
    anchors,
  });
}

/** A callee of the target, its uncovered lines marked when coverage is known. */
function showUnit(parsed: ParsedSource, unit: Unit, target: GenerateTarget): string {
  const uncovered = (target.fileUncoveredLines ?? []).filter(
    (line) => line >= unit.startLine && line <= unit.endLine,
  );
  return showLines({
    text: parsed.text,
    startLine: unit.startLine,
    endLine: unit.endLine,
    uncovered,
    maxLines: MAX_CALLEE_LINES,
    anchors: [...signatureLines(parsed, unit), ...memberLines(unit.fn, parsed.lineOf)],
  });
}

/** The lines of a unit up to where its body starts (a signature over several lines stays whole). */
function signatureLines(parsed: ParsedSource, unit: Unit): number[] {
  const end = unit.fn.body ? parsed.lineOf(unit.fn.body.start) : unit.startLine;
  return Array.from({ length: end - unit.startLine + 1 }, (_, i) => unit.startLine + i);
}

/** The module-level values the target and its same-file callees read (see moduleValues). */
function valuesOf(
  target: GenerateTarget,
  parsed: ParsedSource,
  unit: Unit,
): NonNullable<TestContext['values']> {
  const callees = (target.callees ?? []).flatMap((callee) =>
    parsed.units.filter((u) => u.symbol === callee.symbol),
  );
  return moduleValues(parsed, [unit, ...callees]).map(({ names, source }) => ({ names, source }));
}

/** The types the target's signature (its overloads', its callees') names. */
function typesOf(
  root: string,
  target: GenerateTarget,
  parsed: ParsedSource,
  unit: Unit,
  resolver: ModuleResolver,
): NonNullable<TestContext['types']> {
  const signatures: Node[] = [unit.fn, ...overloadsOf(parsed, unit).map((o) => o.signature)];
  for (const callee of target.callees ?? []) {
    const fn = parsed.units.find((u) => u.symbol === callee.symbol)?.fn;
    if (fn) signatures.push(fn);
  }
  return signatureTypes({ root, file: target.file, parsed, signatures, resolver });
}

/**
 * `<name>.<symbol>.generated.test.<ext>` in `dir`, by default beside the given existing test (see testPlace;
 * beside the source when there is none): the suffix and extension follow that test, so the runner's own include
 * patterns pick it up.
 */
export function testFilePath(
  target: GenerateTarget,
  nearest: string | undefined,
  files: ReadonlySet<string>,
  reserved: ReadonlySet<string>,
  dir = posix.dirname(nearest ?? target.file),
  /** Also taken: a file on disk that git does not list (an untracked one is never overwritten either). */
  exists: (path: string) => boolean = () => false,
): string {
  const sourceName = posix.basename(target.file);
  const stem = sourceName.replace(/\.[cm]?[jt]sx?$/i, '');
  const kind = nearest !== undefined && /[.\-_]spec\.[cm]?[jt]sx?$/i.test(nearest) ? 'spec' : 'test';
  const ext = (nearest ?? target.file).match(/\.([cm]?[jt]sx?)$/i)?.[1] ?? 'js';
  const label = target.symbol ?? `lines-${target.startLine}-${target.endLine}`;
  const slug = label.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'target';
  for (let n = 1; ; n++) {
    const name = `${stem}.${slug}${n === 1 ? '' : `-${n}`}.generated.${kind}.${ext}`;
    const path = dir === '.' ? name : `${dir}/${name}`;
    if (!files.has(path) && !reserved.has(path) && !exists(path)) return path;
  }
}

function readExample(root: string, file: string): { file: string; content: string } | undefined {
  let text: string;
  try {
    text = readFileSync(join(root, file), 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.replace(/\s+$/, '').split('\n');
  const content =
    lines.length > EXAMPLE_LINES
      ? `${lines.slice(0, EXAMPLE_LINES).join('\n')}\n// … ${lines.length - EXAMPLE_LINES} more line(s)`
      : lines.join('\n');
  return { file, content };
}
