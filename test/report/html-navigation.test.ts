/**
 * The report as a reader first meets it: a view opened by its link, a long changed file, a run that only
 * wrote skeletons, and the project files a change touches besides its sources.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CiResult, SourceFile } from '../../src/ci/types.ts';
import type { FileGaps } from '../../src/gaps/types.ts';
import { renderHtmlReport, writeHtmlReport } from '../../src/report/html/index.ts';
import { CONTEXT_LINES } from '../../src/report/html/views/source.ts';
import { launchChromium, loadFixture } from './html-fixture.ts';

const VIEWS = ['overview', 'coverage', 'selection', 'generation', 'flaky'] as const;
const RULES = 'src/pricing/rules.ts';
const RULES_LINES = 300;
/** Changed in the long file: a line, a two-line hunk, and the last line. */
const RULES_HUNKS = [
  { start: 40, end: 40 },
  { start: 120, end: 121 },
  { start: 300, end: 300 },
];
const NOISE = ['.gitignore', 'package.json', 'src/cart.test.ts'];

function measured(path: string, coverable: number, uncovered: number[]): FileGaps {
  return {
    path,
    changedLines: coverable,
    coverableLines: coverable,
    uncoveredLines: uncovered,
    uncoveredBranches: [],
    uncoveredFunctions: [],
    percent: Math.floor(((coverable - uncovered.length) * 10000) / coverable) / 100,
    measured: true,
  };
}

function unmeasured(path: string): FileGaps {
  return { ...measured(path, 1, []), coverableLines: 0, percent: 100, measured: false };
}

/** The fixture run plus a 300-line module changed in three places, a legacy file and the usual noise. */
function longChange(): { result: CiResult; sources: SourceFile[] } {
  const { result, sources } = loadFixture();
  const rules = Array.from({ length: RULES_LINES }, (_, i) => `export const rule${i + 1} = ${i + 1};`);
  result.gaps!.files.push(measured(RULES, 4, [121]), unmeasured('src/legacy/report.js'));
  sources.push({ path: RULES, text: `${rules.join('\n')}\n`, hunks: RULES_HUNKS });
  sources.push({
    path: 'src/legacy/report.js',
    text: 'module.exports = 1;\n',
    hunks: [{ start: 1, end: 1 }],
  });
  for (const path of NOISE) {
    result.gaps!.files.push(unmeasured(path));
    sources.push({ path, text: 'noise\n', hunks: [{ start: 1, end: 1 }] });
  }
  return { result, sources };
}

/** Lines changed ± CONTEXT_LINES, merged, within the file. */
function windowLines(hunks: readonly { start: number; end: number }[], lineCount: number): number[] {
  const lines = new Set<number>();
  for (const hunk of hunks) {
    for (let line = hunk.start - CONTEXT_LINES; line <= hunk.end + CONTEXT_LINES; line++) {
      if (line >= 1 && line <= lineCount) lines.add(line);
    }
  }
  return [...lines].sort((a, b) => a - b);
}

/** The listing of one file: its <details> element's HTML. */
function listing(html: string, path: string): string {
  const start = html.indexOf(`<summary><code>${path}</code>`);
  expect(start, path).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf('</details>', start));
}

const lineNumbers = (html: string) => [...html.matchAll(/data-line="(\d+)"/g)].map((m) => Number(m[1]));
const FOLD = /<tbody class="fold" hidden>(.*?)<\/tbody>/g;

describe('the coverage view of a long change', () => {
  const html = renderHtmlReport(longChange().result, longChange().sources);

  it('shows the changed hunks with context; the unchanged lines between are folded, not shown', () => {
    const rules = listing(html, RULES);
    expect(lineNumbers(rules.replace(FOLD, ''))).toEqual(windowLines(RULES_HUNKS, RULES_LINES));
    const folded = [...rules.matchAll(FOLD)].map((m) => lineNumbers(m[1]!));
    expect(folded.map((lines) => [lines[0], lines[lines.length - 1]])).toEqual([
      [1, 36],
      [44, 116],
      [125, 296],
    ]);
    expect(rules).toContain(
      '<button type="button" class="expand" aria-expanded="false">⋯ lines 44-116 unchanged</button>',
    );
    // Every line of the file is in the page exactly once.
    expect(lineNumbers(rules).sort((a, b) => a - b)).toEqual(
      Array.from({ length: RULES_LINES }, (_, i) => i + 1),
    );
    // A short file too: only lines 32-40 of cart.ts are shown.
    expect(lineNumbers(listing(html, 'src/cart.ts').replace(FOLD, ''))).toEqual(
      windowLines([{ start: 35, end: 37 }], 44),
    );
  });

  it('counts tests, configuration and manifests in one line instead of "not measured" rows and listings', () => {
    const coverage = html.slice(
      html.indexOf('<section class="view" id="coverage"'),
      html.indexOf('id="selection"'),
    );
    for (const path of NOISE) {
      expect(coverage).not.toContain(`<a href="#file-${path}`);
      expect(coverage).not.toContain(`<summary><code>${path}</code>`);
    }
    expect(
      coverage
        .match(/<tr[^>]*><td><a href="#file-\d+"><code>[^<]*/g)
        ?.map((row) => row.replace(/.*<code>/, '')),
    ).toEqual([
      'src/cart.ts',
      'src/pricing/discount.ts',
      'src/pricing/tax-table.ts',
      RULES,
      'src/legacy/report.js',
    ]);
    expect(coverage).toContain(
      '<p class="muted others">3 other changed files (tests, configuration, manifests, documents) are not measured by coverage: <code>.gitignore</code>, <code>package.json</code>, <code>src/cart.test.ts</code>.</p>',
    );
    expect(listing(coverage, 'src/legacy/report.js')).toContain('not measured');
  });
});

/** The fixture run as the offline engine leaves it: skeletons only, no model, no candidate. */
function skeletonsOnly(): CiResult {
  const { result } = loadFixture();
  result.generate = {
    accepted: [],
    discarded: [],
    stubs: [
      { target: 'src/cart.ts:Cart.total', testFile: 'src/cart.Cart.total.generated.test.ts', todos: 2 },
      {
        target: 'src/pricing/discount.ts:applyDiscount',
        testFile: 'src/pricing/discount.applyDiscount.generated.test.ts',
        todos: 3,
      },
    ],
    funnel: { generated: 0, compiled: 0, passed: 0, stable: 0, addedCoverage: 0, killsMutants: 0 },
    usage: { requests: 0, promptTokens: 0, completionTokens: 0 },
    stats: {
      ms: 849,
      targets: 2,
      llmMs: 0,
      runnerMs: 0,
      overheadMs: 849,
      repairs: 0,
      uncoveredLines: 197,
      candidates: 0,
    },
    patch: '.testloop/ci/generated-tests.patch',
  };
  return result;
}

describe('the generation view when only skeletons were written', () => {
  it('says so and how to get tests, instead of a funnel of zeros and "0 of 197 uncovered"', () => {
    const result = skeletonsOnly();
    const html = renderHtmlReport(result, []);
    const generation = html.slice(html.indexOf('id="generation"'), html.indexOf('id="flaky"'));
    expect(generation).not.toContain('<svg class="chart bars"');
    expect(generation).not.toContain('0 of 197');
    expect(generation).not.toContain('No generated test was accepted');
    expect(generation).toContain(
      '<strong>2 test skeletons (it.todo) drafted, not written; no tests generated:</strong> set an LLM endpoint (<code>TESTLOOP_LLM_BASE_URL</code>',
    );
    expect(generation).toContain('197 uncovered changed lines in 2 targets');
    expect(generation).toContain('<h2>Stubs (2)</h2>');
    const overview = html.slice(html.indexOf('id="overview"'), html.indexOf('id="coverage"'));
    expect(overview).toContain(
      '<div class="card-value">2</div><div class="card-label">test skeletons (it.todo)</div><div class="card-note">no LLM endpoint: no test generated</div>',
    );

    result.generate!.written = result.generate!.stubs.map((stub) => stub.testFile);
    expect(renderHtmlReport(result, [])).toContain(
      '<strong>2 test skeletons (it.todo) written; no tests generated:',
    );
  });
});

describe('the report in Chromium, as a reader opens it', () => {
  let browser: Browser;
  let dir: string;
  let url: string;
  let skeletonsUrl: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'testloop-html-navigation-'));
    const { result, sources } = longChange();
    url = pathToFileURL(await writeHtmlReport(join(dir, 'long'), result, sources)).href;
    skeletonsUrl = pathToFileURL(await writeHtmlReport(join(dir, 'skeletons'), skeletonsOnly(), [])).href;
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function open(address: string): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    await page.goto(address);
    return { page, problems };
  }

  const scrollY = (page: Page) => page.evaluate('window.scrollY') as Promise<number>;
  const top = async (page: Page, selector: string) => (await page.locator(selector).first().boundingBox())!.y;
  const bottom = async (page: Page, selector: string) => {
    const box = (await page.locator(selector).first().boundingBox())!;
    return box.y + box.height;
  };
  /** Line numbers of the rows shown (not folded) in the listing of `path`. */
  const shownLines = (page: Page, path: string) =>
    page.evaluate(`(() => {
      const file = Array.from(document.querySelectorAll('details.file')).find(
        (d) => d.querySelector('summary code').textContent === ${JSON.stringify(path)});
      return Array.from(file.querySelectorAll('tr[data-line]'))
        .filter((row) => row.getClientRects().length > 0)
        .map((row) => Number(row.dataset.line));
    })()`) as Promise<number[]>;

  it('opens every view by its link with the page at the top: the header and the tabs stay in view', async () => {
    for (const id of VIEWS) {
      const { page, problems } = await open(`${url}#${id}`);
      await expect.poll(() => page.locator(`section#${id}`).isVisible()).toBe(true);
      await page.waitForLoadState('load');
      expect(await scrollY(page), id).toBe(0);
      expect(await top(page, 'header h1'), id).toBeGreaterThanOrEqual(0);
      expect(await bottom(page, 'nav'), id).toBeLessThan(200);
      expect(problems).toEqual([]);
      await page.close();
    }
  });

  it('keeps the tabs on screen down a long view, opens a linked file below them, and a tab starts at the top', async () => {
    const { page, problems } = await open(`${url}#coverage`);
    const id = await page
      .locator('details.file', { has: page.locator('summary code', { hasText: RULES }) })
      .getAttribute('id');
    // Unfold everything in the long file so the view is well past one screen.
    for (const button of await page.locator(`#${id} button.expand`).all()) await button.click();
    await page.evaluate('window.scrollTo(0, document.documentElement.scrollHeight)');
    expect(await scrollY(page)).toBeGreaterThan(3000);
    expect(await top(page, 'nav')).toBe(0);

    await page.goto(`${url}#file-0`);
    await expect.poll(() => top(page, '#file-0 > summary')).toBeGreaterThanOrEqual(await bottom(page, 'nav'));
    expect(await top(page, '#file-0 > summary')).toBeLessThan(900);

    await page.evaluate('window.scrollTo(0, 2000)');
    await page.click('nav a[data-view="flaky"]');
    await expect.poll(() => page.locator('section#flaky').isVisible()).toBe(true);
    await expect.poll(() => scrollY(page)).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows only the hunks of a long file, in a page a few screens tall, and unfolds the rest on request', async () => {
    const { page, problems } = await open(`${url}#coverage`);
    const height = () => page.evaluate('document.documentElement.scrollHeight') as Promise<number>;
    const folded = await height();
    // Before: every line of every file, 300 + 44 + 29 rows of ~19 px.
    expect(folded).toBeLessThan(2600);
    expect(await shownLines(page, RULES)).toEqual(windowLines(RULES_HUNKS, RULES_LINES));

    const expand = page
      .locator('details.file', { has: page.locator('summary code', { hasText: RULES }) })
      .locator('button.expand');
    expect(await expand.count()).toBe(3);
    await expand.nth(1).click();
    expect(await expand.nth(1).getAttribute('aria-expanded')).toBe('true');
    const unfolded = [
      ...windowLines(RULES_HUNKS, RULES_LINES),
      ...Array.from({ length: 73 }, (_, i) => 44 + i),
    ];
    expect(await shownLines(page, RULES)).toEqual(unfolded.sort((a, b) => a - b));
    expect(await height()).toBeGreaterThan(folded + 73 * 15);
    await expand.nth(1).click();
    expect(await shownLines(page, RULES)).toEqual(windowLines(RULES_HUNKS, RULES_LINES));
    expect(await height()).toBe(folded);
    await page.screenshot({ path: join(dir, 'coverage.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows the skeletons panel and no funnel when only skeletons were written', async () => {
    const { page, problems } = await open(`${skeletonsUrl}#generation`);
    await expect.poll(() => page.locator('section#generation').isVisible()).toBe(true);
    expect(await page.locator('#generation svg.bars').count()).toBe(0);
    expect(await page.locator('#generation .panel.skeletons').textContent()).toContain(
      '2 test skeletons (it.todo) drafted, not written; no tests generated: set an LLM endpoint',
    );
    expect(await page.locator('#generation table.stubs tbody tr').count()).toBe(2);
    expect(problems).toEqual([]);
    await page.close();
  });
});
