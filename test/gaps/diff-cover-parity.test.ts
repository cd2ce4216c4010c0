import { execFile, spawnSync } from 'node:child_process';
import { readFileSync, realpathSync, rmSync } from 'node:fs';
import { posix } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findGaps } from '../../src/gaps/find-gaps.ts';
import { TempRepo } from '../helpers/git-repo.ts';

/**
 * Parity with diff-cover 7.x, the contract of `testloop gaps`: seeded random repositories (renames,
 * deletions, binaries, spaces, CRLF, a file no report mentions, a base branch that moved on), one lcov
 * and one Cobertura report each, and both tools must agree on every file's uncovered lines and on the totals.
 *
 * Known divergence left out on purpose: every generated text file ends with a newline. diff-cover
 * counts git's "\ No newline at end of file" marker as a line, so changes after it are shifted down by
 * one (last line of a newline-less file edited: it reports lines N+1…, testloop the real lines N…).
 */

const execFileAsync = promisify(execFile);
const DIFF_COVER = process.env.DIFF_COVER ?? 'diff-cover';
const diffCoverVersion = probeDiffCover();
const SKIP_REASON = `skipped: ${DIFF_COVER} is not installed (pip install 'diff-cover>=7,<8')`;
const CASES = 14;

function probeDiffCover(): string | undefined {
  const probe = spawnSync(DIFF_COVER, ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

/** mulberry32: small, fast and the same on every platform. */
class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
}

const WORDS = ['alpha', 'bravo', 'cache', 'delta', 'event', 'fetch', 'graph', 'hash', 'index', 'join'];
const DIRS = ['src', 'src/lib', 'src/lib/deep/er', 'lib', 'packages/app/src', 'tools/scripts'];
const EXTENSIONS = ['.ts', '.js', '.tsx', '.py'];
const SPACED = 'src/with space/my module.ts';
const RENAMED_FROM = 'src/old/moved.ts';
const RENAMED_TO = 'src/new/moved here.ts';
const DELETED = 'lib/legacy.js';
const UNREPORTED = 'tools/unreported.ts';
const BINARY = 'assets/logo.bin';
const ADDED = 'src/feature/brand-new.ts';
const CRLF = 'src/win/crlf.ts';

interface Scenario {
  seed: number;
  lcovPaths: 'absolute' | 'relative' | 'mixed';
  /** Cobertura's project root (its <source>), relative to the repository root. */
  coberturaRoot: '' | 'src';
  mainMovesOn: boolean;
  mergeMain: boolean;
  pureRename: boolean;
}

interface Built {
  repo: TempRepo;
  root: string;
  /** Text files at the feature head, as lines. */
  files: Map<string, string[]>;
}

function scenario(index: number): Scenario {
  return {
    seed: 0x5eed + index * 7919,
    lcovPaths: (['absolute', 'relative', 'mixed'] as const)[index % 3]!,
    coberturaRoot: index % 4 === 3 ? 'src' : '',
    mainMovesOn: index % 2 === 1,
    mergeMain: index % 6 === 5,
    pureRename: index % 5 === 2,
  };
}

function buildRepo(s: Scenario): Built {
  const rng = new Rng(s.seed);
  const repo = new TempRepo('testloop-parity-');
  let id = 0;
  const fresh = (n: number) => Array.from({ length: n }, () => codeLine(rng, id++));
  const size = () => rng.pick([() => rng.int(1, 5), () => rng.int(20, 80), () => rng.int(150, 400)])();
  const files = new Map<string, string[]>();
  const count = rng.int(6, 14);
  for (let i = 0; i < count; i++)
    files.set(`${rng.pick(DIRS)}/${rng.pick(WORDS)}-${i}${rng.pick(EXTENSIONS)}`, fresh(size()));
  const regular = [...files.keys()];
  files.set(SPACED, fresh(rng.int(20, 120)));
  files.set(RENAMED_FROM, fresh(rng.int(60, 120)));
  files.set(DELETED, fresh(rng.int(10, 60)));
  files.set(UNREPORTED, fresh(rng.int(10, 60)));
  files.set(CRLF, fresh(rng.int(10, 60)));
  const save = () => {
    for (const [path, lines] of files) repo.write(path, render(path, lines));
  };
  repo.write('.gitignore', 'coverage/\n');
  repo.write(BINARY, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1, 2, 3, 0, 255]));
  save();
  repo.commit('base');

  repo.git('checkout', '--quiet', '-b', 'feature');
  for (const path of regular) if (rng.chance(0.6)) edit(rng, files.get(path)!, fresh);
  edit(rng, files.get(SPACED)!, fresh);
  files.get(SPACED)!.splice(rng.int(0, 10), 0, ...fresh(6));
  edit(rng, files.get(UNREPORTED)!, fresh);
  edit(rng, files.get(CRLF)!, fresh);
  files.set(ADDED, fresh(rng.int(5, 80)));
  repo.git('rm', '--quiet', DELETED);
  files.delete(DELETED);
  rmSync(`${repo.dir}/${RENAMED_FROM}`);
  const moved = files.get(RENAMED_FROM)!;
  files.delete(RENAMED_FROM);
  if (!s.pureRename) moved.splice(rng.int(0, moved.length), 1, ...fresh(2));
  files.set(RENAMED_TO, moved);
  repo.write(BINARY, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 9, 8, 7, 0, 255, rng.int(0, 255)]));
  save();
  repo.commit('feature, part 1');
  for (const path of regular) if (rng.chance(0.3)) edit(rng, files.get(path)!, fresh);
  save();
  repo.commit('feature, part 2');

  if (s.mainMovesOn) {
    repo.git('checkout', '--quiet', 'main');
    const mainOnly = fresh(rng.int(5, 30));
    repo.write('docs/main-only.md', '# on main only\n');
    repo.write('src/main-only.ts', render('src/main-only.ts', mainOnly));
    repo.commit('main moves on');
    repo.git('checkout', '--quiet', 'feature');
    if (s.mergeMain) {
      files.set('src/main-only.ts', mainOnly);
      repo.git('merge', '--quiet', '--no-edit', 'main');
    }
  }
  return { repo, root: realpathSync(repo.git('rev-parse', '--show-toplevel')), files };
}

function codeLine(rng: Rng, id: number): string {
  const word = rng.pick(WORDS);
  switch (rng.int(0, 7)) {
    case 0:
      return '';
    case 1:
      return '}';
    case 2:
      return `export function ${word}${id}(input: number): number {`;
    case 3:
      return `  const v${id} = input * ${rng.int(2, 99)};`;
    case 4:
      return `  if (v${id} > ${rng.int(0, 500)}) return ${word}(v${id});`;
    case 5:
      return `  // ${word} ${rng.pick(WORDS)} ${id}`;
    case 6:
      return `  return helper(${id});`;
    default:
      return `export const ${word}_${id} = '${word}';`;
  }
}

/** Insertions, modifications, deletions and appended lines, 1–4 of them. */
function edit(rng: Rng, lines: string[], fresh: (n: number) => string[]): void {
  const operations = rng.int(1, 4);
  for (let i = 0; i < operations; i++) {
    const at = rng.int(0, lines.length);
    const n = rng.int(1, 12);
    const op = rng.int(0, 3);
    if (op === 0) lines.splice(at, 0, ...fresh(n));
    else if (op === 1) lines.splice(at, n, ...fresh(Math.min(n, Math.max(1, lines.length - at))));
    else if (op === 2) lines.splice(at, n);
    else lines.push(...fresh(n));
  }
}

function render(path: string, lines: readonly string[]): string {
  if (lines.length === 0) return '';
  const eol = path === CRLF ? '\r\n' : '\n';
  return `${lines.join(eol)}${eol}`;
}

interface FileReport {
  path: string;
  lines: [number, number][];
  functions: { name: string; line: number; hits: number }[];
  branches: { line: number; taken: number[] }[];
}

/** Random executable lines (never blank ones) and hits, some zero, for every reported file at the head. */
function coverageOf(rng: Rng, files: Map<string, string[]>): FileReport[] {
  const reports: FileReport[] = [];
  for (const [path, lines] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (path === UNREPORTED) continue;
    const executable = 0.4 + rng.next() * 0.55;
    const zero = 0.1 + rng.next() * 0.4;
    const report: FileReport = { path, lines: [], functions: [], branches: [] };
    lines.forEach((text, i) => {
      if (text.trim() === '' || !rng.chance(executable)) return;
      const hits = rng.chance(zero) ? 0 : rng.int(1, 40);
      report.lines.push([i + 1, hits]);
      if (text.startsWith('export function'))
        report.functions.push({ name: text.split(/[ (]/)[2]!, line: i + 1, hits });
      if (text.includes(' if (')) report.branches.push({ line: i + 1, taken: [hits, rng.int(0, 1) * hits] });
    });
    reports.push(report);
  }
  // A stale entry for a file that no longer exists: both tools must ignore it.
  reports.push({ path: DELETED, lines: [[1, 0]], functions: [], branches: [] });
  return reports;
}

/** The records istanbul's lcovonly reporter writes (no VER: diff-cover 7 rejects unknown records). */
function writeLcov(built: Built, files: FileReport[], mode: Scenario['lcovPaths'], rng: Rng): string {
  const out: string[] = [];
  for (const f of files) {
    const absolute = mode === 'absolute' || (mode === 'mixed' && rng.chance(0.5));
    out.push('TN:', `SF:${absolute ? `${built.root}/${f.path}` : f.path}`);
    for (const fn of f.functions) out.push(`FN:${fn.line},${fn.name}`);
    out.push(`FNF:${f.functions.length}`, `FNH:${f.functions.filter((fn) => fn.hits > 0).length}`);
    for (const fn of f.functions) out.push(`FNDA:${fn.hits},${fn.name}`);
    for (const [line, hits] of f.lines) out.push(`DA:${line},${hits}`);
    out.push(`LF:${f.lines.length}`, `LH:${f.lines.filter(([, h]) => h > 0).length}`);
    f.branches.forEach((b, block) => {
      b.taken.forEach((taken, i) => {
        out.push(
          `BRDA:${b.line},${block},${i},${f.lines.some(([l, h]) => l === b.line && h > 0) ? taken : '-'}`,
        );
      });
    });
    out.push(`BRF:${f.branches.length * 2}`, 'BRH:0', 'end_of_record');
  }
  const path = 'coverage/lcov.info';
  built.repo.write(path, `${out.join('\n')}\n`);
  return path;
}

/** Shaped like istanbul's cobertura reporter: <sources> holds the project root, filenames are relative to it. */
function writeCobertura(built: Built, files: FileReport[], projectRoot: Scenario['coberturaRoot']): string {
  const sourceRoot = projectRoot === '' ? built.root : `${built.root}/${projectRoot}`;
  const byPackage = new Map<string, FileReport[]>();
  for (const f of files) {
    const relative = posix.relative(sourceRoot, `${built.root}/${f.path}`);
    const dir = posix.dirname(relative);
    const name = dir === '.' ? 'main' : dir.replace(/\//g, '.');
    byPackage.set(name, [...(byPackage.get(name) ?? []), f]);
  }
  const out = [
    '<?xml version="1.0" ?>',
    '<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">',
    '<coverage lines-valid="0" lines-covered="0" line-rate="1" branches-valid="0" branches-covered="0" branch-rate="1" timestamp="1767225600000" complexity="0" version="0.1">',
    '  <sources>',
    `    <source>${xml(sourceRoot)}</source>`,
    '  </sources>',
    '  <packages>',
  ];
  for (const [name, members] of byPackage) {
    out.push(`    <package name="${xml(name)}" line-rate="1" branch-rate="1">`, '      <classes>');
    for (const f of members) {
      const filename = posix.relative(sourceRoot, `${built.root}/${f.path}`);
      out.push(
        `        <class name="${xml(posix.basename(f.path))}" filename="${xml(filename)}" line-rate="1" branch-rate="1">`,
        '          <methods>',
      );
      for (const fn of f.functions) {
        out.push(
          `            <method name="${fn.name}" hits="${fn.hits}" signature="()V">`,
          `              <lines><line number="${fn.line}" hits="${fn.hits}"/></lines>`,
          '            </method>',
        );
      }
      out.push('          </methods>', '          <lines>');
      for (const [line, hits] of f.lines) {
        const branch = f.branches.find((b) => b.line === line);
        const covered = branch ? branch.taken.filter((t) => t > 0).length : 0;
        out.push(
          branch
            ? `            <line number="${line}" hits="${hits}" branch="true" condition-coverage="${covered * 50}% (${covered}/2)"/>`
            : `            <line number="${line}" hits="${hits}" branch="false"/>`,
        );
      }
      out.push('          </lines>', '        </class>');
    }
    out.push('      </classes>', '    </package>');
  }
  out.push('  </packages>', '</coverage>');
  const path = 'coverage/cobertura-coverage.xml';
  built.repo.write(path, `${out.join('\n')}\n`);
  return path;
}

function xml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * diff-cover looks a Cobertura class up by its relative filename too, so with a sub-folder root
 * `lib/x.ts` (meaning src/lib/x.ts) would also claim an unreported top-level lib/x.ts: a diff-cover
 * ambiguity, not a contract. Such scenarios fall back to the repository root.
 */
function safeCoberturaRoot(files: FileReport[], changed: Set<string>, wanted: Scenario['coberturaRoot']) {
  if (wanted === '') return wanted;
  const reported = new Set(files.map((f) => f.path));
  const clash = files.some((f) => {
    const relative = posix.relative(wanted, f.path);
    return relative !== f.path && changed.has(relative) && !reported.has(relative);
  });
  return clash ? '' : wanted;
}

interface DiffCoverJson {
  src_stats: Record<string, { percent_covered: number; violation_lines: number[] }>;
  total_num_lines: number;
  total_num_violations: number;
  total_percent_covered: number;
  num_changed_lines: number;
}

async function runDiffCover(built: Built, report: string, name: string): Promise<DiffCoverJson> {
  const out = `coverage/diff-cover-${name}.json`;
  await execFileAsync(DIFF_COVER, [report, '--compare-branch=main', '--json-report', out, '--quiet'], {
    cwd: built.root,
    env: process.env,
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(readFileSync(`${built.root}/${out}`, 'utf8')) as DiffCoverJson;
}

const seen = { files: 0, violations: 0, spaced: 0, renamed: 0, crlf: 0, added: 0, unreportedChanged: 0 };
const built: TempRepo[] = [];
const savedEnv = { global: process.env.GIT_CONFIG_GLOBAL, nosystem: process.env.GIT_CONFIG_NOSYSTEM };

// The last case sums up what the repository cases before it compared, so the cases keep their order when
// files and tests are shuffled.
describe('testloop gaps ⇔ diff-cover parity', { shuffle: false }, () => {
  beforeAll(() => {
    // The user's git config (diff.renames=false, say) must not decide the outcome for either tool.
    process.env.GIT_CONFIG_GLOBAL = '/dev/null';
    process.env.GIT_CONFIG_NOSYSTEM = '1';
  });
  afterAll(() => {
    for (const repo of built) repo.remove();
    for (const [key, value] of [
      ['GIT_CONFIG_GLOBAL', savedEnv.global],
      ['GIT_CONFIG_NOSYSTEM', savedEnv.nosystem],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  for (let index = 0; index < CASES; index++) {
    const s = scenario(index);
    const title = diffCoverVersion
      ? `repo #${index} (seed ${s.seed}, lcov ${s.lcovPaths} paths, cobertura root "${s.coberturaRoot || '.'}"${s.mainMovesOn ? ', main moved on' : ''}${s.mergeMain ? ', main merged' : ''}) matches ${diffCoverVersion}`
      : `repo #${index} matches diff-cover (${SKIP_REASON})`;
    it.skipIf(!diffCoverVersion)(title, async () => {
      const b = buildRepo(s);
      built.push(b.repo);
      const rng = new Rng(s.seed ^ 0xc0ffee);
      const files = coverageOf(rng, b.files);
      const changed = new Set(b.repo.git('diff', '--name-only', 'main...HEAD').split('\n').filter(Boolean));
      const reports = {
        lcov: writeLcov(b, files, s.lcovPaths, rng),
        cobertura: writeCobertura(b, files, safeCoberturaRoot(files, changed, s.coberturaRoot)),
      };
      expect(b.repo.git('status', '--porcelain'), 'diff-cover also diffs staged and unstaged changes').toBe(
        '',
      );

      for (const [name, report] of Object.entries(reports)) {
        const theirs = await runDiffCover(b, report, name);
        const ours = await findGaps({ cwd: b.root, base: 'main', coverage: [report] });
        const measured = ours.files.filter((f) => f.coverableLines > 0);
        const context = `${name} report in ${b.root}`;

        expect(measured.map((f) => f.path).sort(), context).toEqual(Object.keys(theirs.src_stats).sort());
        expect(Object.fromEntries(measured.map((f) => [f.path, f.uncoveredLines])), context).toEqual(
          Object.fromEntries(Object.entries(theirs.src_stats).map(([p, v]) => [p, v.violation_lines])),
        );
        for (const f of measured) {
          expect(
            Math.abs(f.percent - theirs.src_stats[f.path]!.percent_covered),
            `${context}: ${f.path}`,
          ).toBeLessThan(0.011);
        }
        expect(
          {
            coverable: ours.totals.coverableLines,
            uncovered: ours.totals.uncoveredLines,
            percent: Math.floor(ours.totals.percent),
            changed: ours.totals.changedLines,
          },
          context,
        ).toEqual({
          coverable: theirs.total_num_lines,
          uncovered: theirs.total_num_violations,
          percent: theirs.total_percent_covered,
          changed: theirs.num_changed_lines,
        });

        seen.files += measured.length;
        seen.violations += ours.totals.uncoveredLines;
        if (theirs.src_stats[SPACED]) seen.spaced++;
        if (theirs.src_stats[RENAMED_TO]) seen.renamed++;
        if (theirs.src_stats[CRLF]) seen.crlf++;
        if (theirs.src_stats[ADDED]) seen.added++;
        if (ours.files.some((f) => f.path === UNREPORTED && !f.measured && f.changedLines > 0))
          seen.unreportedChanged++;
      }
    });
  }

  it.skipIf(!diffCoverVersion)('exercised every kind of change it was built to compare', () => {
    expect(seen.files).toBeGreaterThan(CASES * 2 * 5);
    expect(seen.violations).toBeGreaterThan(CASES * 2 * 5);
    for (const key of ['spaced', 'renamed', 'crlf', 'added', 'unreportedChanged'] as const)
      expect(seen[key], key).toBeGreaterThan(CASES);
  });
});
