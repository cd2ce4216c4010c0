import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlmClient } from '../../src/llm/index.ts';
import { fixTests } from '../../src/triage/fix/fix.ts';
import { requiredRuns } from '../../src/triage/fix/prove.ts';
import type { TempRepo } from '../helpers/git-repo.ts';
import { type OpenAiServer, type RecordedRequest, startOpenAiServer } from '../helpers/openai-server.ts';
import { FIXTURE, FLAKY, fixtureRepo, JEST_FIXTURE, ORDER, reply, STABLE } from './fix-fixture.ts';

const userText = (request: RecordedRequest): string =>
  String(request.body?.messages?.find((m: { role: string }) => m.role === 'user')?.content ?? '');

describe('M, the runs a fix must pass', () => {
  it('is the fewest runs with (1-p)^M under 5%, capped', () => {
    expect(requiredRuns(1, 60)).toEqual({ runs: 1, capped: false });
    expect(requiredRuns(0.5, 60)).toEqual({ runs: 5, capped: false });
    expect(requiredRuns(0.2, 60)).toEqual({ runs: 14, capped: false });
    // ln 0.05 / ln 0.95 = 58.4: 59 runs.
    expect(requiredRuns(0.05, 60)).toEqual({ runs: 59, capped: false });
    expect(requiredRuns(0.01, 60)).toEqual({ runs: 60, capped: true });
    for (const p of [0.1, 0.3, 0.7]) {
      const { runs } = requiredRuns(p, 1000);
      expect((1 - p) ** runs).toBeLessThan(0.05);
      expect((1 - p) ** (runs - 1)).toBeGreaterThanOrEqual(0.05);
    }
  });
});

describe('triage --fix on a vitest project', () => {
  let repo: TempRepo;
  let server: OpenAiServer;

  beforeAll(async () => {
    repo = fixtureRepo();
    server = await startOpenAiServer();
  });
  afterAll(async () => {
    repo.remove();
    await server.close();
  });

  const client = () => createLlmClient({ baseUrl: server.url, model: 'test-model', env: {}, maxRetries: 0 });
  const clean = () => expect(repo.git('status', '--porcelain')).toBe('');

  it('reproduces a failing-every-other-run test alone and accepts a correct fix after M runs', {
    timeout: 240_000,
  }, async () => {
    const asked = server.completions().length;
    server.enqueue(reply('flaky.correct.ts'));
    const { fixes } = await fixTests({ cwd: repo.dir, tests: [FLAKY], client: client(), measureRuns: 4 });
    const [fix] = fixes;
    expect(fix).toMatchObject({
      testId: FLAKY,
      reproduced: true,
      condition: 'isolated',
      reproductionRuns: 4,
      accepted: true,
      validationFailures: 0,
      rounds: 1,
      files: ['tests/flaky.test.ts'],
    });
    // Runs 1 and 3 fail, 2 and 4 pass.
    expect(fix!.failureRate).toBe(0.5);
    const m = requiredRuns(fix!.failureRate, 60).runs;
    expect(m).toBe(5);
    expect(fix!.requiredRuns).toBe(m);
    expect(fix!.validationRuns).toBe(m);
    expect(fix!.reason).toContain('the fix passed all 5 of M = 5 runs');
    expect(fix!.patch).toMatch(/^diff --git a\/tests\/flaky\.test\.ts b\/tests\/flaky\.test\.ts\n/);
    expect(fix!.patch).toContain('+    const n = roll(3);');
    expect(fix!.patch).toContain('-    const n = roll();');
    // The model saw the failure (its message, temp paths and durations stripped) and the test's source.
    const prompt = userText(server.completions()[asked]!);
    expect(prompt).toContain('Reproduced under "isolated": failed 2 of 4 runs (p = 0.5)');
    expect(prompt).toContain('roll 1');
    expect(prompt).toContain('--- tests/flaky.test.ts');
    expect(prompt).not.toMatch(/\/tmp\/testloop-sandbox-/);
    // Nothing ran in the working tree and nothing was written to it.
    clean();
    expect(readFileSync(join(repo.dir, 'tests/flaky.test.ts'), 'utf8')).not.toContain('roll(3)');
  });

  it('rejects a fix that only lowers the rate, then discards it or takes the repair', {
    timeout: 300_000,
  }, async () => {
    const asked = server.completions().length;
    server.enqueue(reply('flaky.partial.ts'));
    const discarded = await fixTests({
      cwd: repo.dir,
      tests: [FLAKY],
      client: client(),
      measureRuns: 2,
      repairRounds: 0,
    });
    expect(discarded.fixes[0]).toMatchObject({
      accepted: false,
      rounds: 1,
      validationFailures: 1,
      validationRuns: 1,
    });
    expect(discarded.fixes[0]!.patch).toBeNull();
    expect(discarded.fixes[0]!.reason).toMatch(
      /^discarded after 1 round\(s\): the fix failed 1 of 1 run\(s\)/,
    );
    clean();

    server.enqueue(reply('flaky.partial.ts'), reply('flaky.correct.ts'));
    const repaired = await fixTests({
      cwd: repo.dir,
      tests: [FLAKY],
      client: client(),
      measureRuns: 2,
      write: true,
    });
    expect(repaired.fixes[0]).toMatchObject({
      accepted: true,
      rounds: 2,
      validationFailures: 0,
      validationRuns: repaired.fixes[0]!.requiredRuns,
      written: true,
    });
    // The repair request carries the rejected candidate and the failure it met.
    const repair = userText(server.completions()[asked + 2]!);
    expect(repair).toContain('Your previous fix was rejected: the fix failed 1 of 1 run(s) under isolated');
    expect(repair).toContain('n % 4 === 1');
    // --write: the accepted file is in the working tree, and nothing else changed.
    expect(readFileSync(join(repo.dir, 'tests/flaky.test.ts'), 'utf8')).toBe(
      readFileSync(join(FIXTURE, 'replies/flaky.correct.ts'), 'utf8'),
    );
    try {
      expect(repo.git('status', '--porcelain').trim()).toBe('M tests/flaky.test.ts');
    } finally {
      repo.git('checkout', '--', 'tests/flaky.test.ts');
    }
  });

  it('rejects a reply outside the test files without --allow-source, and one outside the repository', {
    timeout: 240_000,
  }, async () => {
    const asked = server.completions().length;
    server.enqueue(
      JSON.stringify({ files: [{ path: '../outside.test.ts', code: "test('x', () => {});\n" }] }),
      JSON.stringify({
        files: [{ path: 'vitest.config.ts', code: 'export default { test: { retry: 5 } };\n' }],
      }),
    );
    const { fixes } = await fixTests({
      cwd: repo.dir,
      tests: [FLAKY],
      client: client(),
      measureRuns: 2,
      repairRounds: 1,
    });
    expect(fixes[0]).toMatchObject({ accepted: false, rounds: 2, validationRuns: 0 });
    expect(fixes[0]!.reason).toMatch(
      /^discarded after 2 round\(s\): rejected: vitest\.config\.ts is not a test file: a fix may change source files only with --allow-source/,
    );
    expect(userText(server.completions()[asked + 1]!)).toContain(
      '../outside.test.ts is outside the repository',
    );
    clean();
  });

  it('reproduces an order-dependent test only when shuffled, and never asks about a test that never fails', {
    timeout: 300_000,
  }, async () => {
    const asked = server.completions().length;
    server.enqueue(reply('order.correct.ts'));
    const { fixes } = await fixTests({
      cwd: repo.dir,
      tests: [ORDER],
      client: client(),
      attemptsPerCondition: 2,
      measureRuns: 4,
    });
    const [order] = fixes;
    expect(order!.reproduction[0]).toEqual({ condition: 'isolated', runs: 2, failures: 0 });
    expect(order!.reproduction[1]).toMatchObject({ condition: 'shuffled' });
    expect(order).toMatchObject({
      reproduced: true,
      condition: 'shuffled',
      accepted: true,
      validationFailures: 0,
    });
    expect(order!.validationRuns).toBe(requiredRuns(order!.failureRate, 60).runs);
    expect(server.completions().length).toBe(asked + 1);

    const stable = await fixTests({
      cwd: repo.dir,
      tests: [STABLE],
      client: client(),
      attemptsPerCondition: 1,
      // One round through the conditions; by default they are tried again until the budget is spent.
      reproduceRounds: 1,
    });
    expect(stable.fixes[0]).toMatchObject({
      testId: STABLE,
      reproduced: false,
      failureRate: 0,
      reproductionRuns: 6,
      accepted: false,
      validationRuns: 0,
      validationFailures: 0,
      rounds: 0,
    });
    expect(stable.fixes[0]!.reason).toMatch(
      /^not reproduced: passed all 6 runs \(isolated 1×, shuffled 1×, parallel 1×, cpu-load 1×, timezone 1×, locale 1×\)$/,
    );
    expect(server.completions().length).toBe(asked + 1);
    clean();
  });

  it('runs the tests with a scrubbed environment: no model key or token reaches them', {
    timeout: 120_000,
  }, async () => {
    const { fixes } = await fixTests({
      cwd: repo.dir,
      tests: ['tests/env.test.ts › env › sees no credentials'],
      env: {
        ...process.env,
        TESTLOOP_LLM_API_KEY: 'sk-secret',
        OPENAI_API_KEY: 'sk-other',
        GITHUB_TOKEN: 'ghp-x',
      },
      attemptsPerCondition: 1,
      budgetMs: 1_000,
    });
    // The budget ends the search after the isolated run or a few conditions later, as the machine's speed
    // decides; what matters is that the test, which fails when it sees a credential, never failed.
    expect(fixes[0]).toMatchObject({ reproduced: false });
    const reproduction = fixes[0]!.reproduction;
    expect(reproduction[0]).toEqual({ condition: 'isolated', runs: 1, failures: 0 });
    expect(reproduction.every((attempt) => attempt.failures === 0)).toBe(true);
  });

  it('names a test id that names no test, before running anything', async () => {
    await expect(fixTests({ cwd: repo.dir, tests: ['tests/missing.test.ts › x › y'] })).rejects.toMatchObject(
      {
        code: 'TESTLOOP_UNKNOWN_TEST',
        message: expect.stringContaining('testloop triage --format json'),
      },
    );
    await expect(
      fixTests({ cwd: repo.dir, tests: ['tests/stable.test.ts › math › nope'] }),
    ).rejects.toMatchObject({
      code: 'TESTLOOP_UNKNOWN_TEST',
      message: expect.stringContaining('reports no test of that name'),
    });
  });
});

describe('triage --fix on a jest project', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = fixtureRepo(JEST_FIXTURE);
  });
  afterAll(() => repo.remove());

  it('reproduces a flaky test alone and an order-dependent one only when shuffled (jest --randomize)', {
    timeout: 300_000,
  }, async () => {
    const { fixes } = await fixTests({
      cwd: repo.dir,
      tests: [
        'tests/flaky.test.js › dice › rolls an even number',
        'tests/order.test.js › registry › starts empty',
      ],
      attemptsPerCondition: 2,
      measureRuns: 2,
    });
    expect(fixes[0]).toMatchObject({
      reproduced: true,
      condition: 'isolated',
      failureRate: 0.5,
      reproductionRuns: 2,
      requiredRuns: 5,
      accepted: false,
      reason: expect.stringMatching(/^no model configured; reproduced under isolated/),
    });
    expect(fixes[1]!.reproduction[0]).toEqual({ condition: 'isolated', runs: 2, failures: 0 });
    expect(fixes[1]).toMatchObject({ reproduced: true, condition: 'shuffled' });
    expect(repo.git('status', '--porcelain')).toBe('');
  });
});
