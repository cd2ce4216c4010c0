// Safety of `selectTests` against the real runners: for seeded source mutations of two fixture projects,
// every test file the FULL suite fails must be among the selected ones (recall 100%).
import { spawn } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, test } from 'vitest';
import { type SelectOptions, selectTests } from '../../src/select/select-tests.ts';
import type { SelectResult } from '../../src/select/types.ts';
import { TempRepo } from '../helpers/git-repo.ts';
import { seededRandom } from '../helpers/mutate.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/select-safety/', import.meta.url));
const NODE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));
const MUTATIONS = 20;
/** Below this many mutations that fail a test, the recall check proves little. */
const MIN_BREAKING = 15;
/**
 * 21 runs of a fixture's whole suite: about two minutes alone, several times that on a 2-core machine
 * that runs other test files beside this one. A guard against a hang, not a measure of speed.
 */
const PROJECT_TIMEOUT = 900_000;

interface Project {
  name: string;
  seed: number;
  /** Source files the mutations may touch: code, not tests or runner config. */
  isSource(file: string): boolean;
  /** argv (after `node`) of the whole suite, one worker, writing the runner's JSON report to `out`. */
  suite(dir: string, out: string): string[];
}

const PROJECTS: Project[] = [
  {
    name: 'vitest-app',
    seed: 0x5e1ec7,
    isSource: (f) => /^src\/.*\.ts$/.test(f) && !f.endsWith('.test.ts'),
    // One thread without isolation: the same failing files as isolated forks for all 20 mutations
    // (checked when this test was written), in a fifth of the time. Modules are re-read on every run.
    suite: (dir, out) => [
      join(dir, 'node_modules/vitest/vitest.mjs'),
      'run',
      '--pool=threads',
      '--maxWorkers=1',
      '--no-isolate',
      '--reporter=json',
      `--outputFile=${out}`,
    ],
  },
  {
    name: 'jest-app',
    seed: 0x1e57,
    isSource: (f) => /^lib\/.*\.js$/.test(f) && !/\.test\.js$/.test(f),
    suite: (dir, out) => [
      join(dir, 'node_modules/jest/bin/jest.js'),
      '--ci',
      '--runInBand',
      '--json',
      `--outputFile=${out}`,
    ],
  },
];

// ---------------------------------------------------------------------------------------------------------
// Mutations: one small, deterministic edit of one source line.

type Kind =
  | 'flip-comparison'
  | 'return-value'
  | 'change-constant'
  | 'remove-line'
  | 'swap-arguments'
  | 'change-string'
  | 'flip-arithmetic';
const KINDS: Kind[] = [
  'flip-comparison',
  'return-value',
  'change-constant',
  'remove-line',
  'swap-arguments',
  'change-string',
  'flip-arithmetic',
];

interface Mutation {
  file: string;
  kind: Kind;
  /** 1-based. */
  line: number;
  before: string;
  after: string;
}

/** A line edit: replace [start, end) of the line with `text` (or drop the line when `remove`). */
interface Site {
  start: number;
  end: number;
  text: string;
  remove?: boolean;
}

const STRING = /'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\\n]|\\.)*`/g;
/** The line with string literals blanked, so operators and numbers are only found in code. */
const mask = (line: string) => line.replace(STRING, (m) => m[0] + ' '.repeat(m.length - 2) + m[0]);
const isImport = (t: string) =>
  /^(?:import|export\s+(?:\*|\{[^}]*\}\s+from|type))\b/.test(t) || /\brequire\(/.test(t);
const isComment = (t: string) => /^(?:\/\/|\/\*|\*)/.test(t) || t === "'use strict';";

const FLIP: Record<string, string> = {
  '<': '>=',
  '>': '<=',
  '<=': '>',
  '>=': '<',
  '===': '!==',
  '!==': '===',
};
const ARITH: Record<string, string> = { '+': '-', '-': '+', '*': '/', '/': '*' };

function sitesOf(kind: Kind, lines: string[], index: number): Site[] {
  const line = lines[index]!;
  const trimmed = line.trim();
  if (trimmed === '' || isComment(trimmed)) return [];
  const masked = mask(line);
  const all = (re: RegExp, make: (m: RegExpExecArray) => Site | undefined): Site[] =>
    [...masked.matchAll(re)].flatMap((m) => make(m as RegExpExecArray) ?? []);
  switch (kind) {
    case 'remove-line': {
      // A whole statement: ends with `;`, balanced, and the previous line ended one too.
      const previous =
        lines
          .slice(0, index)
          .reverse()
          .find((l) => l.trim() !== '')
          ?.trim() ?? '';
      const balanced = ['()', '[]', '{}'].every(
        ([o, c]) => masked.split(o!).length === masked.split(c!).length,
      );
      const startsStatement = previous === '' || /[;{}]$/.test(previous) || isComment(previous);
      const useful = !/^import\s+type\b/.test(trimmed) && !/^(?:[)\]}.]|export\s+(?:\*|\{))/.test(trimmed);
      return trimmed.endsWith(';') && balanced && startsStatement && useful
        ? [{ start: 0, end: line.length, text: '', remove: true }]
        : [];
    }
    case 'flip-comparison':
      if (isImport(trimmed)) return [];
      return all(/ (===|!==|<=|>=|<|>) /g, (m) => ({
        start: m.index + 1,
        end: m.index + 1 + m[1]!.length,
        text: FLIP[m[1]!]!,
      }));
    case 'flip-arithmetic':
      if (isImport(trimmed)) return [];
      return all(/ ([-+*/]) (?!=)/g, (m) => ({ start: m.index + 1, end: m.index + 2, text: ARITH[m[1]!]! }));
    case 'change-constant':
      if (isImport(trimmed)) return [];
      return [
        ...all(/(?<![\w.$\\])(\d+(?:\.\d+)?)(?![\w.])/g, (m) => ({
          start: m.index,
          end: m.index + m[1]!.length,
          text: String(Number(m[1]) === 0 ? 1 : Number(m[1]) + 1),
        })),
        ...all(/\b(true|false)\b/g, (m) => ({
          start: m.index,
          end: m.index + m[1]!.length,
          text: m[1] === 'true' ? 'false' : 'true',
        })),
      ];
    case 'return-value': {
      // `return <literal>` (also the value of `if (…) return …;`).
      const m = /\breturn (-?\d+(?:\.\d+)?|true|false|null|'[^']*'|\[\]|[A-Za-z_$][\w$]*)\s*;/.exec(line);
      if (!m || m[1] === 'undefined') return [];
      const value = m[1]!;
      const start = m.index + 'return '.length;
      const text = /^-?\d/.test(value)
        ? String(Number(value) + 1)
        : value === 'true' || value === 'false'
          ? String(value !== 'true')
          : value === 'null' || value === '[]'
            ? 'undefined'
            : value.startsWith("'")
              ? `'${value.slice(1, -1)}?'`
              : 'undefined';
      return [{ start, end: start + value.length, text }];
    }
    case 'swap-arguments':
      if (isImport(trimmed) || /\bfunction\b|^(?:constructor|[\w$]+)\s*\(.*\)\s*\{$/.test(trimmed)) return [];
      return all(/\b[A-Za-z_$][\w$.]*\(([^(),]+), ([^(),=]+)\)/g, (m) => {
        const [a, b] = [m[1]!, m[2]!];
        if (a.trim() === b.trim() || /[:?]/.test(a + b)) return undefined;
        const argStart = m.index + m[0].indexOf('(') + 1;
        // Read the arguments from the real line: masking blanked any string literal among them.
        const realA = line.slice(argStart, argStart + a.length);
        const realB = line.slice(argStart + a.length + 2, argStart + a.length + 2 + b.length);
        return { start: argStart, end: argStart + a.length + 2 + b.length, text: `${realB}, ${realA}` };
      });
    case 'change-string':
      if (isImport(trimmed)) return [];
      return [...line.matchAll(STRING)].flatMap((m) => {
        const body = m[0].slice(1, -1);
        if (m[0].startsWith('`') && body.includes('${')) return [];
        const text =
          body === ''
            ? 'x'
            : body[0] === body[0]!.toUpperCase()
              ? `${body.toLowerCase()}_`
              : body.toUpperCase();
        return text === body ? [] : [{ start: m.index + 1, end: m.index + 1 + body.length, text }];
      });
  }
}

/** `count` distinct mutations, cycling through the kinds; each picks a random file, then a random site. */
function generateMutations(dir: string, files: string[], seed: number, count: number): Mutation[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const sources = new Map(files.map((f) => [f, readFileSync(join(dir, f), 'utf8').split('\n')]));
  const out: Mutation[] = [];
  const seen = new Set<string>();
  for (let attempt = 0; out.length < count && attempt < count * 50; attempt++) {
    const kind = KINDS[attempt % KINDS.length]!;
    const candidates = files.flatMap((file) => {
      const lines = sources.get(file)!;
      return lines.flatMap((_, i) => sitesOf(kind, lines, i).map((site) => ({ file, index: i, site })));
    });
    if (candidates.length === 0) continue;
    const byFile = [...new Set(candidates.map((c) => c.file))];
    const file = pick(byFile);
    const { index, site } = pick(candidates.filter((c) => c.file === file));
    const before = sources.get(file)![index]!;
    const after = site.remove ? '' : before.slice(0, site.start) + site.text + before.slice(site.end);
    const key = `${file}:${index}:${after}`;
    if (after === before || seen.has(key)) continue;
    seen.add(key);
    out.push({ file, kind, line: index + 1, before, after: site.remove ? '(line removed)' : after });
  }
  return out;
}

function apply(dir: string, mutation: Mutation): void {
  const path = join(dir, mutation.file);
  const lines = readFileSync(path, 'utf8').split('\n');
  if (lines[mutation.line - 1] !== mutation.before) throw new Error(`stale mutation of ${mutation.file}`);
  if (mutation.after === '(line removed)') lines.splice(mutation.line - 1, 1);
  else lines[mutation.line - 1] = mutation.after;
  writeFileSync(path, lines.join('\n'));
}

// ---------------------------------------------------------------------------------------------------------
// The real suite.

interface JsonReport {
  testResults: { name: string; status: string; assertionResults: { status: string }[] }[];
}

/** Runs the whole suite; returns every test file (repository-relative) and those with a failure. */
async function runSuite(
  project: Project,
  dir: string,
  out: string,
): Promise<{ files: string[]; failing: string[] }> {
  rmSync(out, { force: true });
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(VITEST|JEST_WORKER_ID$|NODE_V8_COVERAGE$|NODE_TEST_CONTEXT$|NODE_OPTIONS$|TEST$)/.test(key))
      continue;
    env[key] = value;
  }
  const stderr = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, project.suite(dir, out), {
      cwd: dir,
      env: { ...env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
  let report: JsonReport;
  try {
    report = JSON.parse(readFileSync(out, 'utf8')) as JsonReport;
  } catch {
    throw new Error(`${project.name}: the suite wrote no JSON report:\n${stderr.slice(-4000)}`);
  }
  const real = realpathSync(dir);
  const rel = (name: string) => relative(real, realpathSync(name)).split(sep).join('/');
  const failed = (r: JsonReport['testResults'][number]) =>
    r.status === 'failed' || r.assertionResults.some((a) => a.status === 'failed');
  return {
    files: report.testResults.map((r) => rel(r.name)).sort(),
    failing: report.testResults
      .filter(failed)
      .map((r) => rel(r.name))
      .sort(),
  };
}

/** The fixture in a fresh repository, node_modules linked entry by entry so caches stay in the copy. */
function checkout(name: string): TempRepo {
  const repo = new TempRepo(`testloop-safety-${name}-`);
  cpSync(join(FIXTURES, name), repo.dir, { recursive: true });
  mkdirSync(join(repo.dir, 'node_modules'));
  for (const entry of readdirSync(NODE_MODULES)) {
    if (entry === '.cache' || entry.startsWith('.vite')) continue;
    symlinkSync(join(NODE_MODULES, entry), join(repo.dir, 'node_modules', entry));
  }
  repo.commit('fixture');
  return repo;
}

function listed(repo: TempRepo): string[] {
  return repo.git('ls-files').split('\n').filter(Boolean);
}

// ---------------------------------------------------------------------------------------------------------

interface Row {
  project: string;
  id: number;
  mutation: Mutation;
  failing: string[];
  /** Selection size per mode (git base, or the changed file named), and what each mode missed. */
  selected: Record<string, { size: number; all: boolean; missed: string[] }>;
  total: number;
}

const rows: Row[] = [];
const cleanup: (() => void)[] = [];

afterAll(() => {
  for (const fn of cleanup) fn();
  if (rows.length === 0) return;
  const pad = (s: string | number, n: number) => String(s).padEnd(n);
  const lines = [
    '',
    'select safety: seeded mutations, full suite run for each (failing test files must be ⊆ selected)',
    `${pad('project', 11)} ${pad('#', 3)} ${pad('mutation', 46)} ${pad('failing', 8)} ${pad('sel(git)', 9)} ${pad('sel(--changed)', 15)} ${pad('total', 6)} missed`,
  ];
  for (const r of [...rows].sort((a, b) => a.project.localeCompare(b.project) || a.id - b.id)) {
    const what = `${r.mutation.kind} ${r.mutation.file}:${r.mutation.line}`;
    const [git, changed] = Object.values(r.selected);
    const size = (s: Row['selected'][string] | undefined) =>
      s === undefined ? '?' : s.all ? `${s.size} (all)` : String(s.size);
    const missed = [...new Set(Object.values(r.selected).flatMap((s) => s.missed))];
    lines.push(
      `${pad(r.project, 11)} ${pad(r.id, 3)} ${pad(what.slice(0, 46), 46)} ${pad(r.failing.length, 8)} ${pad(size(git), 9)} ${pad(size(changed), 15)} ${pad(r.total, 6)} ${missed.length === 0 ? '-' : missed.join(' ')}`,
    );
  }
  const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
  for (const project of PROJECTS) {
    const mine = rows.filter((r) => r.project === project.name);
    if (mine.length === 0) continue;
    const sizes = mine.flatMap((r) => Object.values(r.selected).map((s) => s.size));
    const missed = mine.reduce(
      (n, r) => n + Object.values(r.selected).reduce((m, s) => m + s.missed.length, 0),
      0,
    );
    lines.push(
      `${project.name}: ${mine.length} mutations, ${mine.filter((r) => r.failing.length > 0).length} fail ≥ 1 test file; ` +
        `mean failing ${mean(mine.map((r) => r.failing.length)).toFixed(1)}, ` +
        `mean selected ${mean(sizes).toFixed(1)} of ${mine[0]!.total} test files; missed ${missed}`,
    );
  }
  console.log(lines.join('\n'));
});

describe.concurrent('selectTests keeps every failing test file (seeded mutations, real runners)', () => {
  for (const project of PROJECTS) {
    test(`${project.name}`, { timeout: PROJECT_TIMEOUT }, async ({ expect }) => {
      const repo = checkout(project.name);
      const reports = mkdtempSync(join(tmpdir(), `testloop-safety-report-`));
      cleanup.push(() => {
        repo.remove();
        rmSync(reports, { recursive: true, force: true });
      });
      const out = join(reports, 'report.json');
      const baseline = repo.git('rev-parse', 'HEAD');

      // The fixture is green, and select sees exactly the runner's test files.
      const clean = await runSuite(project, repo.dir, out);
      expect(clean.failing).toEqual([]);
      const none = await selectTests({ cwd: repo.dir, base: 'HEAD', env: {} });
      expect(none.tests).toEqual([]);
      expect(none.stats.totalTests).toBe(clean.files.length);

      const sources = listed(repo).filter(project.isSource);
      const mutations = generateMutations(repo.dir, sources, project.seed, MUTATIONS);
      expect(mutations).toHaveLength(MUTATIONS);
      expect(new Set(mutations.map((m) => m.file)).size).toBeGreaterThanOrEqual(8);

      for (const [i, mutation] of mutations.entries()) {
        apply(repo.dir, mutation);
        // Alternate: committed (select against HEAD~1) or left in the working tree (against HEAD).
        const committed = i % 2 === 0;
        if (committed) repo.commit(`mutation ${i}`);
        const modes: [string, SelectOptions][] = [
          [committed ? 'HEAD~1' : 'HEAD', { base: committed ? 'HEAD~1' : 'HEAD' }],
          ['changed', { changed: [mutation.file] }],
        ];
        const selections: [string, SelectResult][] = [];
        for (const [mode, options] of modes)
          selections.push([mode, await selectTests({ cwd: repo.dir, env: {}, ...options })]);
        const { failing } = await runSuite(project, repo.dir, out);
        const row: Row = { project: project.name, id: i, mutation, failing, selected: {}, total: 0 };
        rows.push(row);
        for (const [mode, result] of selections) {
          const selected = new Set(result.tests.map((t) => t.file));
          const missed = result.all ? [] : failing.filter((f) => !selected.has(f));
          row.selected[mode] = { size: selected.size, all: result.all, missed };
          row.total = result.stats.totalTests;
          expect
            .soft(
              missed,
              `${project.name} #${i} ${mutation.kind} ${mutation.file}:${mutation.line} (${mode}) missed`,
            )
            .toEqual([]);
        }
        repo.git('reset', '--quiet', '--hard', baseline);
        repo.git('checkout', '--', '.');
        repo.git('clean', '-fdq');
      }

      const breaking = new Set(
        rows.filter((r) => r.project === project.name && r.failing.length > 0).map((r) => r.id),
      );
      expect(
        breaking.size,
        `only ${breaking.size} of ${MUTATIONS} mutations fail a test: the check is vacuous`,
      ).toBeGreaterThanOrEqual(MIN_BREAKING);
    });
  }
});
