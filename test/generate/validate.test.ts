import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { isTestloopError } from '../../src/errors.ts';
import { checkTestPath, removeLeftovers, scrubEnv, writeScratch } from '../../src/generate/sandbox.ts';
import type {
  CandidateValidator,
  GenerateTarget,
  TestContext,
  Validation,
} from '../../src/generate/types.ts';
import { createValidator } from '../../src/generate/validate.ts';
import { runnerByName } from '../../src/runners/registry.ts';
import type { ProjectInfo, RunnerName } from '../../src/runners/types.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/generate/', import.meta.url));
const NODE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));

interface App {
  dir: string;
  project: ProjectInfo;
  remove(): void;
}

/** A fixture copied to a temp git repository (committed, node_modules ignored), node_modules linked in. */
function copyApp(name: string): App {
  const dir = mkdtempSync(join(tmpdir(), `testloop-validate-${name}-`));
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  mkdirSync(join(dir, 'node_modules'));
  for (const entry of readdirSync(NODE_MODULES)) {
    if (!entry.startsWith('.vite') && entry !== '.cache')
      symlinkSync(join(NODE_MODULES, entry), join(dir, 'node_modules', entry));
  }
  writeFileSync(join(dir, '.gitignore'), 'node_modules/\n');
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
      cwd: dir,
      encoding: 'utf8',
    });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'fixture');
  const files = git('ls-files').trim().split('\n');
  const packageJson = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  return {
    dir,
    project: { root: dir, dir, packageJson, files },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function gitStatus(dir: string): string {
  return execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], {
    cwd: dir,
    encoding: 'utf8',
  });
}

// This file's own temp folder: other test files running at the same time make coverage folders too.
const ownTemp = mkdtempSync(join(tmpdir(), 'testloop-validate-test-'));
process.env.TMPDIR = ownTemp;
const covDirs = (): string[] => readdirSync(ownTemp).filter((name) => name.startsWith('testloop-cov-'));

interface Dialect {
  runner: RunnerName;
  app: string;
  source: string;
  importPath: string;
  /** Imports of node:fs, the test API and the source. */
  header: string;
  eq(actual: string, expected: string): string;
}

const dialects: Dialect[] = [
  {
    runner: 'vitest',
    app: 'vitest-app',
    source: 'src/price.ts',
    importPath: './price.ts',
    header:
      "import { existsSync, readFileSync, writeFileSync } from 'node:fs';\nimport { expect, test } from 'vitest';\nimport { discount, price } from './price.ts';\n",
    eq: (actual, expected) => `expect(${actual}).toBe(${expected});`,
  },
  {
    runner: 'jest',
    app: 'jest-app',
    source: 'src/price.js',
    importPath: './price.js',
    header:
      "const { existsSync, readFileSync, writeFileSync } = require('node:fs');\nconst { discount, price } = require('./price.js');\n",
    eq: (actual, expected) => `expect(${actual}).toBe(${expected});`,
  },
  {
    runner: 'node',
    app: 'node-app',
    source: 'src/price.js',
    importPath: './price.js',
    header:
      "import { existsSync, readFileSync, writeFileSync } from 'node:fs';\nimport assert from 'node:assert/strict';\nimport { test } from 'node:test';\nimport { discount, price } from './price.js';\n",
    eq: (actual, expected) => `assert.equal(${actual}, ${expected});`,
  },
];

function contextFor(d: Dialect, testFile = `src/discount.test.${d.source.endsWith('.ts') ? 'ts' : 'js'}`) {
  const target: GenerateTarget = {
    id: `${d.source}:discount`,
    file: d.source,
    symbol: 'discount',
    startLine: 5,
    endLine: 13,
    uncoveredLines: [6, 7, 9, 10, 12],
  };
  const context: TestContext = {
    target,
    runner: d.runner,
    testFile,
    importPath: d.importPath,
    source: '',
    exports: ['discount(total, code)', 'price(amount, quantity)'],
  };
  return context;
}

const scratch = mkdtempSync(join(tmpdir(), 'testloop-validate-out-'));
const covBefore = new Set(covDirs());
const timings: string[] = [];
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(ownTemp, { recursive: true, force: true });
  // VALIDATE_TIMINGS=1 prints runner time against wall time per validation.
  if (process.env.VALIDATE_TIMINGS && timings.length > 0)
    process.stderr.write(`validate timings (runner ms / total ms):\n${timings.join('\n')}\n`);
});

/** Validates and records the runner time against the wall time. */
async function timed(label: string, run: () => Promise<Validation>): Promise<Validation> {
  const started = performance.now();
  const result = await run();
  timings.push(`  ${label}: ${result.runnerMs} / ${Math.round(performance.now() - started)}`);
  return result;
}

/** Validators made by a test, closed after it (a vitest one keeps a validation process running). */
const opened: CandidateValidator[] = [];
const track = (validator: CandidateValidator): CandidateValidator => {
  opened.push(validator);
  return validator;
};
afterEach(async () => {
  await Promise.all(opened.splice(0).map((validator) => validator.close?.()));
});

describe.each(dialects)('$runner', (d) => {
  let app: App;
  const validator = (reruns = 2, timeoutMs = 30_000, rerunIn?: 'worker' | 'process') =>
    track(
      createValidator({
        root: app.dir,
        project: app.project,
        adapter: runnerByName(d.runner)!,
        reruns,
        timeoutMs,
        ...(rerunIn === undefined ? {} : { rerunIn }),
        // The funnel, not the sandbox (test/sandbox/): candidates here count their runs in files outside.
        sandbox: false,
      }),
    );
  const candidate = (body: string): string => `${d.header}\n${body}\n`;
  const check = (
    label: string,
    code: string,
    options?: { reruns?: number; timeoutMs?: number; rerunIn?: 'worker' | 'process' },
  ) =>
    timed(`${d.runner} ${label}`, () =>
      validator(options?.reruns, options?.timeoutMs, options?.rerunIn).validate(contextFor(d), code),
    );

  beforeAll(() => {
    app = copyApp(d.app);
  });
  afterAll(() => {
    // Every scratch file is gone, and nothing else was written into the repository.
    expect(gitStatus(app.dir)).toBe('');
    expect(covDirs().filter((name) => !covBefore.has(name))).toEqual([]);
    app.remove();
  });

  test('accepts a test that runs new lines, with exactly those lines', async () => {
    const result = await check(
      'accepted',
      candidate(`test('halves', () => { ${d.eq("discount(100, 'HALF')", '50')} });`),
    );
    expect(result).toMatchObject({ reached: 'killsMutants', accepted: true, newlyCoveredLines: [6, 9, 10] });
    expect(result.failure).toBeUndefined();
    expect(result.runnerMs).toBeGreaterThan(0);
    expect(gitStatus(app.dir)).toBe('');
  });

  test('a syntax error stops at generated, before any runner starts', async () => {
    const result = await check(
      'syntax',
      candidate(`test('broken', () => { ${d.eq('discount(1, "x")', '1')}`),
    );
    expect(result).toMatchObject({ reached: 'generated', accepted: false, runnerMs: 0 });
    expect(result.failure).toMatch(/syntax error/);
  });

  test('an import the runner cannot load is not compiled', async () => {
    const missing =
      d.runner === 'jest'
        ? "const pad = require('left-pad-nonexistent');"
        : "import pad from 'left-pad-nonexistent';";
    const result = await check(
      'missing package',
      candidate(`${missing}\ntest('pads', () => { ${d.eq('pad', '1')} });`),
    );
    expect(result).toMatchObject({ reached: 'generated', accepted: false });
    expect(result.runnerMs).toBeGreaterThan(0);
    expect(result.failure).toMatch(/Cannot find (module|package) '?left-pad-nonexistent/);
    expect(result.failure).not.toMatch(/testloop-/);
  });

  test('a failing assertion compiled but did not pass', async () => {
    const result = await check(
      'failing',
      candidate(`test('halves', () => { ${d.eq("discount(100, 'HALF')", '51')} });`),
    );
    expect(result).toMatchObject({ reached: 'compiled', accepted: false, newlyCoveredLines: [] });
    expect(result.failure).toMatch(/51/);
    // The repair prompt sees the intended file name, repository-relative, not the scratch file.
    expect(result.failure).toContain('discount.test.');
    expect(result.failure).not.toMatch(/testloop-[0-9a-f]{8}/);
    expect(result.failure).not.toContain(app.dir);
    expect(result.failure!.split('\n').length).toBeLessThanOrEqual(60);
  });

  test('a file with only todo and skipped tests is not a pass', async () => {
    const todo =
      d.runner === 'node' ? "test.todo('later');\ntest.skip('not now', () => {});" : "test.todo('later');";
    const result = await check('todo only', candidate(`discount(100, 'HALF');\n${todo}`));
    expect(result).toMatchObject({ reached: 'compiled', accepted: false });
    expect(result.failure).toMatch(/no test passed/);
  });

  test('a flaky test passes once and is rejected as not stable (reruns in fresh processes)', async () => {
    // Counted at module level: only a fresh process evaluates the file again.
    const counter = join(scratch, `${d.runner}-counter`);
    const body = [
      `const counter = ${JSON.stringify(counter)};`,
      "const run = (existsSync(counter) ? Number(readFileSync(counter, 'utf8')) : 0) + 1;",
      'writeFileSync(counter, String(run));',
      `test('sometimes', () => { ${d.eq("discount(100, 'HALF')", 'run % 2 === 1 ? 50 : 0')} });`,
    ].join('\n');
    const result = await check('flaky', candidate(body), { rerunIn: 'process' });
    expect(result).toMatchObject({ reached: 'passed', accepted: false });
    expect(result.failure).toMatch(
      /^flaky: passed on run 1, failed on run 2 of 2 \(each in a fresh process\)/,
    );
    expect(readFileSync(counter, 'utf8')).toBe('2');
  });

  test('a test that fails only on its third run is rejected as flaky, run 3 named', async () => {
    // vitest runs 2 and 3 as two copies of the file in one batch (each in a fresh worker, in order).
    const counter = join(scratch, `${d.runner}-counter-3`);
    const body = [
      `const counter = ${JSON.stringify(counter)};`,
      "const run = (existsSync(counter) ? Number(readFileSync(counter, 'utf8')) : 0) + 1;",
      'writeFileSync(counter, String(run));',
      `test('third time unlucky', () => { ${d.eq("discount(100, 'HALF')", 'run < 3 ? 50 : 0')} });`,
    ].join('\n');
    const result = await check('flaky on run 3', candidate(body), { reruns: 3, rerunIn: 'process' });
    expect(result).toMatchObject({ reached: 'passed', accepted: false });
    expect(result.failure).toMatch(/^flaky: passed on run 1, failed on run 3 of 3/);
    expect(result.failure).not.toMatch(/testloop-[0-9a-f]{8}/);
    expect(readFileSync(counter, 'utf8')).toBe('3');
  });

  test('a test flaky within its process is rejected as not stable, the execution named', async () => {
    // jest and node:test rerun in fresh processes, vitest repeats the test in its worker: either way the
    // counter goes up each time the test runs.
    const counter = join(scratch, `${d.runner}-counter-body`);
    const body = [
      `const counter = ${JSON.stringify(counter)};`,
      "test('third time unlucky', () => {",
      "  const run = (existsSync(counter) ? Number(readFileSync(counter, 'utf8')) : 0) + 1;",
      '  writeFileSync(counter, String(run));',
      `  ${d.eq("discount(100, 'HALF')", 'run < 3 ? 50 : 0')}`,
      '});',
    ].join('\n');
    const result = await check('flaky in its body', candidate(body), { reruns: 3 });
    expect(result).toMatchObject({ reached: 'passed', accepted: false });
    const where = d.runner === 'vitest' ? 'repeated in one worker process' : 'each in a fresh process';
    expect(result.failure).toContain(`flaky: passed on run 1, failed on run 3 of 3 (${where})`);
    expect(result.failure).toMatch(/third time unlucky/);
    expect(readFileSync(counter, 'utf8')).toBe('3');
  });

  test('a stable test runs --reruns times: vitest in one worker process, the others in one each', async () => {
    const log = join(scratch, `${d.runner}-pids`);
    const body = [
      `const log = ${JSON.stringify(log)};`,
      "test('halves', () => {",
      "  writeFileSync(log, (existsSync(log) ? readFileSync(log, 'utf8') : '') + process.pid + '\\n');",
      `  ${d.eq("discount(100, 'HALF')", '50')}`,
      '});',
    ].join('\n');
    const result = await check('stable, pids', candidate(body), { reruns: 3 });
    expect(result).toMatchObject({ reached: 'killsMutants', accepted: true, newlyCoveredLines: [6, 9, 10] });
    // The first three runs are the stability runs; the mutation gate's runs of copies of it come after.
    const pids = readFileSync(log, 'utf8').trim().split('\n');
    expect(pids.length).toBeGreaterThan(3);
    expect(new Set(pids.slice(0, 3)).size).toBe(d.runner === 'vitest' ? 1 : 3);
    if (d.runner !== 'vitest') return;
    rmSync(log);
    const apart = await check('stable, pids, process', candidate(body), { reruns: 3, rerunIn: 'process' });
    expect(apart).toMatchObject({ reached: 'killsMutants', accepted: true });
    expect(new Set(readFileSync(log, 'utf8').trim().split('\n').slice(0, 3)).size).toBe(3);
  });

  test('a stable test that covers nothing new is rejected at stable', async () => {
    const result = await check(
      'no new coverage',
      candidate(`test('multiplies', () => { ${d.eq('price(2, 5)', '10')} });`),
    );
    expect(result).toMatchObject({ reached: 'stable', accepted: false, newlyCoveredLines: [] });
    expect(result.failure).toMatch(/adds no coverage/);
  });

  test('generated code never sees the secrets of the parent environment', async () => {
    vi.stubEnv('OPENAI_API_KEY', 'sk-parent-secret');
    vi.stubEnv('GITHUB_TOKEN', 'ghp_parentsecret');
    try {
      const out = join(scratch, `${d.runner}-env.json`);
      const body = [
        `writeFileSync(${JSON.stringify(out)}, JSON.stringify({ openai: process.env.OPENAI_API_KEY ?? null, github: process.env.GITHUB_TOKEN ?? null, path: Boolean(process.env.PATH) }));`,
        `test('reads the environment', () => { ${d.eq('process.env.OPENAI_API_KEY', 'undefined')} ${d.eq('process.env.GITHUB_TOKEN', 'undefined')} ${d.eq("discount(10, 'SAVE10')", '9')} });`,
      ].join('\n');
      const result = await check('env', candidate(body), { reruns: 1 });
      expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({ openai: null, github: null, path: true });
      expect(result).toMatchObject({ reached: 'killsMutants', accepted: true, newlyCoveredLines: [6, 7] });
    } finally {
      vi.unstubAllEnvs();
    }
  });

  test('a test that never ends is killed at timeoutMs', async () => {
    const started = performance.now();
    const result = await check('endless', candidate("test('spins', () => { for (;;) {} });"), {
      reruns: 1,
      timeoutMs: 2_500,
    });
    expect(result).toMatchObject({ reached: 'compiled', accepted: false });
    expect(result.failure).toMatch(/^timed out after 2500 ms/);
    expect(result.runnerMs).toBeGreaterThanOrEqual(2_500);
    // SIGTERM first, SIGKILL after the 5 s grace at the latest.
    expect(performance.now() - started).toBeLessThan(2_500 + 5_000 + 3_000);
    expect(gitStatus(app.dir)).toBe('');
  });
});

describe('placement and path safety', () => {
  let app: App;
  const vitest = dialects[0]!;
  beforeAll(() => {
    app = copyApp('vitest-app');
  });
  afterAll(() => app.remove());
  const validator = () =>
    track(
      createValidator({ root: app.dir, project: app.project, adapter: runnerByName('vitest')!, reruns: 1 }),
    );

  test('a folder the runner does not include: the scratch goes to the nearest one that it does', async () => {
    // vitest-app includes src/**/*.test.ts only; imports written for test/ are rebased onto src/.
    const context = { ...contextFor(vitest, 'test/unit/discount.test.ts'), importPath: '../../src/price.ts' };
    const code = [
      "import { expect, test } from 'vitest';",
      "import { discount } from '../../src/price.ts';",
      "test('halves', () => { expect(discount(100, 'HALF')).toBe(50); });",
    ].join('\n');
    const result = await timed('vitest moved', () => validator().validate(context, code));
    expect(result).toMatchObject({ reached: 'killsMutants', accepted: true, newlyCoveredLines: [6, 9, 10] });
    expect(existsSync(join(app.dir, 'test'))).toBe(false);
    expect(gitStatus(app.dir)).toBe('');
  });

  test('a relative import of a missing file stops at generated without a run', async () => {
    const code = "import { discount } from './prices.ts';\ntest('x', () => discount(1, 'x'));\n";
    const result = await validator().validate(contextFor(vitest), code);
    expect(result).toMatchObject({ reached: 'generated', accepted: false, runnerMs: 0 });
    expect(result.failure).toMatch(/cannot resolve '\.\/prices\.ts'.*'\.\/price\.ts'/);
  });

  test('refuses a test path outside the repository: .., absolute, or through a symlink', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'testloop-validate-outside-'));
    symlinkSync(outside, join(app.dir, 'linked'));
    try {
      for (const testFile of [
        '../escape.test.ts',
        'src/../../escape.test.ts',
        join(outside, 'x.test.ts'),
        'linked/x.test.ts',
      ]) {
        const error = await validator()
          .validate(contextFor(vitest, testFile), "test('x', () => {});")
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(isTestloopError(error), testFile).toBe(true);
        expect((error as Error).message).toMatch(/must be a relative path inside the repository/);
      }
      expect(readdirSync(outside)).toEqual([]);
    } finally {
      rmSync(join(app.dir, 'linked'));
      rmSync(outside, { recursive: true, force: true });
    }
    expect(checkTestPath(app.dir, 'src/new/deeper/x.test.ts')).toBe('src/new/deeper/x.test.ts');
  });

  test('a scratch file left behind by a crash goes at process exit', () => {
    const left = writeScratch(app.dir, 'src/left.testloop-0000.test.ts', '// scratch\n');
    const made = writeScratch(app.dir, 'src/made/for/it.testloop-0001.test.ts', '// scratch\n');
    expect(existsSync(left.path) && existsSync(made.path)).toBe(true);
    removeLeftovers();
    expect(existsSync(left.path) || existsSync(join(app.dir, 'src/made'))).toBe(false);
    expect(gitStatus(app.dir)).toBe('');
  });
});

test('node:test with the spec reporter (the default from Node 23): load errors, todo-only files, passes', async () => {
  const app = copyApp('node-app');
  try {
    const d = dialects[2]!;
    const packageJson = { ...app.project.packageJson, scripts: { test: 'node --test --test-reporter=spec' } };
    const project = { ...app.project, packageJson };
    const validator = createValidator({ root: app.dir, project, adapter: runnerByName('node')!, reruns: 1 });
    const validate = (body: string) => validator.validate(contextFor(d), `${d.header}\n${body}\n`);
    // The import is used: an unused one would be removed before the run.
    const missing = await validate(
      "import pad from 'left-pad-nonexistent';\ntest('pads', () => { pad('x', 3); });",
    );
    expect(missing).toMatchObject({ reached: 'generated' });
    expect(missing.failure).toMatch(/Cannot find package 'left-pad-nonexistent'/);
    const todo = await validate("discount(1, 'HALF');\ntest.todo('later');");
    expect(todo).toMatchObject({ reached: 'compiled' });
    expect(todo.failure).toMatch(/no test passed/);
    const failing = await validate(`test('halves', () => { ${d.eq("discount(100, 'HALF')", '51')} });`);
    expect(failing).toMatchObject({ reached: 'compiled' });
    expect(failing.failure).toMatch(/50 !== 51/);
    const good = await validate(`test('halves', () => { ${d.eq("discount(100, 'HALF')", '50')} });`);
    expect(good).toMatchObject({ reached: 'killsMutants', accepted: true, newlyCoveredLines: [6, 9, 10] });
    expect(gitStatus(app.dir)).toBe('');
  } finally {
    app.remove();
  }
});

describe('scrubEnv', () => {
  test('keeps what a runner needs and drops secrets', () => {
    const env = scrubEnv({
      PATH: '/usr/bin',
      HOME: '/home/me',
      LANG: 'C.UTF-8',
      LC_ALL: 'C',
      TZ: 'UTC',
      CI: 'true',
      TERM: 'xterm',
      TMPDIR: '/tmp',
      NODE_ENV: 'test',
      NODE_OPTIONS: '--max-old-space-size=4096',
      NODE_AUTH_TOKEN: 'npm-secret',
      NODE_CHANNEL_FD: '3',
      NODE_TEST_CONTEXT: 'child',
      npm_config_cache: '/home/me/.npm',
      npm_config__authToken: 'secret',
      'npm_config_//registry.npmjs.org/:_authToken': 'secret',
      npm_config_registry: 'https://user:pass@registry.example.com/',
      OPENAI_API_KEY: 'sk-1',
      OPENAI_BASE_URL: 'https://api.example.com',
      ANTHROPIC_API_KEY: 'sk-2',
      TESTLOOP_LLM_API_KEY: 'sk-3',
      GITHUB_TOKEN: 'ghp',
      ACTIONS_RUNTIME_TOKEN: 'x',
      AWS_ACCESS_KEY_ID: 'a',
      AWS_REGION: 'eu-west-1',
      GOOGLE_APPLICATION_CREDENTIALS: '/k.json',
      DATABASE_URL: 'postgres://u:p@h/db',
      NPM_TOKEN: 'n',
      MY_SESSION_COOKIE: 'c',
      UNDEFINED_VALUE: undefined,
    });
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/me',
      LANG: 'C.UTF-8',
      LC_ALL: 'C',
      TZ: 'UTC',
      CI: 'true',
      TERM: 'xterm',
      TMPDIR: '/tmp',
      NODE_ENV: 'test',
      NODE_OPTIONS: '--max-old-space-size=4096',
      npm_config_cache: '/home/me/.npm',
    });
  });
});
