/**
 * `testloop ci` end to end: the built CLI on fixture repositories with real vitest and jest runs, a real
 * history store, and a local OpenAI-protocol server for generation.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CiResult } from '../../src/ci/types.ts';
import { runTestloop, runTestloopAsync } from '../helpers/cli.ts';
import { type App, copyFixtureApp } from '../helpers/fixture-app.ts';
import { type OpenAiServer, startOpenAiServer } from '../helpers/openai-server.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/ci/', import.meta.url));

const apps: App[] = [];
afterAll(() => {
  for (const app of apps) app.remove();
});

/** The fixture on `main`, then a feature branch with `changes` committed on top. */
function featureBranch(name: string, changes: Record<string, string>): App {
  const app = copyFixtureApp(FIXTURES, name);
  apps.push(app);
  app.git('checkout', '-qb', 'feature');
  for (const [file, content] of Object.entries(changes)) writeFileSync(join(app.dir, file), content);
  app.git('add', '-A');
  app.git('commit', '-qm', 'feature work');
  return app;
}

/** Runs `testloop ci` in the app; the JSON result goes outside the repository (it would be a change). */
function ci(app: App, args: string[], env: Record<string, string> = {}) {
  const out = join(mkdtempSync(join(tmpdir(), 'testloop-ci-out-')), 'ci.json');
  const run = runTestloop(['ci', '--base', 'main', '--format', `json:${out}`, ...args], {
    cwd: app.dir,
    env: { CI: 'true', ...env },
  });
  const json = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as CiResult) : undefined;
  rmSync(dirname(out), { recursive: true, force: true });
  return { ...run, result: json };
}

const statuses = (result: CiResult | undefined) =>
  Object.fromEntries((result?.steps ?? []).map((s) => [s.name, s.status]));

const BULK = `
export function bulkPrice(quantity: number, unit: number): number {
  if (quantity >= 100) {
    return quantity * unit * 0.9;
  }
  return quantity * unit;
}
`;

describe('testloop ci on a vitest repository', () => {
  const pricing = () => readFileSync(join(FIXTURES, 'vitest-app/src/pricing.ts'), 'utf8');

  it('selects, runs with coverage, finds the gaps, writes stubs, records and triages the run', () => {
    const app = featureBranch('vitest-app', { 'src/pricing.ts': pricing() + BULK });
    const { status, stderr, stdout, result } = ci(app, ['--format', 'text']);
    expect(stderr).not.toMatch(/internal error/);
    expect(status).toBe(0);
    expect(statuses(result)).toEqual({
      select: 'ok',
      run: 'ok',
      gaps: 'ok',
      generate: 'ok',
      ingest: 'ok',
      triage: 'ok',
    });
    expect(result!.selection!.tests.map((t) => t.file)).toEqual(['src/pricing.test.ts']);
    expect(result!.run).toMatchObject({
      testFiles: 1,
      totalTestFiles: 3,
      all: false,
      exitCode: 0,
      tests: { passed: 3, failed: 0, skipped: 0 },
      failedTests: [],
      reports: ['.testloop/ci/junit-1.xml'],
    });
    expect(result!.run!.savedMs).toBeGreaterThanOrEqual(0);
    const file = result!.gaps!.files.find((f) => f.path === 'src/pricing.ts')!;
    // The new function (lines 16-21): its statements, none run by the selected test.
    expect(file.uncoveredLines).toEqual([17, 18, 20]);
    expect(result!.generate!.stubs.map((s) => s.target)).toEqual(['src/pricing.ts:bulkPrice']);
    expect(result!.triage!.stats.runs).toBe(1);
    expect(result!.gates).toEqual([{ name: 'tests', passed: true, detail: '3 passed in 1 test file(s)' }]);
    // Progress in CI logs: one timestamped line per step.
    for (const step of ['select', 'run', 'gaps', 'generate', 'ingest', 'triage'])
      expect(stderr).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z testloop ci: ${step} ok in `, 'm'));
    expect(stdout).toMatch(/^ {2}pass tests: 3 passed in 1 test file\(s\)$/m);
    // testloop's own output never counts as a change: a second run selects the same.
    const again = ci(app, []);
    expect(again.result!.selection!.tests.map((t) => t.file)).toEqual(['src/pricing.test.ts']);
    expect(again.result!.triage!.stats.runs).toBe(2);
  });

  it('fails with the tests, reporting the same failing tests as the full suite', () => {
    const broken = pricing().replace('sum + item.price * item.quantity', 'sum + item.price');
    const app = featureBranch('vitest-app', { 'src/pricing.ts': broken });
    const selected = ci(app, []);
    expect(selected.status).toBe(1);
    expect(selected.result!.run!.failedTests).toEqual([
      'src/pricing.test.ts › total › adds price times quantity',
    ]);
    expect(selected.result!.gates[0]).toEqual({ name: 'tests', passed: false, detail: '1 failed, 2 passed' });
    const full = ci(app, ['--skip', 'select']);
    expect(full.status).toBe(1);
    expect(full.result!.run!.all).toBe(true);
    expect(full.result!.run!.testFiles).toBe(3);
    expect(full.result!.run!.failedTests).toEqual(selected.result!.run!.failedTests);
  });

  it('writes every report format from one run', () => {
    const app = featureBranch('vitest-app', { 'src/pricing.ts': pricing() + BULK });
    const out = mkdtempSync(join(tmpdir(), 'testloop-ci-formats-'));
    const { status, result } = ci(app, [
      '--skip',
      'generate',
      ...['gitlab:gl-code-quality.json', 'sarif:gaps.sarif', 'markdown:comment.md', 'html:report'].flatMap(
        (format) => ['--format', format.replace(':', `:${out}/`)],
      ),
    ]);
    expect(status).toBe(0);
    const codeQuality = JSON.parse(readFileSync(join(out, 'gl-code-quality.json'), 'utf8'));
    expect(codeQuality.map((issue: { location: { path: string } }) => issue.location.path)).toEqual(
      result!.gaps!.gaps.map((gap) => gap.file),
    );
    const sarif = JSON.parse(readFileSync(join(out, 'gaps.sarif'), 'utf8'));
    expect(sarif.runs[0].results).toHaveLength(result!.gaps!.gaps.length);
    const comment = readFileSync(join(out, 'comment.md'), 'utf8');
    expect(comment.startsWith('<!-- testloop:ci -->')).toBe(true);
    expect(comment).toContain('src/pricing.ts');
    const html = readFileSync(join(out, 'report/index.html'), 'utf8');
    expect(html).toContain('bulkPrice');
    // GitLab's merge-request coverage view reads Cobertura: the run writes it beside lcov.
    expect(existsSync(join(app.dir, '.testloop/ci/coverage-1/cobertura-coverage.xml'))).toBe(true);
    rmSync(out, { recursive: true, force: true });
  });

  it('holds the coverage gate', () => {
    const app = featureBranch('vitest-app', { 'src/pricing.ts': pricing() + BULK });
    const { status, result } = ci(app, ['--fail-under', '80', '--skip', 'generate']);
    expect(status).toBe(1);
    expect(result!.gates.find((g) => g.name === 'fail-under')).toMatchObject({ passed: false });
    expect(statuses(result).generate).toBe('off');
  });

  it('fails open when testloop cannot do its part, and closed with --strict', () => {
    const app = featureBranch('vitest-app', {
      'src/text.ts': `${readFileSync(join(FIXTURES, 'vitest-app/src/text.ts'), 'utf8')}\n`,
    });
    const open = ci(app, ['--base', 'no-such-branch']);
    expect(open.stderr).toMatch(/testloop ci: select failed in .* unknown base ref no-such-branch/);
    expect(open.status).toBe(0);
    expect(statuses(open.result)).toMatchObject({ select: 'failed', run: 'ok', gaps: 'failed' });
    // Without a selection every test runs: nothing is missed.
    expect(open.result!.run).toMatchObject({ all: true, testFiles: 3, exitCode: 0 });
    expect(open.result!.steps.find((s) => s.name === 'select')!.code).toBe('TESTLOOP_UNKNOWN_REF');

    const strict = ci(app, ['--base', 'no-such-branch', '--strict']);
    expect(strict.status).toBe(1);
    expect(strict.result!.gates.find((g) => g.name === 'strict')).toMatchObject({ passed: false });
  });

  it('keeps to the budget: steps that cannot start are reported, the tests still decide', () => {
    const app = featureBranch('vitest-app', { 'src/pricing.ts': pricing() + BULK });
    const { status, result } = ci(app, ['--budget', '1ms']);
    expect(status).toBe(0);
    expect(statuses(result)).toEqual({
      select: 'timedOut',
      run: 'ok',
      gaps: 'timedOut',
      generate: 'timedOut',
      ingest: 'timedOut',
      triage: 'timedOut',
    });
    expect(result!.run!.all).toBe(true);
    const strict = ci(app, ['--budget', '1ms', '--strict']);
    expect(strict.status).toBe(1);
  });

  it('finds a flaky test from the history, with its trend, and fails on it when asked', () => {
    const app = featureBranch('vitest-app', { 'src/pricing.ts': pricing() + BULK });
    for (const [report, runId] of [
      ['failed.xml', 'r1'],
      ['passed.xml', 'r2'],
    ]) {
      const ingest = runTestloop(
        ['ingest', join(FIXTURES, 'history', report!), '--commit', 'c0ffee', '--run-id', runId!],
        { cwd: app.dir },
      );
      expect(ingest.status, ingest.stderr).toBe(0);
    }
    const { status, result } = ci(app, []);
    expect(status).toBe(0);
    const flaky = result!.triage!.findings.filter((f) => f.verdict === 'flaky');
    expect(flaky.map((f) => f.testId)).toEqual(['src/text.test.ts › slugify › joins words with dashes']);
    const trend = result!.trends!.find((t) => t.testId === flaky[0]!.testId)!;
    expect(trend.points.map((p) => p.status)).toEqual(['failed', 'passed']);

    const gated = ci(app, ['--flaky', 'fail']);
    expect(gated.status).toBe(1);
    expect(gated.result!.gates.find((g) => g.name === 'flaky')).toMatchObject({
      passed: false,
      detail: '1 flaky test(s)',
    });
  });
});

describe('testloop ci usage', () => {
  it('names the documented model variables and refuses unusable formats with exit 2', () => {
    const app = copyFixtureApp(FIXTURES, 'vitest-app');
    apps.push(app);
    const help = runTestloop(['ci', '--help'], { cwd: app.dir });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('env TESTLOOP_LLM_BASE_URL\n');
    const html = runTestloop(['ci', '--format', 'html'], { cwd: app.dir });
    expect(html.status).toBe(2);
    expect(html.stderr).toBe(
      'testloop: error TESTLOOP_USAGE: --format html writes a folder: name it, e.g. --format html:testloop-report\n',
    );
    const llm = runTestloop(['ci', '--generate', 'llm'], { cwd: app.dir });
    expect(llm.status).toBe(2);
    expect(llm.stderr).toMatch(/--generate llm needs an endpoint/);
  });
});

describe('testloop ci with a model endpoint', () => {
  let server: OpenAiServer;
  beforeAll(async () => {
    server = await startOpenAiServer();
  });
  afterAll(() => server.close());

  it('generates, validates and offers the accepted test as a patch', async () => {
    const pricing = readFileSync(join(FIXTURES, 'vitest-app/src/pricing.ts'), 'utf8');
    const app = featureBranch('vitest-app', { 'src/pricing.ts': pricing + BULK });
    const test = `import { expect, it } from 'vitest';\nimport { bulkPrice } from './pricing.ts';\n\nit('discounts bulk orders', () => {\n  expect(bulkPrice(100, 1)).toBe(90);\n  expect(bulkPrice(2, 3)).toBe(6);\n});\n`;
    server.handler = () => ({ reply: { code: test } });
    const run = await runTestloopAsync(
      [
        'ci',
        '--base',
        'main',
        '--format',
        'json',
        '--base-url',
        server.url,
        '--model',
        'test-model',
        '--allow-network',
      ],
      { cwd: app.dir, env: { CI: 'true', TESTLOOP_LLM_API_KEY: 'sk-test' } },
    );
    expect(run.stderr).not.toMatch(/internal error/);
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as CiResult;
    expect(result.generate!.accepted).toHaveLength(1);
    expect(result.generate!.accepted[0]).toMatchObject({ target: 'src/pricing.ts:bulkPrice' });
    // The protections the candidate ran under, in the ci result too; --allow-network kept the network.
    expect(result.stats.sandbox).toEqual(result.generate!.stats.sandbox);
    expect(result.stats.sandbox?.network).toBe('allowed');
    expect(result.generate!.funnel).toEqual({
      generated: 1,
      compiled: 1,
      passed: 1,
      stable: 1,
      addedCoverage: 1,
    });
    const patch = readFileSync(join(app.dir, result.generate!.patch!), 'utf8');
    expect(patch).toContain("+it('discounts bulk orders', () => {");
    // Offered, not written: the working tree holds only testloop's own folder.
    expect(app.status().filter((line) => !line.includes('.testloop/'))).toEqual([]);
  });
});

describe('testloop ci on a jest repository', () => {
  const pricing = () => readFileSync(join(FIXTURES, 'jest-app/lib/pricing.js'), 'utf8');

  it('reads per-test outcomes from jest and reports the failing test', () => {
    const broken = pricing().replace('sum + item.price * item.quantity', 'sum + item.price');
    const app = featureBranch('jest-app', { 'lib/pricing.js': broken });
    const { status, result, stderr } = ci(app, []);
    expect(stderr).not.toMatch(/internal error/);
    expect(status).toBe(1);
    expect(result!.selection!.tests.map((t) => t.file)).toEqual(['lib/pricing.test.js']);
    expect(result!.run).toMatchObject({
      testFiles: 1,
      totalTestFiles: 3,
      tests: { passed: 1, failed: 1, skipped: 0 },
      failedTests: ['lib/pricing.test.js › total › adds price times quantity'],
    });
    expect(result!.gaps!.files.map((f) => f.path)).toEqual(['lib/pricing.js']);
    expect(statuses(result)).toMatchObject({ ingest: 'ok', triage: 'ok' });
  });

  it('counts an untested changed file as uncovered, not as unmeasured', () => {
    const app = featureBranch('jest-app', {
      'lib/money.js':
        'function cents(value) {\n  return Math.round(value * 100);\n}\n\nmodule.exports = { cents };\n',
    });
    const { status, result } = ci(app, ['--skip', 'generate']);
    expect(status).toBe(0);
    expect(result!.selection!.tests).toEqual([]);
    const money = result!.gaps!.files.find((f) => f.path === 'lib/money.js')!;
    expect(money.measured).toBe(true);
    // istanbul counts statements: the declaration line itself is not one.
    expect(money.uncoveredLines).toEqual([2, 5]);
    expect(result!.run!.measuringTests).toHaveLength(1);
  });
});
