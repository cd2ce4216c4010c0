/**
 * The mutation gate ("assertions must matter"): real vitest, jest and node:test runs on fixture projects,
 * candidates from a local OpenAI-protocol server. An assertion-free test that covers the target lines is
 * discarded at killsMutants (its repair prompt names the surviving mutants); one with real assertions is
 * accepted with its exact score; the source files stay byte for byte as they were.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSource } from '../../src/generate/ast.ts';
import { describeMutant, makeMutants } from '../../src/generate/mutants.ts';
import { mutationGate } from '../../src/generate/mutation-gate.ts';
import { generateTests } from '../../src/generate/pipeline.ts';
import type { GenerateResult } from '../../src/generate/types.ts';
import { renderGenerate } from '../../src/report/generate.ts';
import { type OpenAiServer, promptTarget, startOpenAiServer, userTextOf } from '../helpers/openai-server.ts';
import { usePrivateTmpDir } from '../helpers/private-tmp.ts';
import { type App, BODIES_UNTESTED, copyApp } from './apps.ts';
import { FIXTURES } from './fixtures.ts';

const DISCOUNT_SURVIVORS = [
  'line 7: total * 0.9 → undefined',
  'line 7: total * 0.9 → total / 0.9',
  'line 12: total → undefined',
];

describe('mutants of the covered lines', () => {
  const source = readFileSync(join(FIXTURES, 'vitest-app/src/price.ts'), 'utf8');
  const parsed = parseSource('src/price.ts', source);

  it('flips comparisons, swaps arithmetic, replaces return values, only on the lines given', () => {
    expect(makeMutants(parsed, [6, 7, 9, 10, 12]).map(describeMutant)).toEqual([
      "line 6: code === 'SAVE10' → code !== 'SAVE10'",
      'line 7: total * 0.9 → undefined',
      'line 7: total * 0.9 → total / 0.9',
      "line 9: code === 'HALF' → code !== 'HALF'",
      'line 10: total / 2 → undefined',
      'line 10: total / 2 → total * 2',
      'line 12: total → undefined',
    ]);
  });

  it('spreads the cap over the lines before taking a second mutant of any line', () => {
    expect(makeMutants(parsed, [6, 7, 9, 10, 12], 4).map((m) => m.line)).toEqual([6, 7, 9, 10]);
    const boundary = parseSource(
      'a.ts',
      'export function f(n: number) {\n  if (n < 0 && !done()) log();\n}\n',
    );
    expect(makeMutants(boundary, [2]).map(describeMutant)).toEqual([
      'line 2: n < 0 → n <= 0',
      'line 2: n < 0 && !done() → !(n < 0 && !done())',
      'line 2: n < 0 && !done() → n < 0 || !done()',
      'line 2: !done() → done()',
      'line 2: log() → undefined',
    ]);
  });
});

interface RunnerCase {
  fixture: string;
  ext: string;
  /** Test-file header importing `names` from the module `from`. */
  header(names: string, from: string): string;
  equal(actual: string, expected: string): string;
}

const CASES: RunnerCase[] = [
  {
    fixture: 'vitest-app',
    ext: 'ts',
    header: (names, from) => `import { expect, it } from 'vitest';\nimport { ${names} } from '${from}';\n`,
    equal: (actual, expected) => `expect(${actual}).toBe(${expected});`,
  },
  {
    fixture: 'jest-app',
    ext: 'js',
    header: (names, from) => `const { ${names} } = require('${from}');\n`,
    equal: (actual, expected) => `expect(${actual}).toBe(${expected});`,
  },
  {
    fixture: 'node-app',
    ext: 'js',
    header: (names, from) =>
      `import assert from 'node:assert/strict';\nimport { test as it } from 'node:test';\nimport { ${names} } from '${from}';\n`,
    equal: (actual, expected) => `assert.equal(${actual}, ${expected});`,
  },
];

describe.each(CASES)('the gate with $fixture', (runner) => {
  usePrivateTmpDir('testloop-mutants-');
  const { ext } = runner;
  const priceFile = `src/price.${ext}`;
  const signFile = `src/sign.${ext}`;
  const importOf = (file: string) => `./${file.slice(4)}`;
  const sign = `export function sign(n${ext === 'ts' ? ': number' : ''}) {\n  return n < 0 ? -1 : 1;\n}\n`;
  // The file's own test already checks HALF: mutants on the HALF path are not the candidate's to kill.
  const existingTest = `${runner.header('price, discount', importOf(priceFile))}\nit('price multiplies', () => {\n  ${runner.equal('price(3, 4)', '12')}\n  ${runner.equal("discount(100, 'HALF')", '50')}\n});\n`;
  const noAssertions = `${runner.header('discount', importOf(priceFile))}\nit('runs every code', () => {\n  discount(100, 'SAVE10');\n  discount(100, 'HALF');\n  discount(100, 'OTHER');\n});\n`;
  const asserting = `${runner.header('discount', importOf(priceFile))}\nit('applies the codes', () => {\n  ${runner.equal("discount(100, 'SAVE10')", '90')}\n  ${runner.equal("discount(100, 'OTHER')", '100')}\n});\n`;
  const signNoAssertions = `${runner.header('sign', importOf(signFile))}\nit('signs', () => {\n  sign(-2);\n  sign(2);\n});\n`;
  let server: OpenAiServer;
  let app: App;
  let result: GenerateResult;
  const sources: Record<string, string> = {};

  beforeAll(async () => {
    server = await startOpenAiServer();
    const scripts: Record<string, string[]> = {
      discount: [noAssertions, asserting],
      sign: [signNoAssertions, signNoAssertions],
    };
    server.handler = (request) => {
      const next = scripts[promptTarget(request)]?.shift();
      if (next === undefined) throw new Error(`no script left for ${promptTarget(request)}`);
      return { reply: { code: next } };
    };
    const esmSign =
      ext === 'js' && runner.fixture === 'jest-app'
        ? `${sign.replace('export function', 'function')}module.exports = { sign };\n`
        : sign;
    app = copyApp(runner.fixture, { [`src/price.test.${ext}`]: existingTest, [signFile]: esmSign });
    for (const file of [priceFile, signFile]) sources[file] = readFileSync(join(app.dir, file), 'utf8');
    result = await generateTests({
      cwd: app.dir,
      env: {},
      targets: [`${priceFile}:discount`, `${signFile}:sign`],
      repairs: 1,
      concurrency: 1,
      llm: { baseUrl: server.url, model: 'test-model' },
    });
  }, 240_000);
  afterAll(async () => {
    await server.close();
    app.remove();
  });

  it('accepts a test with real assertions with its exact score, the mutants its file already catches left out', () => {
    expect(result.accepted).toEqual([
      expect.objectContaining({
        target: `${priceFile}:discount`,
        repairs: 1,
        mutants: { killed: 3, total: 3, made: 5, limit: 12, existingTests: 'excluded', excluded: 2 },
      }),
    ]);
    // jest's and node's reports say per file which failed: a candidate's mutants (and the existing tests'
    // runs against them) go in one runner process each. vitest's runs share the driver's pooled process,
    // which has no process to save, so each mutant there is a run of its own.
    expect(result.stats.mutation?.runs).toBe(runner.fixture === 'vitest-app' ? 24 : 10);
    const text = renderGenerate(result, 'text', { color: false });
    // Without --coverage the file's own test runs first: it already runs lines 6, 9 and 10 (HALF), so
    // what the candidate newly covers is the SAVE10 return and the fall-through.
    expect(text).toContain(`(covers 7, 12, kills 3 of 3 mutant(s))`);
    expect(text).toContain('added coverage 2 → kills mutants 1');
    expect(renderGenerate(result, 'markdown', { color: false })).toContain(
      '✅ covers 7, 12, kills 3 of 3 mutant(s) |',
    );
  });

  it('discards an assertion-free test that covers the lines at killsMutants, after a repair round naming the survivors', () => {
    expect(result.discarded).toEqual([
      {
        target: `${signFile}:sign`,
        stage: 'killsMutants',
        reason: expect.stringMatching(
          /^kills no mutant: the test still passes when src\/sign\.\w+ is changed/,
        ),
      },
    ]);
    expect(result.funnel).toEqual({
      generated: 2,
      compiled: 2,
      passed: 2,
      stable: 2,
      addedCoverage: 2,
      killsMutants: 1,
    });
    const discountRepair = userTextOf(server.completions().filter((r) => promptTarget(r) === 'discount')[1]!);
    expect(discountRepair).toContain(
      `the test still passes when ${priceFile} is changed in any of these ways (besides 4 the existing tests already catch); add assertions on the results that fail on them:\n${DISCOUNT_SURVIVORS.map((s) => `- ${s}`).join('\n')}`,
    );
    const signRepair = userTextOf(server.completions().filter((r) => promptTarget(r) === 'sign')[1]!);
    expect(signRepair).toContain('- line 2: n < 0 → n <= 0');
    expect(signRepair).toContain('- line 2: n < 0 → !(n < 0)');
  });

  it('never changes the source files: mutants live in scratch copies that are gone afterwards', () => {
    for (const [file, text] of Object.entries(sources))
      expect(readFileSync(join(app.dir, file), 'utf8')).toBe(text);
    expect(app.status()).toEqual([]);
    expect(readdirSync(join(app.dir, 'src')).filter((name) => name.includes('testloop'))).toEqual([]);
  });
});

describe('a candidate that reaches the source only through another module', () => {
  usePrivateTmpDir('testloop-mutants-reexport-');
  let server: OpenAiServer;
  let app: App;
  let result: GenerateResult;

  beforeAll(async () => {
    server = await startOpenAiServer();
    const code = `import { expect, it } from 'vitest';\nimport { discount } from './index.ts';\n\nit('applies the codes', () => {\n  expect(discount(100, 'SAVE10')).toBe(90);\n});\n`;
    // A test that holds only if the module it imports is the one everything else imports.
    const identity = `import { expect, it } from 'vitest';\nimport * as index from './index.ts';\nimport { price } from './price.ts';\n\nit('re-exports price', () => {\n  expect(index.price).toBe(price);\n  expect(price(2, 3)).toBe(6);\n});\n`;
    server.handler = (request) => ({ reply: { code: promptTarget(request) === 'price' ? identity : code } });
    app = copyApp('vitest-app', {
      ...BODIES_UNTESTED,
      'src/index.ts': "export { discount, price } from './price.ts';\n",
    });
    result = await generateTests({
      cwd: app.dir,
      env: {},
      targets: ['src/price.ts:discount', 'src/price.ts:price'],
      repairs: 0,
      llm: { baseUrl: server.url, model: 'test-model' },
    });
  }, 120_000);
  afterAll(async () => {
    await server.close();
    app.remove();
  });

  it('is accepted, with a warning, when it fails against an unchanged copy of the source (module identity)', () => {
    expect(result.accepted).toEqual([
      expect.objectContaining({
        target: 'src/price.ts:price',
        mutants: {
          killed: 0,
          total: 0,
          made: 2,
          limit: 12,
          existingTests: 'counted',
          unchecked: 'the test fails when it loads a copy of src/price.ts, so mutants of it cannot be judged',
        },
      }),
    ]);
    expect(result.warnings).toContain(
      'src/price.ts:price: assertions not checked: the test fails when it loads a copy of src/price.ts, so mutants of it cannot be judged',
    );
  });

  it('is discarded at killsMutants and told to import the source itself: its mutants could not be loaded', () => {
    expect(result.discarded).toEqual([
      {
        target: 'src/price.ts:discount',
        stage: 'killsMutants',
        reason:
          'kills no mutant: imports src/price.ts only through other modules, so its assertions cannot be checked against faults in it: import it directly',
      },
    ]);
    expect(app.status()).toEqual([]);
  });
});

describe('existing tests that fail on an unchanged copy of the source', () => {
  const source = readFileSync(join(FIXTURES, 'vitest-app/src/price.ts'), 'utf8');
  const candidate = { template: 'src/price.testloop-0123abcd.test.ts', code: "import './price.ts';\n" };
  const existing = [
    { template: 'src/price.testloop-4567cdef.test.ts', code: "// existing\nimport './price.ts';\n" },
  ];

  /** The gate with the runner scripted: the existing tests fail their first `failures` runs unmutated. */
  async function gate(failures: number) {
    let existingRuns = 0;
    const written = new Map<string, string>();
    // A test copy loads the source copy its import names; it passes exactly when that copy is unchanged.
    const passesUnmutated = (test: string): boolean => {
      const copy = /price\.testloop-mut-[0-9a-f]{8}/.exec(test)?.[0];
      return copy !== undefined && written.get(`src/${copy}.ts`) === source;
    };
    const result = await mutationGate({
      file: 'src/price.ts',
      source,
      lines: [6, 7],
      candidate,
      existing,
      existingVerdicts: new Map(),
      write: (file, content) => written.set(file, content),
      passes: async (files) => {
        const test = written.get(files[0]!) ?? '';
        if (test.startsWith('// existing') && ++existingRuns <= failures) return false;
        return passesUnmutated(test);
      },
    });
    return result;
  }

  it('a single failure (a busy machine) is run again, and the existing tests still count', async () => {
    const result = await gate(1);
    expect(result.score).toMatchObject({ existingTests: 'excluded' });
    expect(result.score?.existingFailed).toBeUndefined();
  });

  it('failing twice, every mutant counts and the score says why', async () => {
    const result = await gate(2);
    expect(result.score).toMatchObject({
      existingTests: 'counted',
      existingFailed:
        'the existing tests of src/price.ts (1 file(s)) failed twice on an unchanged copy of it, so every mutant counts',
    });
  });
});

describe('mutants judged from one run of many files', () => {
  const source = readFileSync(join(FIXTURES, 'vitest-app/src/price.ts'), 'utf8');
  const candidate = { template: 'src/price.testloop-0123abcd.test.ts', code: "import './price.ts';\n" };
  const lines = [6, 7, 9, 10, 12];

  interface Script {
    /** What the batched run reports for a file, by what its source copy holds (default: the truth). */
    batch?(file: string, truth: boolean): boolean | undefined;
  }

  /**
   * The gate with the runner scripted: a copy of the candidate passes exactly when the source it loads is
   * unchanged or only its SAVE10 return changed to `undefined` (the one mutant it does not catch).
   */
  async function gate(script: Script, withVerdicts = true) {
    const written = new Map<string, string>();
    const truth = (test: string): boolean => {
      const copy = /price\.testloop-mut-[0-9a-f]{8}/.exec(written.get(test) ?? '')?.[0];
      const loaded = copy === undefined ? undefined : written.get(`src/${copy}.ts`);
      return loaded === source || loaded === source.replace('return total * 0.9;', 'return undefined;');
    };
    const alone: string[][] = [];
    const batches: string[][] = [];
    const result = await mutationGate({
      file: 'src/price.ts',
      source,
      lines,
      candidate,
      existingVerdicts: new Map(),
      write: (file, content) => written.set(file, content),
      passes: async (files) => {
        alone.push(files);
        return files.every(truth);
      },
      ...(withVerdicts
        ? {
            verdicts: async (files: string[]) => {
              batches.push(files);
              const verdicts = new Map<string, boolean>();
              for (const file of files) {
                const verdict = script.batch ? script.batch(file, truth(file)) : truth(file);
                if (verdict !== undefined) verdicts.set(file, verdict);
              }
              return verdicts;
            },
          }
        : {}),
    });
    return { result, alone, batches, written };
  }

  it('one run holds every mutant and, last, the unchanged copy; the score is the one of a run per mutant', async () => {
    const one = await gate({}, false);
    const batched = await gate({});
    expect(batched.result).toEqual(one.result);
    expect(batched.result.score).toMatchObject({ killed: 6, total: 7 });
    expect(one.alone).toHaveLength(8);
    // The identity run alone first, as without batches; then one run of 7 mutants and the sentinel.
    expect(batched.alone).toHaveLength(1);
    expect(batched.batches.map((files) => files.length)).toEqual([8]);
    // Runners start the largest file first: the batch's files are padded to sizes that fall along it.
    const sizes = batched.batches[0]!.map((file) => batched.written.get(file)!.length);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    expect(new Set(sizes).size).toBe(sizes.length);
  });

  it('a file the run says nothing of runs again on its own', async () => {
    // The run says nothing of the first mutant the candidate fails on.
    let unreported = true;
    const { result, alone } = await gate({
      batch: (_, truth) => {
        if (truth || !unreported) return truth;
        unreported = false;
        return undefined;
      },
    });
    expect(result.score).toMatchObject({ killed: 6, total: 7 });
    expect(alone).toHaveLength(2);
  });

  it('when the unchanged copy fails at the end of the run, no failure in it is believed: every mutant runs alone', async () => {
    // Whatever broke the sentinel (state left behind by an earlier file) may have broken the mutants too.
    const { result, alone } = await gate({ batch: () => false });
    expect(result.score).toMatchObject({ killed: 6, total: 7 });
    expect(alone).toHaveLength(8);
  });
});
