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
    expect(result!.gates).toEqual([
      { name: 'tests', passed: true, status: 'passed', detail: '3 passed in 1 test file(s)' },
    ]);
    // Progress in CI logs: one timestamped line per step.
    for (const step of ['select', 'run', 'gaps', 'generate', 'ingest', 'triage'])
      expect(stderr).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z testloop ci: ${step} ok in `, 'm'));
    expect(stdout).toMatch(/^ {2}pass tests: 3 passed in 1 test file\(s\)$/m);
    // testloop's own output never counts as a change: a second run selects the same.
    const again = ci(app, []);
    expect(again.result!.selection!.tests.map((t) => t.file)).toEqual(['src/pricing.test.ts']);
    expect(again.result!.triage!.stats.runs).toBe(2);
  });

  it('writes the skeletons into its patch, names it, and its own outputs are no change to the next run', () => {
    const app = featureBranch('vitest-app', { 'src/pricing.ts': pricing() + BULK });
    // Every report inside the repository, and no .gitignore entry for .testloop/: nothing hides them.
    const args = [
      'ci',
      '--base',
      'main',
      '--format',
      'text',
      '--format',
      'json:ci.json',
      '--format',
      'html:report',
    ];
    const first = runTestloop(args, { cwd: app.dir, env: { CI: 'true' } });
    expect(first.status, first.stderr).toBe(0);
    const patchPath = '.testloop/ci/generated-tests.patch';
    const patch = readFileSync(join(app.dir, patchPath), 'utf8');
    const firstResult = JSON.parse(readFileSync(join(app.dir, 'ci.json'), 'utf8')) as CiResult;
    const [stub] = firstResult.generate!.stubs;
    expect(firstResult.generate!.patch).toBe(patchPath);
    expect(patch).toContain(`new file mode 100644\n--- /dev/null\n+++ b/${stub!.testFile}\n`);
    expect(patch).toContain("+  it.todo('");
    expect(first.stdout).toContain(`test skeletons to fill in (1): patch ${patchPath}`);
    expect(first.stdout).toContain(`1 test skeleton(s) (offline, no endpoint configured) in ${patchPath}`);
    expect(first.stderr).not.toContain('→');
    app.git('apply', '--check', patchPath);

    // As a user would after a run: everything committed, reports included.
    app.git('add', '-A');
    app.git('commit', '-qm', 'after a run');
    const second = runTestloop(args, { cwd: app.dir, env: { CI: 'true' } });
    expect(second.status, second.stderr).toBe(0);
    const result = JSON.parse(readFileSync(join(app.dir, 'ci.json'), 'utf8')) as CiResult;
    expect(result.selection!.ignored).toEqual([]);
    expect(result.selection!.stats.changedFiles).toBe(1);
    expect(result.selection!.tests.map((t) => t.file)).toEqual(['src/pricing.test.ts']);
    expect(result.gaps!.files.map((f) => f.path)).toEqual(['src/pricing.ts']);
    expect(result.generate!.stubs.map((s) => s.testFile)).toEqual([stub!.testFile]);
  });

  it("puts only the change's uncovered behaviour in a skeleton, not the function around it", () => {
    // On main, a longer total() that the tests run through; the change adds one line to it whose
    // callback no test calls (every test item has a name): the one gap of the function.
    const longTotal = (extra: string) =>
      pricing().replace(
        '  return items.reduce((sum, item) => sum + item.price * item.quantity, 0);',
        [
          '  let sum = 0;',
          '  for (const item of items) {',
          '    if (item.quantity > 0) {',
          '      sum += item.price * item.quantity;',
          '    } else {',
          '      sum += 0;',
          '    }',
          '  }',
          extra,
          '  return sum;',
        ].join('\n'),
      );
    const app = copyFixtureApp(FIXTURES, 'vitest-app');
    apps.push(app);
    writeFileSync(join(app.dir, 'src/pricing.ts'), longTotal('  const sorted = [...items];'));
    app.git('commit', '-qam', 'a longer total');
    app.git('checkout', '-qb', 'feature');
    writeFileSync(
      join(app.dir, 'src/pricing.ts'),
      longTotal('  const unnamed = items.filter((item) => !item.name).map((item) => item.price);'),
    );
    app.git('commit', '-qam', 'feature work');
    const { status, stderr, result } = ci(app, []);
    expect(status, stderr).toBe(0);
    const line = 16;
    expect(result!.gaps!.gaps).toEqual([
      expect.objectContaining({ file: 'src/pricing.ts', kind: 'function', start: line, end: line }),
    ]);
    expect(result!.generate!.stubs).toEqual([
      { target: 'src/pricing.ts:total', testFile: 'src/pricing.total.generated.test.ts', todos: 1 },
    ]);
    const patch = readFileSync(join(app.dir, '.testloop/ci/generated-tests.patch'), 'utf8');
    expect(patch.match(/it\.todo\(/g)).toHaveLength(1);
    expect(patch).toContain(`+  it.todo('runs line ${line}: const unnamed = items.filter(`);
  });

  it('fails with the tests, reporting the same failing tests as the full suite', () => {
    const broken = pricing().replace('sum + item.price * item.quantity', 'sum + item.price');
    const app = featureBranch('vitest-app', { 'src/pricing.ts': broken });
    const selected = ci(app, []);
    expect(selected.status).toBe(1);
    expect(selected.result!.run!.failedTests).toEqual([
      'src/pricing.test.ts › total › adds price times quantity',
    ]);
    expect(selected.result!.gates[0]).toEqual({
      name: 'tests',
      passed: false,
      status: 'failed',
      detail: '1 failed, 2 passed',
    });
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

  it('fails open when testloop cannot find the change, saying which gate it could not check; closed with --strict', () => {
    const app = featureBranch('vitest-app', { 'src/pricing.ts': pricing() + BULK });
    // No --base, and no main, master or origin to guess it from: the checkout lacks the change's context.
    app.git('branch', '-m', 'main', 'trunk');
    const json = join(mkdtempSync(join(tmpdir(), 'testloop-ci-out-')), 'ci.json');
    const detected = (extra: string[]) => {
      const run = runTestloop(
        ['ci', '--fail-under', '80', '--format', 'text', '--format', `json:${json}`, ...extra],
        { cwd: app.dir, env: { CI: 'true' } },
      );
      return { ...run, result: JSON.parse(readFileSync(json, 'utf8')) as CiResult };
    };
    const open = detected([]);
    expect(open.stderr).toMatch(/testloop ci: select failed in .* cannot tell which branch/);
    expect(open.status).toBe(0);
    expect(statuses(open.result)).toMatchObject({ select: 'failed', run: 'ok', gaps: 'failed' });
    // Without a selection every test runs: nothing is missed.
    expect(open.result.run).toMatchObject({ all: true, testFiles: 3, exitCode: 0 });
    expect(open.result.steps.find((s) => s.name === 'select')!.code).toBe('TESTLOOP_NO_BASE');
    const gate = open.result.gates.find((g) => g.name === 'fail-under');
    expect(gate).toMatchObject({ passed: false, status: 'not-evaluated' });
    expect(gate!.reason).toMatch(/^diff coverage unknown: the gaps step failed \(cannot tell which branch/);
    expect(open.stdout).toMatch(
      /^ {2}UNKNOWN fail-under: not evaluated: diff coverage unknown: the gaps step failed/m,
    );
    expect(open.stdout).toMatch(/^ {2}exit 0 /m);

    const strict = detected(['--strict']);
    expect(strict.status).toBe(1);
    expect(strict.result.gates.find((g) => g.name === 'strict')).toMatchObject({
      passed: false,
      detail: expect.stringMatching(/gates not evaluated: fail-under$/),
    });
    rmSync(dirname(json), { recursive: true, force: true });
  });

  it('stops with exit 2 and nothing on stdout on a base or coverage report the user named wrong', () => {
    const app = featureBranch('vitest-app', { 'src/pricing.ts': pricing() + BULK });
    const base = runTestloop(['ci', '--base', 'nosuchref', '--fail-under', '80', '--format', 'json'], {
      cwd: app.dir,
      env: { CI: 'true' },
    });
    expect(base.status).toBe(2);
    expect(base.stdout).toBe('');
    expect(base.stderr).toBe(
      'testloop: error TESTLOOP_UNKNOWN_REF: unknown base ref nosuchref. Pass --base with a branch, tag or commit that exists here (git fetch it first)\n',
    );
    // The same change with the right base fails the gate.
    const gated = ci(app, ['--fail-under', '80', '--skip', 'generate']);
    expect(gated.status).toBe(1);

    const coverage = (file: string) =>
      ci(app, ['--skip', 'run', '--coverage', file, '--fail-under', '80', '--skip', 'generate']);
    const missing = coverage('coverage/nope.info');
    expect(missing.status).toBe(2);
    expect(missing.result).toBeUndefined();
    expect(missing.stderr).toMatch(
      /^testloop: error TESTLOOP_NO_COVERAGE: coverage\/nope\.info: no such coverage report/m,
    );
    writeFileSync(join(app.dir, 'empty.info'), '');
    const empty = coverage('empty.info');
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(
      /^testloop: error TESTLOOP_COVERAGE_PARSE: .*empty\.info: no coverage records/m,
    );
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

describe('testloop ci --shard on a parallel job', () => {
  it('runs disjoint shards that cover the selection; their merged coverage gives the unsharded gaps', () => {
    const pricing = readFileSync(join(FIXTURES, 'vitest-app/src/pricing.ts'), 'utf8');
    const manifest = readFileSync(join(FIXTURES, 'vitest-app/package.json'), 'utf8');
    // A manifest change selects every test; the new function is the gap.
    const app = featureBranch('vitest-app', {
      'src/pricing.ts': pricing + BULK,
      'package.json': manifest.replace('"private": true', '"private": true, "version": "1.0.1"'),
    });
    const whole = ci(app, ['--fail-under', '80', '--skip', 'generate']);
    expect(whole.result!.selection!.tests).toHaveLength(3);
    const reports = mkdtempSync(join(tmpdir(), 'testloop-shard-coverage-'));
    const shards = [1, 2].map((index) => {
      // GitLab's variables, as `parallel: 2` sets them.
      const run = ci(app, ['--shard', 'auto', '--fail-under', '80', '--skip', 'generate'], {
        CI_NODE_INDEX: String(index),
        CI_NODE_TOTAL: '2',
      });
      const lcov = join(app.dir, '.testloop/ci/coverage-1/lcov.info');
      if (existsSync(lcov)) writeFileSync(join(reports, `shard-${index}.info`), readFileSync(lcov));
      return run;
    });
    const files = shards.flatMap((s) => s.result!.selection!.tests.map((t) => t.file));
    expect([...files].sort()).toEqual(whole.result!.selection!.tests.map((t) => t.file).sort());
    expect(new Set(files).size).toBe(3);
    for (const [i, shard] of shards.entries()) {
      expect(shard.status).toBe(0);
      expect(shard.result!.selection!.shard).toMatchObject({ index: i + 1, total: 2, selectedTests: 3 });
      expect(shard.result!.run!.testFiles).toBe(shard.result!.selection!.tests.length);
      expect(statuses(shard.result).gaps).toBe('off');
      // Recording its run would change the history the next shard splits on.
      expect(statuses(shard.result).ingest).toBe('off');
      // One shard's coverage cannot hold the gate; the result says so instead of passing it.
      expect(shard.result!.gates.find((g) => g.name === 'fail-under')).toMatchObject({
        passed: false,
        status: 'not-evaluated',
        reason: expect.stringContaining('merge every shard'),
      });
    }
    // The job after the matrix: every shard's coverage, merged by gaps, gives what one machine would.
    const merged = runTestloop(
      [
        'gaps',
        '--base',
        'main',
        '--format',
        'json',
        '--coverage',
        join(reports, 'shard-1.info'),
        '--coverage',
        join(reports, 'shard-2.info'),
      ],
      { cwd: app.dir },
    );
    rmSync(reports, { recursive: true, force: true });
    const gaps = JSON.parse(merged.stdout);
    expect(gaps.totals).toEqual(whole.result!.gaps!.totals);
    expect(gaps.files.find((f: { path: string }) => f.path === 'src/pricing.ts').uncoveredLines).toEqual([
      17, 18, 20,
    ]);
  });

  it('leaves no history file behind when it recorded nothing', () => {
    const app = featureBranch('vitest-app', { 'src/extra.ts': 'export const extra = 2;\n' });
    const { status, result } = ci(app, ['--skip', 'ingest', '--skip', 'generate']);
    expect(status).toBe(0);
    expect(statuses(result).triage).toBe('ok');
    expect(result!.triage!.stats.runs).toBe(0);
    expect(existsSync(join(app.dir, '.testloop/history.db'))).toBe(false);
  });

  it('refuses a shard index past the total with exit 2 before running anything', () => {
    const app = featureBranch('vitest-app', { 'src/extra.ts': 'export const extra = 1;\n' });
    const { status, stderr, stdout } = ci(app, ['--shard', '3/2']);
    expect(status).toBe(2);
    expect(stderr).toMatch(/^testloop: error TESTLOOP_USAGE: --shard 3\/2: /m);
    expect(stdout).toBe('');
    expect(existsSync(join(app.dir, '.testloop/ci'))).toBe(false);
  });
});

describe('testloop ci on a monorepo whose package has its own vitest config', () => {
  it('maps the package-relative coverage to the repository and holds the gate', () => {
    const index = readFileSync(join(FIXTURES, 'vitest-monorepo/packages/strings/src/index.ts'), 'utf8');
    const whisper = `\nexport function whisper(text: string): string {\n  if (text.length === 0) {\n    return '';\n  }\n  return \`\${text.toLowerCase()}...\`;\n}\n`;
    // src/index.ts is also packages/numbers/src/index.ts: only the package's own folder tells them apart.
    const app = featureBranch('vitest-monorepo', { 'packages/strings/src/index.ts': index + whisper });
    const { status, stderr, result } = ci(app, ['--fail-under', '80', '--skip', 'generate']);
    expect(stderr).not.toMatch(/internal error/);
    expect(result!.selection!.tests.map((t) => t.file)).toEqual(['packages/strings/src/index.test.ts']);
    expect(result!.run!.coverageReports).toEqual(['lcov:.testloop/ci/coverage-1/lcov.info']);
    const file = result!.gaps!.files.find((f) => f.path === 'packages/strings/src/index.ts')!;
    expect(file.measured).toBe(true);
    expect(file.uncoveredLines).toEqual([6, 7, 9]);
    expect(result!.gaps!.warnings).toEqual([]);
    expect(status).toBe(1);
    expect(result!.gates.find((g) => g.name === 'fail-under')).toEqual({
      name: 'fail-under',
      passed: false,
      status: 'failed',
      detail: 'diff coverage 0.0% (0 of 3 lines), threshold 80%',
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
      killsMutants: 1,
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
