import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newFilesPatch, safeTestPath } from '../../src/generate/output.ts';
import { type GenerateOptions, generateTests } from '../../src/generate/pipeline.ts';
import type {
  CandidateValidator,
  Stage,
  TestContext,
  TestEngine,
  Validation,
} from '../../src/generate/types.ts';
import { LlmError } from '../../src/llm/errors.ts';
import { type App, copyApp } from './apps.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const F = 'src/shapes.ts';

/** Verdicts by candidate code: the fake validator's whole behaviour. */
const VERDICTS: Record<string, { reached: Stage; failure?: string; sandbox?: string }> = {
  ok: { reached: 'killsMutants' },
  weak: {
    reached: 'addedCoverage',
    failure:
      'the test still passes when src/shapes.ts is changed in any of these ways; add assertions on the results that fail on them:\n- line 14: 2 * (w + h) → undefined',
  },
  syntax: { reached: 'generated', failure: 'SyntaxError: Unexpected token (3:1)' },
  fail: { reached: 'compiled', failure: 'AssertionError: expected 2 to be 3' },
  flaky: { reached: 'passed', failure: 'flaky: passed on run 1, failed on run 2 of 3' },
  nocov: { reached: 'stable', failure: 'adds no coverage' },
  breakout: {
    reached: 'generated',
    failure: 'wrote outside its own test file: src/shapes.ts (changed)',
    sandbox: 'wrote outside its own test file: src/shapes.ts (changed)',
  },
};

const SCORE = { killed: 2, total: 3, made: 3, limit: 12, existingTests: 'counted' as const };

function fakeValidator(log: { target: string; code: string }[] = [], runnerMs = 10): CandidateValidator {
  return {
    async validate(context, code) {
      log.push({ target: context.target.id, code });
      await sleep(runnerMs);
      const verdict = VERDICTS[code.trim()] ?? VERDICTS.syntax!;
      const accepted = verdict.reached === 'killsMutants';
      const validation: Validation = {
        reached: verdict.reached,
        accepted,
        newlyCoveredLines: accepted ? context.target.uncoveredLines : [],
        runnerMs,
        ...(accepted ? { mutants: SCORE } : {}),
        ...(verdict.failure ? { failure: verdict.failure } : {}),
        ...(verdict.sandbox ? { sandbox: verdict.sandbox } : {}),
      };
      return validation;
    },
  };
}

/** Replies per symbol, one per attempt; 'bad' throws unusable output, 'down' an unreachable endpoint. */
function fakeEngine(
  script: Record<string, string[]>,
  options: {
    delayMs?: number;
    calls?: { symbol: string; repair?: { code: string; failure: string } }[];
  } = {},
): TestEngine & { inFlight: number; maxInFlight: number } {
  const engine = {
    name: 'llm' as const,
    inFlight: 0,
    maxInFlight: 0,
    async generate(context: TestContext, repair?: { code: string; failure: string }) {
      const symbol = context.target.symbol ?? context.target.id;
      options.calls?.push({ symbol, ...(repair ? { repair } : {}) });
      engine.inFlight++;
      engine.maxInFlight = Math.max(engine.maxInFlight, engine.inFlight);
      try {
        if (options.delayMs) await sleep(options.delayMs);
        const reply = script[symbol]?.shift() ?? 'ok';
        if (reply === 'bad')
          throw new LlmError({ kind: 'bad-output', detail: 'no JSON' }, 'http://x/v1', 'unusable output');
        if (reply === 'down')
          throw new LlmError(
            { kind: 'unreachable', detail: 'ECONNREFUSED' },
            'http://x/v1',
            'cannot reach the LLM endpoint',
          );
        return { code: `${reply}\n`, usage: { promptTokens: 100, completionTokens: 20 } };
      } finally {
        engine.inFlight--;
      }
    },
  };
  return engine;
}

describe('generateTests with a fake engine and validator', () => {
  let app: App;
  const run = (options: GenerateOptions) =>
    generateTests({ cwd: app.dir, env: {}, createValidator: () => fakeValidator(), ...options });
  beforeAll(() => {
    app = copyApp('units');
  });
  afterAll(() => app.remove());

  it('counts the funnel per target at the furthest stage, repairs with the failure, discards the rest', async () => {
    const calls: { symbol: string; repair?: { code: string; failure: string } }[] = [];
    const engine = fakeEngine(
      {
        area: ['ok'],
        perimeter: ['syntax', 'ok'],
        'Shape.describe': ['fail', 'fail', 'fail'],
        'registry.register': ['flaky', 'syntax', 'syntax'],
        internal: ['nocov', 'nocov', 'nocov'],
        scale: ['bad', 'bad', 'bad'],
      },
      { calls },
    );
    const targets = ['area', 'perimeter', 'Shape.describe', 'registry.register', 'internal', 'scale'].map(
      (s) => `${F}:${s}`,
    );
    const result = await run({ targets, testEngine: engine, concurrency: 2 });
    expect(result.funnel).toEqual({
      generated: 5,
      compiled: 5,
      passed: 4,
      stable: 3,
      addedCoverage: 2,
      killsMutants: 2,
    });
    expect(result.accepted).toEqual([
      {
        target: `${F}:area`,
        testFile: 'src/shapes.area.generated.test.ts',
        newlyCoveredLines: [6, 7, 9],
        promptTokens: 100,
        repairs: 0,
        mutants: SCORE,
      },
      {
        target: `${F}:perimeter`,
        testFile: 'src/shapes.perimeter.generated.test.ts',
        newlyCoveredLines: [13, 14],
        promptTokens: 200,
        repairs: 1,
        mutants: SCORE,
      },
    ]);
    expect(result.discarded).toEqual([
      { target: `${F}:Shape.describe`, stage: 'passed', reason: 'fails: AssertionError: expected 2 to be 3' },
      {
        target: `${F}:registry.register`,
        stage: 'stable',
        reason: 'flaky: failed on a rerun: flaky: passed on run 1, failed on run 2 of 3',
      },
      {
        target: `${F}:internal`,
        stage: 'addedCoverage',
        reason: 'covers none of the uncovered lines: adds no coverage',
      },
      { target: `${F}:scale`, stage: 'generated', reason: 'unusable output' },
    ]);
    expect(result.stats).toMatchObject({ targets: 6, repairs: 9, candidates: 12 });
    // The repair carries the previous candidate and its failure; unusable output is asked for afresh.
    expect(calls.filter((c) => c.symbol === 'perimeter')).toEqual([
      { symbol: 'perimeter' },
      { symbol: 'perimeter', repair: { code: 'syntax\n', failure: 'SyntaxError: Unexpected token (3:1)' } },
    ]);
    expect(calls.filter((c) => c.symbol === 'scale')).toEqual([
      { symbol: 'scale' },
      { symbol: 'scale' },
      { symbol: 'scale' },
    ]);
    // Without a client the engine's own usage is summed: 14 calls, 11 of them answered.
    expect(result.usage).toEqual({ requests: 12, promptTokens: 1200, completionTokens: 240 });
    expect(result.stats.promptTokensPerAccepted).toBe(600);
    expect(app.status()).toEqual([]);
  });

  it('a candidate the sandbox caught is discarded at once with its own reason, never repaired', async () => {
    const engine = fakeEngine({ perimeter: ['flaky', 'breakout', 'ok'] });
    const result = await run({ targets: [`${F}:perimeter`], testEngine: engine, repairs: 2 });
    expect(result.accepted).toEqual([]);
    expect(result.discarded).toEqual([
      {
        target: `${F}:perimeter`,
        stage: 'sandbox',
        reason: 'sandbox: wrote outside its own test file: src/shapes.ts (changed)',
      },
    ]);
    expect(result.stats.repairs).toBe(1);
  });

  it('a candidate whose assertions catch no mutant is repaired with the survivors, then discarded at killsMutants', async () => {
    const calls: { symbol: string; repair?: { code: string; failure: string } }[] = [];
    const engine = fakeEngine({ perimeter: ['weak', 'weak'], area: ['weak', 'ok'] }, { calls });
    const targets = [`${F}:perimeter`, `${F}:area`];
    const result = await run({ targets, testEngine: engine, repairs: 1 });
    expect(result.funnel).toMatchObject({ addedCoverage: 2, killsMutants: 1 });
    expect(result.accepted).toEqual([expect.objectContaining({ target: `${F}:area`, mutants: SCORE })]);
    expect(result.discarded).toEqual([
      {
        target: `${F}:perimeter`,
        stage: 'killsMutants',
        reason:
          'kills no mutant: the test still passes when src/shapes.ts is changed in any of these ways; add assertions on the results that fail on them:',
      },
    ]);
    expect(calls.filter((c) => c.symbol === 'perimeter')[1]?.repair?.failure).toContain(
      '- line 14: 2 * (w + h) → undefined',
    );
  });

  it('--repairs 0 keeps the first verdict', async () => {
    const engine = fakeEngine({ perimeter: ['syntax', 'ok'] });
    const result = await run({ targets: [`${F}:perimeter`], testEngine: engine, repairs: 0 });
    expect(result.funnel).toEqual({
      generated: 1,
      compiled: 0,
      passed: 0,
      stable: 0,
      addedCoverage: 0,
      killsMutants: 0,
    });
    expect(result.discarded).toEqual([
      {
        target: `${F}:perimeter`,
        stage: 'compiled',
        reason: 'does not compile or load: SyntaxError: Unexpected token (3:1)',
      },
    ]);
  });

  it('works on at most --concurrency targets at once', async () => {
    const targets = ['area', 'perimeter', 'Shape.describe', 'Shape.unit', 'registry.lookup', 'internal'].map(
      (s) => `${F}:${s}`,
    );
    const two = fakeEngine({}, { delayMs: 40 });
    expect((await run({ targets, testEngine: two, concurrency: 2 })).accepted).toHaveLength(6);
    expect(two.maxInFlight).toBe(2);
    const four = fakeEngine({}, { delayMs: 40 });
    await run({ targets, testEngine: four, concurrency: 4 });
    expect(four.maxInFlight).toBe(4);
    const one = fakeEngine({}, { delayMs: 10 });
    await run({ targets, testEngine: one, concurrency: 1 });
    expect(one.maxInFlight).toBe(1);
  });

  it('starts no target the budget cannot fit (estimated from observed targets) and keeps what was accepted', async () => {
    const targets = ['area', 'perimeter', 'Shape.describe', 'Shape.unit', 'registry.lookup', 'internal'].map(
      (s) => `${F}:${s}`,
    );
    // Targets of ~5 s start at ~0, ~5 and ~10 s; at ~15 s a ~5 s target no longer fits in 17.5 s. Whole
    // seconds: a loaded machine adds up to a second or two to the start and to each target, which must not
    // change the count.
    const engine = fakeEngine({}, { delayMs: 5_000 });
    const result = await run({ targets, testEngine: engine, concurrency: 1, budgetMs: 17_500 });
    expect(result.accepted.map((a) => a.target)).toEqual([
      `${F}:area`,
      `${F}:perimeter`,
      `${F}:Shape.describe`,
    ]);
    expect(result.skipped).toEqual(
      ['Shape.unit', 'registry.lookup', 'internal'].map((s) => ({
        target: `${F}:${s}`,
        reason: expect.stringMatching(/^budget: a target takes ~[5-7]\.\d s and [0-2]\.\d s are left$/),
      })),
    );
    // What was started is the bound; wall time on a loaded machine is not (no time asserted here).
    expect(result.funnel.generated).toBe(3);
  });

  it('prepares the validator for as many validations at once as will run, before the model answers', async () => {
    const events: string[] = [];
    const engine = fakeEngine({}, { delayMs: 30 });
    const generate = engine.generate.bind(engine);
    engine.generate = async (context, repair) => {
      events.push(`generate ${context.target.symbol}`);
      return generate(context, repair);
    };
    const validator = (): CandidateValidator => {
      const fake = fakeValidator();
      return {
        validate: (context, code) => {
          events.push(`validate ${context.target.symbol}`);
          return fake.validate(context, code);
        },
        prepare: (parallel) => events.push(`prepare ${parallel}`),
      };
    };
    const targets = ['area', 'perimeter', 'internal'].map((s) => `${F}:${s}`);
    const options = { cwd: app.dir, env: {}, targets, testEngine: engine, createValidator: validator };
    await generateTests({ ...options, concurrency: 2 });
    // While the first candidates are written (the model takes 30 ms each), before the first validation.
    expect(events.filter((e) => !e.startsWith('generate'))[0]).toBe('prepare 2');
    expect(events.indexOf('prepare 2')).toBeLessThanOrEqual(2);
    expect(events.filter((e) => e.startsWith('prepare'))).toHaveLength(1);
    expect(events.filter((e) => e.startsWith('validate'))).toHaveLength(3);
    events.length = 0;
    await generateTests({ ...options, concurrency: 8 });
    expect(events.filter((e) => e.startsWith('prepare'))).toEqual(['prepare 3']);
  });

  it('splits wall time into model, runner and testloop time that add up to the total', async () => {
    const engine = fakeEngine({}, { delayMs: 50 });
    const result = await generateTests({
      cwd: app.dir,
      env: {},
      targets: [`${F}:area`, `${F}:perimeter`],
      testEngine: engine,
      concurrency: 1,
      createValidator: () => fakeValidator([], 30),
    });
    const { ms, llmMs, runnerMs, overheadMs } = result.stats;
    expect(llmMs + runnerMs + overheadMs).toBe(ms);
    expect(llmMs).toBeGreaterThanOrEqual(95);
    expect(llmMs).toBeLessThan(ms);
    expect(runnerMs).toBeGreaterThanOrEqual(55);
    expect(runnerMs).toBeLessThanOrEqual(60);
  });

  it('fails open when the connection is refused: reports it, starts nothing more, keeps what was accepted', async () => {
    const engine = fakeEngine({ perimeter: ['down'] });
    const targets = ['area', 'perimeter', 'internal'].map((s) => `${F}:${s}`);
    const result = await run({ targets, testEngine: engine, concurrency: 1 });
    expect(result.accepted.map((a) => a.target)).toEqual([`${F}:area`]);
    expect(result.discarded).toEqual([
      { target: `${F}:perimeter`, stage: 'generated', reason: 'cannot reach the LLM endpoint' },
    ]);
    expect(result.skipped).toEqual([
      { target: `${F}:internal`, reason: 'not started: the model endpoint is unreachable (see llmError)' },
    ]);
    expect(result.llmError).toEqual({
      code: 'TESTLOOP_LLM_UNREACHABLE',
      message: 'cannot reach the LLM endpoint',
      endpoint: 'unreachable',
    });
  });

  it('writes accepted tests only (--write) and a patch of new files only (--patch)', async () => {
    const engine = fakeEngine({ area: ['ok'], perimeter: ['fail', 'fail', 'fail'], internal: ['ok'] });
    const targets = ['area', 'perimeter', 'internal'].map((s) => `${F}:${s}`);
    const result = await run({ targets, testEngine: engine, write: true, patch: '../units.diff' });
    expect(result.written).toEqual([
      'src/shapes.area.generated.test.ts',
      'src/shapes.internal.generated.test.ts',
    ]);
    expect(app.status()).toEqual([
      '?? src/shapes.area.generated.test.ts',
      '?? src/shapes.internal.generated.test.ts',
    ]);
    expect(readFileSync(join(app.dir, 'src/shapes.area.generated.test.ts'), 'utf8')).toBe('ok\n');
    expect(readFileSync(join(app.dir, '../units.diff'), 'utf8')).toBe(
      [
        'diff --git a/src/shapes.area.generated.test.ts b/src/shapes.area.generated.test.ts',
        'new file mode 100644',
        '--- /dev/null',
        '+++ b/src/shapes.area.generated.test.ts',
        '@@ -0,0 +1 @@',
        '+ok',
        'diff --git a/src/shapes.internal.generated.test.ts b/src/shapes.internal.generated.test.ts',
        'new file mode 100644',
        '--- /dev/null',
        '+++ b/src/shapes.internal.generated.test.ts',
        '@@ -0,0 +1 @@',
        '+ok',
        '',
      ].join('\n'),
    );
    // A second run never overwrites: it picks new names.
    const again = await run({ targets: [`${F}:area`], testEngine: fakeEngine({}), write: true });
    expect(again.written).toEqual(['src/shapes.area-2.generated.test.ts']);
    app.git('clean', '-fdq');
  });
});

describe('output safety', () => {
  it('refuses test paths outside the repository, in .git or node_modules, or that are not tests', () => {
    const root = '/repo';
    expect(safeTestPath(root, 'src/a.generated.test.ts')).toBe('/repo/src/a.generated.test.ts');
    for (const bad of [
      '../a.test.ts',
      '/etc/a.test.ts',
      '.git/hooks/a.test.js',
      'node_modules/x/a.test.js',
      'src/a.ts',
    ])
      expect(() => safeTestPath(root, bad), bad).toThrow(/refusing to write/);
  });

  it('writes a patch git can apply, with the no-newline marker when needed', () => {
    expect(newFilesPatch('/repo', [{ path: 'a.test.js', content: 'x\ny' }])).toBe(
      'diff --git a/a.test.js b/a.test.js\nnew file mode 100644\n--- /dev/null\n+++ b/a.test.js\n@@ -0,0 +1,2 @@\n+x\n+y\n\\ No newline at end of file\n',
    );
    expect(newFilesPatch('/repo', [])).toBe('');
  });
});
