import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CiResult, CiTrend } from '../../src/ci/types.ts';
import { isTestloopError } from '../../src/errors.ts';
import { esc } from '../../src/report/html/escape.ts';
import { renderHtmlReport, writeHtmlReport } from '../../src/report/html/index.ts';
import { COVERAGE_FILES_LIMIT } from '../../src/report/html/views/coverage.ts';
import { FINDINGS_LIMIT, TREND_POINTS_LIMIT } from '../../src/report/html/views/flaky.ts';
import { GENERATED_LIST_LIMIT } from '../../src/report/html/views/generation.ts';
import { SELECTED_TESTS_LIMIT } from '../../src/report/html/views/selection.ts';
import {
  CONTEXT_LINES,
  FULL_FILE_LINES,
  LISTED_LINES_LIMIT,
  REPORT_LINES_LIMIT,
} from '../../src/report/html/views/source.ts';
import type { Finding } from '../../src/triage/types.ts';
import { HOSTILE, hostileFixture, launchChromium, loadFixture } from './html-fixture.ts';

const generatedAt = new Date('2025-03-08T12:00:00Z');
const VIEWS = ['overview', 'coverage', 'selection', 'generation', 'flaky'] as const;

/** The HTML of one view's section. */
function section(html: string, id: string): string {
  const start = html.indexOf(`<section class="view" id="${id}"`);
  expect(start, `section #${id}`).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf('</section>', start));
}

function count(html: string, needle: string | RegExp): number {
  return typeof needle === 'string' ? html.split(needle).length - 1 : (html.match(needle) ?? []).length;
}

describe('renderHtmlReport', () => {
  it('renders one self-contained page with every view, a strict CSP and nothing to fetch', () => {
    const { result, sources } = loadFixture();
    const html = renderHtmlReport(result, sources, { generatedAt });
    for (const id of VIEWS) section(html, id);
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-`,
    );
    expect(html).toContain("img-src data:; base-uri 'none'; form-action 'none'");
    expect(html).not.toMatch(/\s(src|srcset|action|poster|data)=/);
    expect(html).not.toMatch(/https?:\/\//);
    expect(count(html, '<script')).toBe(1);
    expect(html).toContain('generated 2025-03-08T12:00:00.000Z');
    expect(renderHtmlReport(result, sources, { generatedAt })).toBe(html);
  });

  it('shows the steps table and the headline numbers on the overview', () => {
    const { result, sources } = loadFixture();
    const overview = section(renderHtmlReport(result, sources, { generatedAt }), 'overview');
    expect(count(overview, '<tr data-step=')).toBe(6);
    expect(overview).toContain(
      '<tr data-step="generate"><td>generate</td><td><span class="badge ok">ok</span></td><td class="num">48.2 s</td><td>2 of 3 targets got an accepted test</td></tr>',
    );
    expect(overview).toContain(
      '<div class="card-value">45.45%</div><div class="card-label">diff coverage</div>',
    );
    expect(overview).toContain(
      '<div class="card-value">4 / 9</div><div class="card-label">test files run</div>',
    );
    expect(overview).toContain(
      '<div class="card-value">1 / 1</div><div class="card-label">flaky / broken tests</div>',
    );
    expect(overview).toContain(
      '<div class="card bad"><div class="card-value">1</div><div class="card-label">tests failed</div><div class="card-note">37 passed, 2 skipped</div>',
    );
    expect(overview).toContain('<div class="card-note">55,402 ms of a 10 min budget</div>');
    expect(overview).toContain('diff coverage 45.45% is below the required 80%');
  });

  it('lists per-file diff coverage, marks changed lines and highlights uncovered ones', () => {
    const { result, sources } = loadFixture();
    const coverage = section(renderHtmlReport(result, sources, { generatedAt }), 'coverage');
    expect(coverage).toContain(
      '<td>13-16, 18</td><td class="num">16.66%</td><td><span class="pbar" role="img" aria-label="16.66% covered"><span class="pbar-fill bad" style="width:16.66%"></span></span></td>',
    );
    expect(coverage).toMatch(
      /<tr class="changed uncovered" data-line="36"><td class="ln">36<\/td><td class="mk">✗<\/td>/,
    );
    expect(coverage).toMatch(
      /<tr class="changed partial" data-line="35" title="partly covered: 1 of 2 branches taken">/,
    );
    expect(coverage).toMatch(
      /<tr class="changed" data-line="37"><td class="ln">37<\/td><td class="mk">\+<\/td>/,
    );
    expect(coverage).toMatch(/<tr data-line="34"><td class="ln">34<\/td><td class="mk"><\/td>/);
    // Short files carry every line, the unchanged ones away from the change folded: all 44 lines of
    // cart.ts (1-31 and 41-44 folded) and 29 of discount.ts (8 and 29 folded), none of the binary table.
    expect(count(coverage, 'data-line=')).toBe(44 + 29);
    expect(count(coverage, '<tbody class="fold" hidden>')).toBe(4);
    expect(count(coverage.replace(/<tbody class="fold" hidden>.*?<\/tbody>/g, ''), 'data-line=')).toBe(
      9 + 27,
    );
    expect(coverage).toContain('source not shown: the file is binary, too large, or no longer exists.');
  });

  it('shows the selection with time saved, scores and reasons, and why everything ran when a safety rule fired', () => {
    const { result, sources } = loadFixture();
    const selection = section(renderHtmlReport(result, sources, { generatedAt }), 'selection');
    expect(selection).toContain(
      '<div class="card-value">9.8 s</div><div class="card-label">time saved</div>',
    );
    expect(selection).toContain('Ran 4 test files of 9, about 9.8 s of runner time saved');
    expect(count(selection, '<td class="num">1.00</td>')).toBe(3);
    expect(selection).toContain(
      '<li>reaches src/cart.ts (changed) through src/checkout.ts (2 imports away)</li><li>reaches src/pricing/discount.ts',
    );
    expect(selection).not.toContain('Every test was run');

    result.selection!.all = true;
    result.selection!.reason = 'package-lock.json changed: dependencies can change any test';
    result.run!.all = true;
    const all = section(renderHtmlReport(result, sources), 'selection');
    expect(all).toContain(
      '<strong>Every test was run:</strong> package-lock.json changed: dependencies can change any test',
    );
  });

  it('draws the generation funnel as five bars and lists accepted, discarded and usage', () => {
    const { result, sources } = loadFixture();
    const generation = section(renderHtmlReport(result, sources, { generatedAt }), 'generation');
    expect(count(generation, '<rect class="bar ')).toBe(5);
    expect(generation).toContain('generated 3, compiled 3, passed 3, stable 3, added coverage 2');
    // A result from before the mutation gate: no killsMutants stage, no mutants per test.
    expect(generation).toContain(
      '<td>13-16, 18 <span class="muted">(5)</span></td><td class="num">–</td><td class="num">1</td>',
    );
    expect(generation).toContain('<td>added coverage</td><td><pre class="reason">covers no uncovered line');
    expect(generation).toContain(
      '<tr><th>model requests</th><td>4</td></tr><tr><th>prompt tokens</th><td>6,311</td></tr>',
    );
  });

  it('draws the killsMutants stage and the mutants each accepted test kills', () => {
    const { result, sources } = loadFixture();
    const g = result.generate!;
    g.funnel.killsMutants = 1;
    g.accepted[0]!.mutants = {
      killed: 3,
      total: 4,
      made: 6,
      limit: 12,
      existingTests: 'excluded',
      excluded: 2,
    };
    const generation = section(renderHtmlReport(result, sources, { generatedAt }), 'generation');
    expect(count(generation, '<rect class="bar ')).toBe(6);
    expect(generation).toContain('stable 3, added coverage 2, kills mutants 1');
    expect(generation).toContain('<th class="num">Mutants killed</th>');
    expect(generation).toContain('<td class="num">3 / 4</td><td class="num">1</td>');
  });

  it('shows findings with causes, evidence and owners, and a trend chart with a text alternative per test', () => {
    const { result, sources } = loadFixture();
    const flaky = section(renderHtmlReport(result, sources, { generatedAt }), 'flaky');
    expect(count(flaky, '<article class="finding ')).toBe(2);
    expect(count(flaky, '<svg class="chart trend"')).toBe(2);
    expect(count(flaky, '<rect class="mark ')).toBe(48);
    expect(count(flaky, '<rect class="mark failed"')).toBe(8 + 4);
    expect(count(flaky, '<rect class="mark flaky"')).toBe(3);
    expect(flaky).toContain(
      'Last 24 runs, oldest first: 17 passed, 4 failed, 3 flaky; duration 388 ms to 5.0 s',
    );
    expect(flaky).toContain(
      '<strong>timeout</strong> <span class="muted">(0.82)</span><pre class="evidence">Error: Test timed out in 5000ms.',
    );
    expect(flaky).toContain('owners: <code>@shop/checkout-team</code> <code>@dana</code>');
    expect(count(flaky, '<details class="trend-table">')).toBe(2);
    expect(flaky).not.toContain('discount.test.ts › applyDiscount › percent');
  });

  it('escapes hostile strings in text and attributes: no tag, attribute or script comes from the input', () => {
    const { result, sources } = hostileFixture();
    const html = renderHtmlReport(result, sources, { generatedAt, title: HOSTILE });
    const escaped = esc(HOSTILE);
    expect(escaped).toBe(
      '&lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt;&#39;&lt;svg onload=window.__pwned=3&gt;',
    );
    expect(count(html, escaped)).toBeGreaterThanOrEqual(15);
    expect(count(html, '<script')).toBe(1);
    expect(count(html, '</script>')).toBe(1);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<svg onload');
    // Every tag is well formed (each attribute value stays in its quotes) and none has an event handler.
    const tags = [...html.matchAll(/<[a-z][a-z0-9]*(\s[^>]*)?>/gi)];
    expect(tags.length).toBeGreaterThan(500);
    for (const [tag, attributes = ''] of tags) {
      expect(attributes, tag).toMatch(/^(\s+[a-z][a-z0-9-]*(="[^"<>]*")?)*\s*\/?$/i);
      expect(attributes.replace(/="[^"]*"/g, ''), tag).not.toMatch(/\son[a-z]+/i);
    }
    // The unknown status reaches neither a class name nor a data attribute.
    expect(html).toContain('<rect class="mark unknown" data-status="unknown"');
  });

  it('caps long lists with an "N more" line and clips huge strings', () => {
    const { result, sources } = loadFixture();
    const selected = result.selection!.tests[0]!;
    result.selection!.tests = Array.from({ length: 1000 }, (_, i) => ({
      ...selected,
      file: `test/t${i}.test.ts`,
    }));
    const file = result.gaps!.files[0]!;
    result.gaps!.files = Array.from({ length: 500 }, (_, i) => ({ ...file, path: `src/f${i}.ts` }));
    const finding = result.triage!.findings[1]!;
    const hugeName = `test/x.test.ts › ${'x'.repeat(100_000)}`;
    result.triage!.findings = Array.from(
      { length: 300 },
      (_, i): Finding => ({ ...finding, testId: i === 0 ? hugeName : `test/x.test.ts › case ${i}` }),
    );
    const accepted = result.generate!.accepted[0]!;
    result.generate!.accepted = Array.from({ length: 400 }, () => accepted);
    const trend: CiTrend = result.trends![1]!;
    trend.testId = result.triage!.findings[1]!.testId;
    trend.points = Array.from({ length: 200 }, (_, i) => ({ ...trend.points[i % 24]! }));
    result.trends = [trend];
    const html = renderHtmlReport(result, sources, { generatedAt });

    const selection = section(html, 'selection');
    expect(count(selection, '<td class="num">1.00</td>')).toBe(SELECTED_TESTS_LIMIT);
    expect(selection).toContain(
      `… ${1000 - SELECTED_TESTS_LIMIT} more selected tests not shown (see the JSON output)`,
    );
    const coverage = section(html, 'coverage');
    expect(count(coverage, '<a href="#file-')).toBe(COVERAGE_FILES_LIMIT);
    expect(coverage).toContain(`… ${500 - COVERAGE_FILES_LIMIT} more files not shown`);
    expect(coverage).toContain('… 460 more changed files not listed');
    const flaky = section(html, 'flaky');
    expect(count(flaky, '<article class="finding ')).toBe(FINDINGS_LIMIT);
    expect(flaky).toContain(`… ${300 - FINDINGS_LIMIT} more findings not shown`);
    expect(flaky).toContain(`… (${hugeName.length - 500} more characters)`);
    expect(count(flaky, '<rect class="mark ')).toBe(TREND_POINTS_LIMIT);
    expect(flaky).toContain(`(${200 - TREND_POINTS_LIMIT} older runs not drawn)`);
    const generation = section(html, 'generation');
    expect(generation).toContain(`… ${400 - GENERATED_LIST_LIMIT} more accepted tests not shown`);
    expect(html.length).toBeLessThan(1_500_000);
  });

  it('shows a "not run" panel with the reason for every step that is off, skipped, failed or absent', () => {
    const { result, sources } = loadFixture();
    const bare: CiResult = {
      ...result,
      steps: [
        { name: 'select', status: 'off', ms: 0, detail: 'switched off (--no-select)' },
        {
          name: 'run',
          status: 'failed',
          ms: 30,
          detail: 'vitest could not start: missing config',
          code: 'TESTLOOP_RUNNER_FAILED',
        },
        { name: 'gaps', status: 'skipped', ms: 0, detail: 'the run step wrote no coverage report' },
        { name: 'generate', status: 'timedOut', ms: 120_000, detail: 'budget of 2 min used up' },
        { name: 'ingest', status: 'skipped', ms: 0, detail: 'no JUnit report to read' },
      ],
      gates: [],
    };
    for (const key of ['selection', 'run', 'gaps', 'generate', 'triage', 'trends'] as const) delete bare[key];
    const html = renderHtmlReport(bare, sources, { generatedAt });
    const panel = (id: string) =>
      section(html, id).match(/<div class="panel not-run"[^>]*>(.*?)<\/div>/g) ?? [];
    expect(panel('coverage')).toEqual([
      '<div class="panel not-run" data-status="skipped"><strong>not run:</strong> gaps skipped: the run step wrote no coverage report</div>',
    ]);
    expect(panel('selection')).toEqual([
      '<div class="panel not-run" data-status="failed"><strong>not run:</strong> run failed (TESTLOOP_RUNNER_FAILED): vitest could not start: missing config</div>',
      '<div class="panel not-run" data-status="off"><strong>not run:</strong> select off: switched off (--no-select)</div>',
    ]);
    expect(panel('generation')).toEqual([
      '<div class="panel not-run" data-status="timedOut"><strong>not run:</strong> generate timed out: budget of 2 min used up</div>',
    ]);
    expect(panel('flaky')).toEqual([
      '<div class="panel not-run" data-status="skipped"><strong>not run:</strong> ingest skipped: no JUnit report to read</div>',
    ]);
    bare.steps.pop();
    expect(section(renderHtmlReport(bare, sources), 'flaky')).toContain(
      '<strong>not run:</strong> the ingest step is not part of this run</div>',
    );
  });

  it('shows only the changed hunks of a large file, with context and "unchanged" rows between them', () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => `export const v${i + 1} = ${i + 1};`);
    const path = 'src/generated/table.ts';
    const { result } = loadFixture();
    result.gaps!.files = [
      {
        path,
        changedLines: 4,
        coverableLines: 4,
        uncoveredLines: [5001],
        uncoveredBranches: [],
        uncoveredFunctions: [],
        percent: 75,
        measured: true,
      },
    ];
    const hunks = [
      { start: 2, end: 2 },
      { start: 5000, end: 5002 },
    ];
    const coverage = section(
      renderHtmlReport(result, [{ path, text: `${lines.join('\n')}\n`, hunks }], { generatedAt }),
      'coverage',
    );
    const shown = [...coverage.matchAll(/data-line="(\d+)"/g)].map((m) => Number(m[1]));
    const around = (start: number, end: number) =>
      Array.from({ length: end - start + 1 + 2 * CONTEXT_LINES }, (_, i) => start - CONTEXT_LINES + i).filter(
        (n) => n >= 1,
      );
    expect(shown).toEqual([...around(2, 2), ...around(5000, 5002)]);
    expect(coverage).toContain('⋯ lines 6-4996 unchanged, not shown');
    expect(coverage).toContain('⋯ lines 5006-10000 unchanged, not shown');
    expect(coverage).toContain(
      '10000 lines: only the changed lines with 3 lines of context around them are shown',
    );
    expect(coverage).toMatch(/<tr class="changed uncovered" data-line="5001"/);
    expect(coverage.length).toBeLessThan(20_000);
    expect(FULL_FILE_LINES).toBeLessThan(10_000);

    // A change all over a huge file still stops at the listing limit.
    const everywhere = Array.from({ length: 5000 }, (_, i) => ({ start: i * 2 + 1, end: i * 2 + 1 }));
    const capped = section(
      renderHtmlReport(result, [{ path, text: lines.join('\n'), hunks: everywhere }]),
      'coverage',
    );
    expect(count(capped, 'data-line=')).toBe(LISTED_LINES_LIMIT);
    expect(capped).toContain(`… ${10_000 - LISTED_LINES_LIMIT} more lines not shown`);

    // And many such files together stop at the report's limit.
    const many = Array.from({ length: 12 }, (_, i) => `src/generated/t${i}.ts`);
    result.gaps!.files = many.map((p) => ({ ...result.gaps!.files[0]!, path: p }));
    const listings = section(
      renderHtmlReport(
        result,
        many.map((p) => ({ path: p, text: lines.join('\n'), hunks: everywhere })),
      ),
      'coverage',
    );
    expect(count(listings, 'data-line=')).toBe(REPORT_LINES_LIMIT);
    expect(count(listings, 'source not shown: the report already lists as many lines as it holds.')).toBe(
      12 - Math.ceil(REPORT_LINES_LIMIT / LISTED_LINES_LIMIT),
    );
  });

  it('says when a source is missing, binary, or has no diff ranges', () => {
    const { result, sources } = loadFixture();
    const discount = sources.find((s) => s.path === 'src/pricing/discount.ts')!;
    delete discount.hunks;
    // No cart.ts at all, a tax table with NUL bytes, and discount.ts without its diff ranges.
    const binary = { path: 'src/pricing/tax-table.ts', text: 'PK\u0003\u0004\u0000\u0000binary' };
    const coverage = section(renderHtmlReport(result, [discount, binary]), 'coverage');
    expect(coverage).toContain('source not available: this file was not passed to the report.');
    expect(coverage).toContain('source not shown: the file is binary, too large, or no longer exists.');
    expect(coverage).toContain(
      'the diff ranges were not given: only lines coverage names are marked as changed',
    );
    expect(coverage).toMatch(/<tr data-line="4">/);
    expect(coverage).toMatch(/<tr class="changed uncovered" data-line="13"/);
  });
});

describe('writeHtmlReport', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'testloop-html-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the folder and writes index.html, returning its path', async () => {
    const { result, sources } = loadFixture();
    const path = await writeHtmlReport(join(dir, 'a', 'report'), result, sources, { generatedAt });
    expect(path).toBe(join(dir, 'a', 'report', 'index.html'));
    expect(await readFile(path, 'utf8')).toBe(renderHtmlReport(result, sources, { generatedAt }));
    expect(await readdir(join(dir, 'a', 'report'))).toEqual(['index.html']);
  });

  it('leaves the previous report whole and no temp file behind when rendering or writing fails', async () => {
    const { result, sources } = loadFixture();
    const target = join(dir, 'keep');
    await mkdir(target);
    await writeFile(join(target, 'index.html'), 'previous report');
    const broken = { ...result, steps: undefined } as unknown as CiResult;
    await expect(writeHtmlReport(target, broken, sources)).rejects.toThrow(TypeError);
    expect(await readFile(join(target, 'index.html'), 'utf8')).toBe('previous report');
    expect(await readdir(target)).toEqual(['index.html']);

    // index.html is a folder: the rename fails after the temp file was written.
    const blocked = join(dir, 'blocked');
    await mkdir(join(blocked, 'index.html'), { recursive: true });
    const error = await writeHtmlReport(blocked, result, sources).catch((e: unknown) => e);
    expect(isTestloopError(error) && error.code).toBe('TESTLOOP_OUTPUT');
    expect((error as Error).message).toContain(join(blocked, 'index.html'));
    expect(await readdir(blocked)).toEqual(['index.html']);
    expect((await stat(join(blocked, 'index.html'))).isDirectory()).toBe(true);
  });
});

describe('the report in Chromium', () => {
  let browser: Browser;
  let dir: string;
  let shots: string;
  let reportUrl: string;
  let hostileUrl: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'testloop-html-browser-'));
    shots = join(dir, 'screenshots');
    const fixture = loadFixture();
    reportUrl = pathToFileURL(
      await writeHtmlReport(join(dir, 'report'), fixture.result, fixture.sources),
    ).href;
    const hostile = hostileFixture();
    hostileUrl = pathToFileURL(
      await writeHtmlReport(join(dir, 'hostile'), hostile.result, hostile.sources, { title: HOSTILE }),
    ).href;
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A page that records console errors, page errors and every request other than the report itself. */
  async function open(url: string, hash = ''): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('request', (request) => {
      if (request.url().split('#')[0] !== url) problems.push(`request: ${request.url()}`);
    });
    await page.goto(url + hash);
    return { page, problems };
  }

  async function visibleViews(page: Page): Promise<string[]> {
    const visible: string[] = [];
    for (const id of VIEWS) if (await page.locator(`section#${id}`).isVisible()) visible.push(id);
    return visible;
  }

  async function backgroundOf(page: Page, selector: string): Promise<string> {
    return (await page.evaluate(
      `getComputedStyle(document.querySelector(${JSON.stringify(selector)})).backgroundColor`,
    )) as string;
  }

  it('opens each view by hash and by its tab, fetches nothing, logs no error, and screenshots each view', async () => {
    const { page, problems } = await open(reportUrl);
    await expect.poll(() => visibleViews(page)).toEqual(['overview']);
    await mkdir(shots, { recursive: true });
    for (const id of VIEWS) {
      await page.goto(`${reportUrl}#${id}`);
      await expect.poll(() => visibleViews(page)).toEqual([id]);
      expect(await page.locator(`nav a[data-view="${id}"]`).getAttribute('aria-selected')).toBe('true');
      const shot = join(shots, `${id}.png`);
      await page.screenshot({ path: shot, fullPage: true });
      const png = await readFile(shot);
      expect(png.length).toBeGreaterThan(5_000);
      expect(png.subarray(1, 4).toString()).toBe('PNG');
    }
    for (const id of [...VIEWS].reverse()) {
      await page.click(`nav a[data-view="${id}"]`);
      await expect.poll(() => visibleViews(page)).toEqual([id]);
      expect(await page.evaluate('location.hash')).toBe(`#${id}`);
    }
    // A link into a view (a file's source) opens that view.
    await page.goto(`${reportUrl}#file-1`);
    await expect.poll(() => visibleViews(page)).toEqual(['coverage']);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('draws the funnel and the trend charts with visible marks', async () => {
    const { page, problems } = await open(reportUrl, '#generation');
    const funnel = page.locator('#generation svg.bars');
    expect(await funnel.count()).toBe(1);
    const box = await funnel.boundingBox();
    expect(box!.width).toBeGreaterThan(100);
    expect(box!.height).toBeGreaterThan(50);
    const bars = page.locator('#generation svg.bars rect.bar');
    expect(await bars.count()).toBe(5);
    const widths = await Promise.all(
      [0, 1, 2, 3, 4].map(async (i) => (await bars.nth(i).boundingBox())!.width),
    );
    expect(widths[0]).toBeGreaterThan(0);
    expect(widths[4]!).toBeCloseTo((widths[0]! * 2) / 3, 0);

    await page.click('nav a[data-view="flaky"]');
    const trends = page.locator('#flaky svg.trend');
    expect(await trends.count()).toBe(2);
    for (const i of [0, 1]) {
      const chart = trends.nth(i);
      expect(await chart.locator('rect.mark').count()).toBe(24);
      expect(await chart.locator('polyline.duration').count()).toBe(1);
      const mark = (await chart.locator('rect.mark').first().boundingBox())!;
      expect(mark.width).toBeGreaterThan(0);
      expect(mark.height).toBeGreaterThan(0);
    }
    expect(await trends.nth(0).locator('rect.mark.failed').count()).toBe(8);
    const passed = await page.evaluate(
      `getComputedStyle(document.querySelector('#flaky rect.mark.passed')).fill`,
    );
    const failed = await page.evaluate(
      `getComputedStyle(document.querySelector('#flaky rect.mark.failed')).fill`,
    );
    expect(passed).not.toBe(failed);
    expect(await page.locator('#flaky svg.trend').first().getAttribute('aria-label')).toContain(
      'Last 24 runs, oldest first: 16 passed, 8 failed',
    );
    expect(problems).toEqual([]);
    await page.close();
  });

  it('highlights uncovered changed lines apart from changed and unchanged ones, in light and dark', async () => {
    const { page, problems } = await open(reportUrl, '#coverage');
    const uncovered = '#coverage tr.uncovered[data-line="36"] td.src-line';
    const changed = '#coverage tr.changed:not(.uncovered):not(.partial)[data-line="37"] td.src-line';
    const plain = '#coverage tr[data-line="34"] td.src-line';
    expect(await page.locator(uncovered).isVisible()).toBe(true);
    const light = [
      await backgroundOf(page, uncovered),
      await backgroundOf(page, changed),
      await backgroundOf(page, plain),
    ];
    expect(new Set(light).size).toBe(3);
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = [
      await backgroundOf(page, uncovered),
      await backgroundOf(page, changed),
      await backgroundOf(page, plain),
    ];
    expect(new Set(dark).size).toBe(3);
    expect(dark[0]).not.toBe(light[0]);
    await page.screenshot({ path: join(shots, 'coverage-dark.png'), fullPage: true });
    expect((await stat(join(shots, 'coverage-dark.png'))).size).toBeGreaterThan(5_000);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows hostile strings as text and runs none of them', async () => {
    const { page, problems } = await open(hostileUrl);
    for (const id of VIEWS) {
      await page.click(`nav a[data-view="${id}"]`);
      await expect.poll(() => visibleViews(page)).toEqual([id]);
    }
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(1);
    expect(await page.locator('svg[onload]').count()).toBe(0);
    expect(await page.title()).toBe(HOSTILE);
    expect(await page.locator('header h1').textContent()).toBe(HOSTILE);
    await page.click('nav a[data-view="coverage"]');
    expect(await page.locator('#coverage table.files').textContent()).toContain(`src/${HOSTILE}.ts`);
    expect(await page.locator('#coverage tr[data-line="2"]').last().textContent()).toContain(HOSTILE);
    await page.click('nav a[data-view="flaky"]');
    expect(await page.locator('#flaky').textContent()).toContain(`fix: ${HOSTILE}`);
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(problems).toEqual([]);
    await page.close();
  });
});
