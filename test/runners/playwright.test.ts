// Playwright Test as a runner: its specs and config read statically, its command line, a real run against
// Debian's Chromium on a small web app served from 127.0.0.1, and what select and triage make of it.
import {
  cpSync,
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
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { playwrightRunner } from '../../src/runners/playwright/index.ts';
import { detectRunner } from '../../src/runners/registry.ts';
import { runTests } from '../../src/runners/run.ts';
import { selectTests } from '../../src/select/select-tests.ts';
import { ingestReports } from '../../src/triage/ingest.ts';
import { triage } from '../../src/triage/triage.ts';
import { TempRepo } from '../helpers/git-repo.ts';
import { FIXTURES, fixtureProject } from './fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const NODE_MODULES = join(import.meta.dirname, '../../node_modules');
const SPECS = ['e2e/cart.spec.ts', 'e2e/home.spec.ts', 'e2e/support/flaky.spec.ts'];

/** A package in a temp folder holding `config` as its playwright.config.ts and `files`. */
async function withConfig(
  config: string,
  files: Record<string, string>,
  check: (discovery: Awaited<ReturnType<typeof playwrightRunner.discover>>) => void,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'testloop-playwright-config-'));
  try {
    writeFileSync(join(dir, 'package.json'), '{ "devDependencies": { "@playwright/test": "1" } }\n');
    writeFileSync(join(dir, 'playwright.config.ts'), config);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    check(await playwrightRunner.discover(fixtureProject('configured', { dir })));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('playwright discovery', () => {
  test('playwright-app: the specs under testDir, its config, and the application the specs open', async () => {
    const project = fixtureProject('playwright-app');
    expect(detectRunner(project)?.name).toBe('playwright');
    expect(await playwrightRunner.discover(project)).toEqual({
      runner: 'playwright',
      tests: SPECS,
      configFiles: ['package.json', 'playwright.config.ts'],
      setupFiles: [],
      aliases: [],
      warnings: [],
      urlTests: { tests: SPECS, appDir: '', testDirs: ['e2e'] },
    });
  });

  test('in a monorepo, the application is the package its webServer starts from', async () => {
    const discovery = await playwrightRunner.discover(fixtureProject('playwright-app', { root: FIXTURES }));
    expect(discovery.urlTests).toEqual({
      tests: SPECS.map((spec) => `playwright-app/${spec}`),
      appDir: 'playwright-app',
      testDirs: ['playwright-app/e2e'],
    });
  });

  test('projects with their own testDir, a RegExp testMatch and testIgnore; a webServer started elsewhere', async () => {
    const config = `import { defineConfig } from '@playwright/test';
export default defineConfig({
  testDir: 'tests',
  testIgnore: '**/skip/**',
  globalSetup: './tests/global-setup.ts',
  webServer: { command: 'cd ../web && npm start', url: 'http://127.0.0.1:3000' },
  projects: [
    { name: 'setup', testMatch: /.*\\.setup\\.ts$/ },
    { name: 'chromium', dependencies: ['setup'] },
    { name: 'admin', testDir: 'admin-tests' },
  ],
});
`;
    await withConfig(
      config,
      {
        'tests/auth.setup.ts': '',
        'tests/login.spec.ts': '',
        'tests/skip/old.spec.ts': '',
        'tests/global-setup.ts': '',
        'admin-tests/users.test.ts': '',
        'src/app.ts': '',
      },
      (discovery) => {
        expect(discovery.tests).toEqual([
          'admin-tests/users.test.ts',
          'tests/auth.setup.ts',
          'tests/login.spec.ts',
        ]);
        expect(discovery.setupFiles).toEqual(['tests/global-setup.ts']);
        expect(discovery.warnings).toEqual([]);
        // `cd ../web`: the application is not this package's, so any of the repository may be it.
        expect(discovery.urlTests).toMatchObject({ appDir: '', testDirs: ['admin-tests', 'tests'] });
      },
    );
  });

  test('a computed testDir is not guessed: the discovery says so, and selections widen', async () => {
    const config = `import { defineConfig } from '@playwright/test';
export default defineConfig({ testDir: process.env.E2E_DIR });
`;
    await withConfig(config, { 'e2e/a.spec.ts': '' }, (discovery) => {
      expect(discovery.incomplete).toMatch(/^playwright\.config\.ts:2: cannot read testDir statically/);
    });
  });

  test('the command line runs exactly the given specs, with a JUnit report that keeps retries', () => {
    const project = fixtureProject('playwright-app');
    const line = playwrightRunner.commandLine(project, ['e2e/support/flaky.spec.ts', 'e2e/cart.spec.ts'], {
      junit: '/tmp/report.xml',
    });
    expect(line.argv.slice(-4)).toEqual([
      'test',
      '--reporter=line,junit',
      'e2e/support/flaky\\.spec\\.ts$',
      'e2e/cart\\.spec\\.ts$',
    ]);
    expect(line.env).toEqual({
      PLAYWRIGHT_JUNIT_OUTPUT_FILE: '/tmp/report.xml',
      PLAYWRIGHT_JUNIT_INCLUDE_RETRIES: '1',
    });
    expect(() => playwrightRunner.commandLine(project, [])).toThrow(/no test files/);
  });
});

describe('playwright-app in a git repository', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = new TempRepo('testloop-playwright-app-');
    cpSync(join(FIXTURES, 'playwright-app'), repo.dir, { recursive: true });
    mkdirSync(join(repo.dir, 'node_modules'));
    for (const entry of readdirSync(NODE_MODULES)) {
      if (entry !== '.cache' && !entry.startsWith('.vite'))
        symlinkSync(join(NODE_MODULES, entry), join(repo.dir, 'node_modules', entry));
    }
    repo.write('.gitignore', 'node_modules\ntest-results\n');
    repo.commit('shop');
  });
  afterAll(() => repo.remove());

  test('select: a page object selects the specs importing it; application code selects every spec, saying why', async () => {
    const pageObject = await selectTests({
      cwd: repo.dir,
      changed: ['e2e/pages/cart-page.ts'],
      cache: false,
    });
    expect(pageObject.all).toBe(false);
    expect(pageObject.tests.map((t) => [t.file, t.runner, t.reasons[0]])).toEqual([
      ['e2e/cart.spec.ts', 'playwright', 'imports e2e/pages/cart-page.ts (changed)'],
    ]);

    // src/price.js is imported by no spec: the specs reach it through the server at their baseURL.
    const app = await selectTests({ cwd: repo.dir, changed: ['src/price.js'], cache: false });
    expect(app.all).toBe(false);
    expect(app.tests.map((t) => t.file).sort()).toEqual(SPECS);
    for (const selected of app.tests)
      expect(selected.reasons).toEqual([
        'opens the application at a URL, and the change reaches src/price.js of the repository (changed)',
      ]);

    // format.js is both: imported by the page object, and served by the application.
    const both = await selectTests({ cwd: repo.dir, changed: ['src/format.js'], cache: false });
    expect(both.tests.map((t) => t.file).sort()).toEqual(SPECS);
    expect(both.tests.find((t) => t.file === 'e2e/cart.spec.ts')?.reasons[0]).toMatch(
      /^reaches src\/format\.js \(changed\) through e2e\/pages\/cart-page\.ts/,
    );
  });

  test('a real run against Chromium: JUnit with the retry, and triage calls the test flaky on one run', async () => {
    const report = join(repo.dir, 'test-results/junit.xml');
    const project = fixtureProject('playwright-app', { dir: repo.dir });
    const run = await runTests(project, playwrightRunner, ['e2e/support/flaky.spec.ts', 'e2e/home.spec.ts'], {
      junit: report,
      output: 'capture',
      timeoutMs: 180_000,
      env: { CHROMIUM_PATH: CHROMIUM, FLAKY_ONCE: '1', PORT: String(20_000 + (process.pid % 20_000)) },
      // One retry, as CI configs set it: the first try fails, the retry passes.
      wrap: (argv) => [...argv, '--retries=1'],
    });
    expect(run.exitCode, run.output).toBe(0);
    const xml = readFileSync(report, 'utf8');
    expect(xml).toContain('<flakyFailure');

    await ingestReports({
      cwd: repo.dir,
      env: {},
      reports: [report],
      run: { runId: 'ci-1', commit: repo.git('rev-parse', 'HEAD') },
    });
    const result = await triage({ cwd: repo.dir, env: {}, codeowners: false });
    const flaky = result.findings.find((f) => f.testId.endsWith('loads the shop heading'));
    expect(flaky?.verdict).toBe('flaky');
    // The failed try's trace, as Playwright attached it, to open with `npx playwright show-trace`.
    expect(flaky?.attachments?.[0]).toBe(
      join(repo.dir, 'test-results/support-flaky-loads-the-shop-heading/trace.zip'),
    );
    expect(result.findings.find((f) => f.testId.endsWith('links to the cart'))?.verdict ?? 'healthy').toBe(
      'healthy',
    );
  }, 240_000);
});

describe('a package with vitest unit tests and Playwright specs', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = new TempRepo('testloop-playwright-mixed-');
    cpSync(join(FIXTURES, 'playwright-app'), repo.dir, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(repo.dir, 'package.json'), 'utf8'));
    manifest.scripts.test = 'vitest run';
    manifest.devDependencies.vitest = '4';
    repo.write('package.json', `${JSON.stringify(manifest, null, 2)}\n`);
    repo.write(
      'vitest.config.js',
      "export default { test: { exclude: ['e2e/**', '**/node_modules/**'] } };\n",
    );
    repo.write(
      'src/price.test.js',
      "import { expect, it } from 'vitest';\nimport { total } from './price.js';\n\nit('adds', () => expect(total([])).toBe(0));\n",
    );
    repo.commit('shop with unit tests');
  });
  afterAll(() => repo.remove());

  test('both runners own their tests; application code selects the unit test and every spec', async () => {
    const result = await selectTests({ cwd: repo.dir, changed: ['src/price.js'], cache: false });
    expect(result.all).toBe(false);
    expect(result.tests.map((t) => [t.file, t.runner]).sort()).toEqual([
      ['e2e/cart.spec.ts', 'playwright'],
      ['e2e/home.spec.ts', 'playwright'],
      ['e2e/support/flaky.spec.ts', 'playwright'],
      ['src/price.test.js', 'vitest'],
    ]);
    expect(result.tests[0]).toMatchObject({
      file: 'src/price.test.js',
      reasons: ['imports src/price.js (changed)'],
    });
    // A page object: only the spec importing it, by its own runner.
    const pageObject = await selectTests({
      cwd: repo.dir,
      changed: ['e2e/pages/cart-page.ts'],
      cache: false,
    });
    expect(pageObject.tests.map((t) => [t.file, t.runner])).toEqual([['e2e/cart.spec.ts', 'playwright']]);
  });
});
