import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FileCoverage } from '../coverage/types.ts';
import { TestloopError } from '../errors.ts';
import type { GapsResult } from '../gaps/types.ts';
import { type Project, projectOf } from '../select/projects.ts';
import { executableLines, functionAt, type ParsedSource, parseSource, unitAt } from './ast.ts';
import { sameFileCallees } from './callees.ts';
import type { GenerateTarget } from './types.ts';

export interface SkippedTarget {
  target: string;
  reason: string;
}

export interface CollectedTargets {
  targets: GenerateTarget[];
  skipped: SkippedTarget[];
  warnings: string[];
}

const CODE = /\.(?:[cm]?[jt]sx?)$/i;
const TEST_NAME = /(?:^|[/.\-_])(?:test|spec)s?\.[cm]?[jt]sx?$|(?:^|\/)__tests__\//i;

/** Why a file cannot get generated tests, or undefined when it can. */
export function unsupportedReason(file: string, projects: readonly Project[]): string | undefined {
  if (!CODE.test(file) || /\.d\.[cm]?ts$/i.test(file)) return 'not a JavaScript or TypeScript source file';
  const project = projectOf(projects, file);
  if (TEST_NAME.test(file) || project.discovery?.tests.includes(file)) return 'a test file';
  if (!project.runner)
    return `no test runner found for ${project.dir || 'the repository root'} (vitest, jest or node --test)`;
  return undefined;
}

/**
 * Groups a file's uncovered lines by the function around them (one target per function; lines outside
 * every function form one top-level target). A changed function no test calls, with none of its
 * uncovered changed lines among `uncoveredLines`, adds its own body's executable lines (its first line
 * when it has none) to the target around it: that function only, never the rest of the function it sits
 * in, which the change did not touch.
 */
export function groupUncovered(
  file: string,
  parsed: ParsedSource,
  uncoveredLines: readonly number[],
  uncoveredFunctions: readonly { name: string; line: number }[] = [],
): GenerateTarget[] {
  const byUnit = new Map<string, GenerateTarget>();
  const topLevel: number[] = [];
  const targetOf = (unit: NonNullable<ReturnType<typeof unitAt>>): GenerateTarget => {
    let target = byUnit.get(unit.symbol);
    if (!target) {
      target = newTarget(file, unit, parsed);
      byUnit.set(unit.symbol, target);
    }
    return target;
  };
  const add = (line: number): void => {
    const unit = unitAt(parsed.units, line);
    if (unit) targetOf(unit).uncoveredLines.push(line);
    else topLevel.push(line);
  };
  for (const line of uncoveredLines) add(line);
  for (const fn of uncoveredFunctions) {
    const node = functionAt(parsed, fn.line);
    const start = node ? parsed.lineOf(node.start) : fn.line;
    const end = node ? parsed.lineOf(node.end - 1) : fn.line;
    if (uncoveredLines.some((line) => line >= start && line <= end)) continue;
    const body = node ? executableLines(node, parsed.lineOf) : [];
    for (const line of body.length > 0 ? body : [fn.line]) add(line);
  }
  const targets = [...byUnit.values()];
  if (topLevel.length > 0) {
    const start = Math.min(...topLevel);
    const end = Math.max(...topLevel);
    targets.push({
      id: `${file}:${start}-${end}`,
      file,
      startLine: start,
      endLine: end,
      uncoveredLines: topLevel,
    });
  }
  for (const target of targets)
    target.uncoveredLines = [...new Set(target.uncoveredLines)].sort((a, b) => a - b);
  return targets
    .filter((target) => target.uncoveredLines.length > 0)
    .sort((a, b) => a.startLine - b.startLine);
}

/**
 * A target named by the user: `file:symbol` or `file:start-end`. Its uncovered lines come from the
 * coverage report when there is one, else every executable line of the function counts.
 */
export function targetFromSpec(
  file: string,
  selector: string,
  parsed: ParsedSource,
  coverage: FileCoverage | undefined,
): GenerateTarget {
  const range = /^(\d+)-(\d+)$/.exec(selector);
  let target: GenerateTarget;
  let executable: number[];
  if (range) {
    const startLine = Number(range[1]);
    const endLine = Number(range[2]);
    target = { id: `${file}:${startLine}-${endLine}`, file, startLine, endLine, uncoveredLines: [] };
    const lines = parsed.text.split('\n');
    executable = [];
    for (let line = startLine; line <= endLine && line <= lines.length; line++) {
      if (holdsCode(lines[line - 1]!)) executable.push(line);
    }
  } else {
    const unit = parsed.units.find((u) => u.symbol === selector);
    if (!unit) {
      const known = parsed.units.map((u) => u.symbol);
      throw new TestloopError(
        'TESTLOOP_USAGE',
        `--target ${file}:${selector}: no function "${selector}" in ${file}${known.length > 0 ? ` (it has ${known.slice(0, 12).join(', ')}${known.length > 12 ? ', …' : ''})` : ''}. Name a function, Class.method, object.method, or a line range start-end`,
      );
    }
    target = newTarget(file, unit, parsed);
    executable = executableLines(unit.fn, parsed.lineOf);
  }
  if (coverage) {
    // Raw V8 coverage counts every line of a block, its closing braces and comments too.
    const text = parsed.text.split('\n');
    const uncovered = [...coverage.lines]
      .filter(([line, hits]) => hits === 0 && holdsCode(text[line - 1] ?? ''))
      .map(([line]) => line);
    target.fileUncoveredLines = uncovered.sort((a, b) => a - b);
    target.uncoveredLines = target.fileUncoveredLines.filter(
      (line) => line >= target.startLine && line <= target.endLine,
    );
  } else target.uncoveredLines = executable;
  return target;
}

/** False for a blank line, a comment, or closing brackets alone: nothing there runs by itself. */
function holdsCode(line: string): boolean {
  return /\S/.test(line) && !/^\s*(?:\/\/|\/\*|\*|[}\])]+;?\s*$)/.test(line);
}

/** A target for one function of the file, its uncovered lines still to be added. */
function newTarget(
  file: string,
  unit: { symbol: string; startLine: number; endLine: number },
  parsed: ParsedSource,
): GenerateTarget {
  return {
    id: `${file}:${unit.symbol}`,
    file,
    symbol: unit.symbol,
    startLine: unit.startLine,
    endLine: unit.endLine,
    uncoveredLines: [],
    ...calleesOf(parsed, unit.symbol),
  };
}

/** The same-file functions a unit reaches (see ./callees.ts), as a target carries them. */
function calleesOf(parsed: ParsedSource, symbol: string): Pick<GenerateTarget, 'callees'> {
  const unit = parsed.units.find((u) => u.symbol === symbol);
  const callees = unit === undefined ? [] : sameFileCallees(parsed, unit);
  return callees.length === 0
    ? {}
    : { callees: callees.map(({ symbol, startLine, endLine }) => ({ symbol, startLine, endLine })) };
}

/**
 * A covered target's same-file callees that still have uncovered lines (the implementation behind a
 * wrapper whose own line some test runs), each as a target of its own.
 */
function uncoveredCallees(
  target: GenerateTarget,
  parsed: ParsedSource,
  coverage: FileCoverage,
): GenerateTarget[] {
  return (target.callees ?? [])
    .map((callee) => targetFromSpec(target.file, callee.symbol, parsed, coverage))
    .filter((callee) => callee.uncoveredLines.length > 0);
}

export interface CollectOptions {
  root: string;
  projects: readonly Project[];
  gaps?: GapsResult;
  /** `file:symbol` with `file` repository-relative. */
  specs?: readonly string[];
  /** Coverage by repository path, for --target; undefined without --coverage. */
  coverage?: ReadonlyMap<string, FileCoverage>;
  /**
   * The coverage was measured by running the files' tests (no report given): a file it lacks was already
   * warned about, with why, and counts every line of its targets as uncovered.
   */
  measured?: boolean;
}

/** The targets of one run: from the gaps of a change, or from --target. */
export function collectTargets(options: CollectOptions): CollectedTargets {
  const out: CollectedTargets = { targets: [], skipped: [], warnings: [] };
  const parsedFiles = new Map<string, ParsedSource>();
  const parse = (file: string): ParsedSource => {
    let parsed = parsedFiles.get(file);
    if (!parsed) {
      let text: string;
      try {
        text = readFileSync(join(options.root, file), 'utf8');
      } catch {
        throw new TestloopError('TESTLOOP_USAGE', `${file}: cannot read it. Check the path of the target`);
      }
      parsed = parseSource(file, text);
      if (parsed.broken)
        out.warnings.push(`${file}: has syntax errors; functions were read from what parses`);
      parsedFiles.set(file, parsed);
    }
    return parsed;
  };
  for (const spec of options.specs ?? []) {
    const colon = spec.lastIndexOf(':');
    if (colon <= 0 || colon === spec.length - 1)
      throw new TestloopError(
        'TESTLOOP_USAGE',
        `--target ${spec}: expected file:symbol (e.g. src/cart.ts:total or src/cart.ts:Cart.add)`,
      );
    const file = spec.slice(0, colon);
    const why = unsupportedReason(file, options.projects);
    if (why) {
      out.skipped.push({ target: spec, reason: why });
      continue;
    }
    const coverage = options.coverage?.get(file);
    if (options.coverage && !coverage && !options.measured)
      out.warnings.push(
        `${file}: no coverage report mentions it; every line of the target counts as uncovered`,
      );
    const target = targetFromSpec(file, spec.slice(colon + 1), parse(file), coverage);
    const callees =
      coverage && target.uncoveredLines.length === 0 ? uncoveredCallees(target, parse(file), coverage) : [];
    if (callees.length > 0) {
      // Its own lines run, the code it delegates to does not: that code is what a test has to reach.
      const names = callees.map((callee) => callee.symbol).join(', ');
      out.skipped.push({
        target: target.id,
        reason: `every line is already covered; its uncovered same-file callee(s) ${names} are targeted instead`,
      });
      for (const callee of callees)
        if (!out.targets.some((t) => t.id === callee.id)) out.targets.push(callee);
    } else if (target.uncoveredLines.length === 0) {
      out.skipped.push({
        target: target.id,
        reason: coverage ? 'every line is already covered' : 'no executable lines',
      });
    } else if (!out.targets.some((t) => t.id === target.id)) out.targets.push(target);
  }
  for (const file of options.gaps?.files ?? []) {
    if (file.uncoveredLines.length === 0 && file.uncoveredFunctions.length === 0) continue;
    const why = unsupportedReason(file.path, options.projects);
    if (why) {
      out.skipped.push({ target: file.path, reason: why });
      continue;
    }
    out.targets.push(
      ...groupUncovered(file.path, parse(file.path), file.uncoveredLines, file.uncoveredFunctions),
    );
  }
  return out;
}
