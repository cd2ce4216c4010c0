import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Project } from '../select/projects.ts';
import type { ParsedSource } from './ast.ts';
import { listExports } from './exports.ts';
import { importSpecifier, inferExtensionStyle, inferModuleStyle } from './module-style.ts';
import { mirrorDir, nearestTest, testsByName } from './test-layout.ts';
import type { GenerateTarget, TestContext } from './types.ts';

export { nearestTest };

export const UNCOVERED_MARK = ' /* ❌ not covered */';
/** Lines of the example test kept in the prompt. */
export const EXAMPLE_LINES = 80;
/** A target longer than this shows only its uncovered lines with a little context around them. */
const MAX_SOURCE_LINES = 120;
const CONTEXT_AROUND = 2;

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
}

/** Everything the engine sees for one target, kept small. */
export function buildContext(input: ContextInput): TestContext {
  const { project, target, parsed, root } = input;
  const runner = project.runner!.name;
  const tests = project.discovery?.tests ?? [];
  const nearest = nearestTest(target.file, tests);
  const example = nearest === undefined ? undefined : readExample(root, nearest);
  // A source with a test of its own gets the new test beside that one.
  const mirror =
    nearest === undefined || testsByName(target.file, nearest) ? undefined : mirrorDir(target.file, nearest);
  const place = mirror !== undefined && input.mirrors?.has(mirror) ? mirror : undefined;
  const testFile = testFilePath(target, nearest, input.files, input.reserved, place);
  input.reserved.add(testFile);
  const moduleStyle = inferModuleStyle(example, testFile, project.info.packageJson.type, runner);
  const tsconfigDirs = [...new Set([project.dir, ''])];
  const style = inferExtensionStyle(example, input.files, tsconfigDirs, root, runner);
  const exports = listExports(parsed);
  const root0 = target.symbol?.split('.')[0];
  const importName = root0 === undefined ? undefined : exports.names.get(root0);
  return {
    target,
    runner,
    testFile,
    importPath: importSpecifier(testFile, target.file, style, runner, moduleStyle),
    source: markSource(parsed.text, target),
    exports: exports.signatures,
    ...(example ? { example } : {}),
    moduleStyle,
    ...(importName === undefined ? {} : { importName }),
  };
}

/** The target's lines, each uncovered one suffixed with UNCOVERED_MARK; long targets are elided. */
export function markSource(text: string, target: GenerateTarget): string {
  const lines = text.split('\n');
  const uncovered = new Set(target.uncoveredLines);
  const end = Math.min(target.endLine, lines.length);
  const show = (line: number): string =>
    `${lines[line - 1]!.replace(/\r$/, '')}${uncovered.has(line) ? UNCOVERED_MARK : ''}`;
  const out: string[] = [];
  // A function is shown whole; top-level code only around its uncovered lines (functions in between are
  // other targets' business).
  if (target.symbol !== undefined && end - target.startLine + 1 <= MAX_SOURCE_LINES) {
    for (let line = target.startLine; line <= end; line++) out.push(show(line));
    return out.join('\n');
  }
  const keep = new Set<number>([target.startLine]);
  for (const line of target.uncoveredLines)
    for (let l = line - CONTEXT_AROUND; l <= line + CONTEXT_AROUND; l++) keep.add(l);
  let skipped = 0;
  for (let line = target.startLine; line <= end; line++) {
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
 * `<name>.<symbol>.generated.test.<ext>` in `dir`, by default beside the nearest existing test (beside the
 * source when there is none): the suffix and extension follow that test, so the runner's own include
 * patterns pick it up.
 */
export function testFilePath(
  target: GenerateTarget,
  nearest: string | undefined,
  files: ReadonlySet<string>,
  reserved: ReadonlySet<string>,
  dir = posix.dirname(nearest ?? target.file),
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
    if (!files.has(path) && !reserved.has(path)) return path;
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
