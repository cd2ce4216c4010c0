// End to end on reports the real runners write. Each fixture project under
// test/fixtures/coverage/runner-reports/ is copied into a temp git repository and committed as main;
// a change is committed on `feature`; the project's own runner runs its tests with coverage; then
// findGaps is asked, once per report format, what the change left untested.
//
// The change, the same in every JS project (line numbers of src/pricing.js after it):
//   2-4   added guard `if (price < 0) { throw … }`: the if runs, its throw never does
//   9     modified `return Math.round(sum)`: a tested line
//   13    modified body of label(), which no test calls
//   16-21 added shipping(): tested with a light parcel only, so `return 15` (18) never runs
//   23-27 added giftWrap(), which no test calls (25 is a blank line inside it)
// and the test file gains a test of shipping(2).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findGaps } from '../../src/gaps/find-gaps.ts';
import type { FileGaps, GapsResult } from '../../src/gaps/types.ts';
import { TempRepo } from '../helpers/git-repo.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/coverage/runner-reports');
const NODE_MODULES = join(import.meta.dirname, '../../node_modules');

const PRICING_ESM = `export function total(price, quantity) {
  if (price < 0) {
    throw new RangeError('price must not be negative');
  }
  let sum = price * quantity;
  if (quantity > 100) {
    sum = sum - sum / 10;
  }
  return Math.round(sum);
}

export function label(amount) {
  return \`EUR \${amount.toFixed(2)}\`;
}

export function shipping(weight) {
  if (weight > 20) {
    return 15;
  }
  return 5;
}

export function giftWrap(sum) {
  const fee = 3;

  return sum + fee;
}
`;
// Same lines 1-27; line 29 (the exports) is modified too, and is covered.
const PRICING_CJS = `${PRICING_ESM.replaceAll('export function', 'function')}
module.exports = { total, label, shipping, giftWrap };
`;
const SHIPPING_TEST = `
test('light parcels ship for 5', () => {
  expect(shipping(2)).toBe(5);
});
`;
const VITEST_TEST = `import { expect, test } from 'vitest';
import { shipping, total } from '../src/pricing.js';

test('total multiplies price by quantity', () => {
  expect(total(3, 4)).toBe(12);
});
${SHIPPING_TEST}`;
const JEST_TEST = `const { shipping, total } = require('../src/pricing.js');

test('total multiplies price by quantity', () => {
  expect(total(3, 4)).toBe(12);
});
${SHIPPING_TEST}`;
const NODE_TEST = `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shipping, total } from '../src/pricing.js';

test('total multiplies price by quantity', () => {
  assert.equal(total(3, 4), 12);
});

test('light parcels ship for 5', () => {
  assert.equal(shipping(2), 5);
});
`;

/** What a reader of the change calls untested, as istanbul-instrumented line and branch data say it. */
const UNCOVERED_LINES = [3, 13, 18, 24, 26];
const HALF_TAKEN_IFS = [
  { line: 2, taken: 1, total: 2 },
  { line: 17, taken: 1, total: 2 },
];
const LABEL = { name: 'label', line: 12 };
const GIFT_WRAP = { name: 'giftWrap', line: 23 };

/** The istanbul reporters every JS runner writes, and the functions each format lets us see. */
const ISTANBUL_REPORTS = {
  'coverage/coverage-final.json': [LABEL, GIFT_WRAP],
  // lcov's FN:<line>,<name> and Cobertura's <method> (istanbul writes its declaration line only) carry
  // no end line, so label(), changed only in its body (13), cannot be tied to the change: giftWrap
  // is caught because its declaration line (23) is itself changed.
  'coverage/lcov.info': [GIFT_WRAP],
  'coverage/cobertura-coverage.xml': [GIFT_WRAP],
  // istanbul's Clover writer emits no method lines at all: no function gaps from Clover.
  'coverage/clover.xml': [],
} as const;

const repos: TempRepo[] = [];
afterAll(() => {
  for (const repo of repos) repo.remove();
  for (const repo of repos) expect(existsSync(repo.dir)).toBe(false);
});

/** Fixture committed as main, the change committed on feature, node_modules linked so runners resolve. */
function checkout(project: string, change: Record<string, string>): TempRepo {
  const repo = new TempRepo(`testloop-${project}-`);
  repos.push(repo);
  cpSync(join(FIXTURES, project), repo.dir, { recursive: true });
  repo.commit('base');
  repo.git('checkout', '--quiet', '-b', 'feature');
  for (const [path, content] of Object.entries(change)) repo.write(path, content);
  repo.commit('feature');
  symlinkSync(NODE_MODULES, join(repo.dir, 'node_modules'), 'dir');
  return repo;
}

/** A command as CI runs it: CI=true, no colors, nothing inherited from the vitest running this file. */
function run(cwd: string, command: string, args: string[], extraEnv: Record<string, string> = {}): string {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(VITEST|JEST_WORKER_ID$|NODE_V8_COVERAGE$|NODE_TEST_CONTEXT$|NODE_OPTIONS$)/.test(key)) continue;
    env[key] = value;
  }
  const started = performance.now();
  const result = spawnSync(command, args, {
    cwd,
    env: { ...env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0', ...extraEnv },
    encoding: 'utf8',
    // A guard against a hang: a coverage run takes seconds alone, more on a machine busy with other files.
    timeout: 180_000,
  });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.status ?? result.signal} after ${Math.round(performance.now() - started)} ms${result.error ? ` (${result.error.message})` : ''}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

async function gaps(repo: TempRepo, coverage: string[], srcRoots?: string[]): Promise<GapsResult> {
  return findGaps({ cwd: repo.dir, base: 'main', coverage, env: {}, ...(srcRoots ? { srcRoots } : {}) });
}

async function fileGaps(repo: TempRepo, coverage: string[], path = 'src/pricing.js'): Promise<FileGaps> {
  const result = await gaps(repo, coverage);
  expect(result.unmatchedCoveragePaths).toEqual([]);
  const file = result.files.find((f) => f.path === path);
  if (!file) throw new Error(`${path} is not among the changed files ${result.files.map((f) => f.path)}`);
  return file;
}

function uncovered(
  file: FileGaps,
): Pick<FileGaps, 'uncoveredLines' | 'uncoveredBranches' | 'uncoveredFunctions'> {
  const { uncoveredLines, uncoveredBranches, uncoveredFunctions } = file;
  return { uncoveredLines, uncoveredBranches, uncoveredFunctions };
}

/** One istanbul-reporting runner: each format alone, the formats against each other, two of them merged. */
function istanbulFormats(repoOf: () => TempRepo, coverable: { changed: number; coverable: number }): void {
  for (const [report, functions] of Object.entries(ISTANBUL_REPORTS)) {
    it(`${report}: the exact uncovered lines, branches and functions`, async () => {
      const file = await fileGaps(repoOf(), [report]);
      expect(uncovered(file)).toEqual({
        uncoveredLines: UNCOVERED_LINES,
        uncoveredBranches: HALF_TAKEN_IFS,
        uncoveredFunctions: functions,
      });
      expect([file.changedLines, file.coverableLines, file.measured]).toEqual([
        coverable.changed,
        coverable.coverable,
        true,
      ]);
    });
  }

  it('all four formats of the run agree on the coverable and uncovered lines and branches', async () => {
    const files = await Promise.all(Object.keys(ISTANBUL_REPORTS).map((r) => fileGaps(repoOf(), [r])));
    const lines = files.map((f) => [f.coverableLines, f.uncoveredLines, f.uncoveredBranches]);
    for (const other of lines.slice(1)) expect(other).toEqual(lines[0]);
  });

  it('reports of the same run given together give the same answer, in either order', async () => {
    const lcov = uncovered(await fileGaps(repoOf(), ['coverage/lcov.info']));
    const json = uncovered(await fileGaps(repoOf(), ['coverage/coverage-final.json']));
    expect(uncovered(await fileGaps(repoOf(), ['coverage/lcov.info', 'coverage/clover.xml']))).toEqual(lcov);
    expect(uncovered(await fileGaps(repoOf(), ['coverage/clover.xml', 'coverage/lcov.info']))).toEqual(lcov);
    const all = Object.keys(ISTANBUL_REPORTS);
    expect(uncovered(await fileGaps(repoOf(), all))).toEqual(json);
    // Cobertura's and lcov's label() come first here, without an end line: the merge keeps the end
    // line coverage-final.json knows, so label() is still tied to its changed body.
    expect(uncovered(await fileGaps(repoOf(), [...all].reverse()))).toEqual(json);
  });

  it('the changed test file is outside coverage.include, so it is reported unmeasured', async () => {
    const result = await gaps(repoOf(), ['coverage/lcov.info']);
    expect(result.files.map((f) => [f.path, f.measured])).toEqual([
      ['src/pricing.js', true],
      ['test/pricing.test.js', false],
    ]);
  });
}

describe('vitest 4 with the v8 provider (lcov, json, cobertura, clover)', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = checkout('vitest-project', { 'src/pricing.js': PRICING_ESM, 'test/pricing.test.js': VITEST_TEST });
    // --no-cache: the results cache would land in the linked node_modules/.vite, this repository's own.
    run(repo.dir, process.execPath, [
      join(NODE_MODULES, 'vitest/vitest.mjs'),
      'run',
      '--coverage',
      '--no-cache',
    ]);
  });

  // vitest remaps V8 ranges onto the AST (ast-v8-to-istanbul), so its lines are istanbul statements:
  // 9 coverable changed lines (2, 3, 9, 13, 17, 18, 20, 24, 26), the same as jest's instrumentation.
  istanbulFormats(() => repo, { changed: 18, coverable: 9 });
});

describe('jest 30 with babel-plugin-istanbul (lcov, json, cobertura, clover)', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = checkout('jest-project', { 'src/pricing.js': PRICING_CJS, 'test/pricing.test.js': JEST_TEST });
    run(repo.dir, process.execPath, [
      join(NODE_MODULES, 'jest/bin/jest.js'),
      '--coverage',
      '--ci',
      '--watchAll=false',
      `--cacheDirectory=${join(repo.dir, '.jest-cache')}`,
    ]);
  });

  // One more changed and coverable line than vitest: the module.exports line (29), covered.
  istanbulFormats(() => repo, { changed: 19, coverable: 10 });
});

describe('node:test with NODE_V8_COVERAGE (raw V8)', () => {
  let repo: TempRepo;
  const folder = 'coverage/v8';
  beforeAll(() => {
    repo = checkout('node-test-project', {
      'src/pricing.js': PRICING_ESM,
      'test/pricing.test.js': NODE_TEST,
    });
    run(repo.dir, process.execPath, ['--test', 'test/pricing.test.js'], {
      NODE_V8_COVERAGE: join(repo.dir, folder),
    });
  });

  it('the exact uncovered lines, branches and functions', async () => {
    const file = await fileGaps(repo, [folder]);
    expect(uncovered(file)).toEqual({
      // Raw V8 counts blocks, not statements (v8-to-istanbul turns them into lines): the closing brace
      // of a block that never ran is uncovered too (4, 14, 19), except the file's last line (27), which
      // v8-to-istanbul leaves covered. Blank lines (25) are not executable and are dropped by the reader.
      uncoveredLines: [3, 4, 13, 14, 18, 19, 24, 26],
      // V8 records only the block that did not run, as a one-way branch: "0 of 1", where istanbul says
      // "1 of 2". The same two ifs.
      uncoveredBranches: [
        { line: 2, taken: 0, total: 1 },
        { line: 17, taken: 0, total: 1 },
      ],
      // V8 function ranges have an end, so label() is found through its changed body.
      uncoveredFunctions: [LABEL, GIFT_WRAP],
    });
    // Every non-blank changed line is executable to V8 (declarations and braces too): 18 changed lines
    // less the blank 15, 22 and 25.
    expect([file.changedLines, file.coverableLines]).toEqual([18, 15]);
  });

  it('the test file is covered by the same run and has no gaps', async () => {
    const file = await fileGaps(repo, [folder], 'test/pricing.test.js');
    expect(file.measured).toBe(true);
    expect(uncovered(file)).toEqual({ uncoveredLines: [], uncoveredBranches: [], uncoveredFunctions: [] });
  });

  it('the same coverage given twice gives the same answer', async () => {
    const once = await fileGaps(repo, [folder]);
    const twice = await fileGaps(repo, [folder, `v8:${folder}`]);
    expect(twice).toEqual(once);
  });
});

// JaCoCo from Debian: `apt-get install -y openjdk-17-jdk-headless libjacoco-java` puts the agent and the
// report library in /usr/share/java; a tiny program in the fixture writes jacoco.xml (no Maven).
const JARS = '/usr/share/java';
const JACOCO_JARS = [
  'org.jacoco.agent.jar',
  'org.jacoco.core.jar',
  'org.jacoco.report.jar',
  'asm.jar',
  'asm-commons.jar',
  'asm-tree.jar',
].map((jar) => join(JARS, jar));
const missing = [
  ...JACOCO_JARS.filter((jar) => !existsSync(jar)),
  ...(spawnSync('javac', ['-version']).status === 0 ? [] : ['javac']),
];

const PRICING_JAVA = `package com.example;

public final class Pricing {
  private Pricing() {}

  public static int total(int price, int quantity) {
    if (price < 0) {
      throw new IllegalArgumentException("price must not be negative");
    }
    int sum = price * quantity;
    if (quantity > 100) {
      sum = sum - sum / 10;
    }
    return Math.max(sum, 0);
  }

  public static String label(int amount) {
    return "EUR " + amount + ".00";
  }

  public static int shipping(int weight) {
    if (weight > 20) {
      return 15;
    }
    return 5;
  }

  public static int giftWrap(int sum) {
    int fee = 3;

    return sum + fee;
  }
}
`;
const MAIN_JAVA = `package com.example;

/** Stands in for a test suite: it exercises part of Pricing while the JaCoCo agent records. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.out.println(Pricing.total(3, 4));
    System.out.println(Pricing.shipping(2));
  }
}
`;

describe.skipIf(missing.length > 0)(
  `JaCoCo agent + XML report on a javac-built project${missing.length > 0 ? ` (skipped: missing ${missing.join(', ')}; apt-get install -y openjdk-17-jdk-headless libjacoco-java)` : ''}`,
  () => {
    let repo: TempRepo;
    beforeAll(() => {
      repo = checkout('java-project', {
        'src/main/java/com/example/Pricing.java': PRICING_JAVA,
        'src/main/java/com/example/Main.java': MAIN_JAVA,
      });
      const classpath = ['build/tools', ...JACOCO_JARS].join(':');
      const sources = ['Pricing.java', 'Main.java'].map((f) => `src/main/java/com/example/${f}`);
      run(repo.dir, 'javac', ['-d', 'build/classes', ...sources]);
      run(repo.dir, 'javac', ['-cp', classpath, '-d', 'build/tools', 'tools/JacocoXml.java']);
      run(repo.dir, 'java', ['-cp', classpath, 'JacocoXml', 'agent', 'build/jacocoagent.jar']);
      const out = run(repo.dir, 'java', [
        '-javaagent:build/jacocoagent.jar=destfile=build/jacoco.exec',
        '-cp',
        'build/classes',
        'com.example.Main',
      ]);
      expect(out).toBe('12\n5\n');
      run(repo.dir, 'java', [
        '-cp',
        classpath,
        'JacocoXml',
        'report',
        'build/jacoco.exec',
        'build/classes',
        'build/jacoco.xml',
      ]);
    });

    it('maps package paths through --src-roots and finds the exact gaps', async () => {
      const result = await gaps(repo, ['build/jacoco.xml'], ['src/main/java']);
      expect(result.unmatchedCoveragePaths).toEqual([]);
      const [main, pricing] = result.files;
      expect(main?.path).toBe('src/main/java/com/example/Main.java');
      expect(uncovered(main!)).toEqual({ uncoveredLines: [], uncoveredBranches: [], uncoveredFunctions: [] });
      expect(pricing?.path).toBe('src/main/java/com/example/Pricing.java');
      expect(uncovered(pricing!)).toEqual({
        // Lines that hold bytecode: braces, declarations and the blank line 30 are not lines to JaCoCo.
        uncoveredLines: [8, 18, 23, 29, 31],
        uncoveredBranches: [
          { line: 7, taken: 1, total: 2 },
          { line: 22, taken: 1, total: 2 },
        ],
        // JaCoCo places a method at its first line of code, so label is at 18, giftWrap at 29; the
        // private constructor is filtered by JaCoCo and never shows up as an uncalled method.
        uncoveredFunctions: [
          { name: 'label', line: 18 },
          { name: 'giftWrap', line: 29 },
        ],
      });
      // Changed: 7-9, 14, 18, 20-32; coverable, i.e. holding bytecode: 7, 8, 14, 18, 22, 23, 25, 29, 31.
      expect([pricing!.changedLines, pricing!.coverableLines]).toEqual([18, 9]);
    });
  },
);
