import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CiResult } from '../../../src/ci/types.ts';
import type { FileGaps } from '../../../src/gaps/types.ts';
import { filesOfPatch } from '../../../src/generate/output.ts';
import {
  CI_COMMENT_MARKER,
  type CommentContext,
  renderCiComment,
} from '../../../src/integrations/github/comment.ts';
import type { Finding } from '../../../src/triage/types.ts';

const FIXTURES = new URL('../../fixtures/integrations/github/', import.meta.url);
const fixtureResult = (): CiResult => JSON.parse(readFileSync(new URL('ci-result.json', FIXTURES), 'utf8'));
const PATCH = readFileSync(new URL('tests.patch', FIXTURES), 'utf8');
const HEAD = '9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b';
const BLOB = `https://github.com/octo-org/widgets/blob/${HEAD}`;

function context(overrides: Partial<CommentContext> = {}): CommentContext {
  return {
    serverUrl: 'https://github.com',
    repository: 'octo-org/widgets',
    headSha: HEAD,
    testFiles: filesOfPatch(PATCH),
    patch: PATCH,
    patchPath: '.testloop/tests.patch',
    artifactName: 'testloop-tests',
    runUrl: 'https://github.com/octo-org/widgets/actions/runs/77',
    failUnder: 80,
    ...overrides,
  };
}

/** The body with code blocks and code spans taken out: what GitHub renders as markdown and HTML. */
function outsideCode(body: string): string {
  return body
    .replace(/^(`{3,})[^\n]*\n[\s\S]*?^\1$/gm, '')
    .replace(/(?<![\\`])(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, '');
}

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('renderCiComment', () => {
  const body = renderCiComment(fixtureResult(), context());

  it('starts with the marker and a headline of the run', () => {
    expect(body.startsWith(`${CI_COMMENT_MARKER}\n\n### ❌ testloop: 2 tests failed\n`)).toBe(true);
    expect(body).toContain(
      '- **Tests:** ran 12 of 148 test files (saved ~4m 11s) in 48 s: 211 passed, 2 failed, 3 skipped',
    );
    expect(body).toContain('- **Diff coverage:** 85.25% (required: 80%), 52 of 61 changed lines covered');
    expect(body).toContain('- **Generated tests:** 2 accepted, 1 discarded');
    expect(body).toContain('- **Flaky tests:** 1 flaky, 1 broken over 40 recorded runs');
    expect(body).toContain('- **Steps:** select ✅ · run ✅ · gaps ✅ · generate ⏱️ · ingest ✅ · triage ✅');
    expect(body).toContain('- ⏱️ **generate** timed out: budget spent after 4 of 6 targets');
    expect(body).toContain('- ❌ gate **tests**: 2 tests failed');
  });

  it('links uncovered lines to the head commit, ranges merged, worst file first', () => {
    const table = body.slice(
      body.indexOf('#### Diff coverage by file'),
      body.indexOf('#### Generated tests'),
    );
    expect(table.trim().split('\n').slice(2)).toEqual([
      '| File | Coverage | Uncovered lines |',
      '| --- | ---: | --- |',
      `| src/cart.ts | 87.50% | [10-12](${BLOB}/src/cart.ts#L10-L12), [20](${BLOB}/src/cart.ts#L20), [33](${BLOB}/src/cart.ts#L33) |`,
      `| src/api/orders.ts | 66.67% | [5-8](${BLOB}/src/api/orders.ts#L5-L8) |`,
      '| src/legacy/report.js | not measured | no coverage report mentions this file |',
      '| src/util/money.ts | 100.00% | – |',
    ]);
  });

  it('shows each generated test in a details block with its code, and the whole patch to apply', () => {
    const orders = readFileSync(new URL('generated/src/api/orders.validateOrder.test.ts', FIXTURES), 'utf8');
    // The test's own ``` cannot close the block: the fence is one backtick longer.
    expect(body).toContain(
      `<details><summary>src/api/orders.validateOrder.test.ts: covers 4 new lines of src/api/orders.ts:validateOrder</summary>\n\n\`\`\`\`ts\n${orders}\`\`\`\`\n\n</details>`,
    );
    expect(body).toContain('<details><summary>test/cart.applyDiscount.test.ts: covers 3 new lines of');
    expect(body).toContain(`\`\`\`\`diff\n${PATCH}\`\`\`\``);
    expect(body).toContain(
      "Save it as `testloop-tests.patch` and run `git apply testloop-tests.patch` at the repository root. The patch is also the artifact `testloop-tests` and `.testloop/tests.patch` in the job's workspace.",
    );
  });

  it('says where the skeletons are when only skeletons were written', () => {
    const base = fixtureResult();
    const stub = {
      target: 'src/cart.ts:applyDiscount',
      testFile: 'test/cart.applyDiscount.generated.test.ts',
      todos: 2,
    };
    const result: CiResult = {
      ...base,
      generate: { ...base.generate!, accepted: [], stubs: [stub] as never },
    };
    const skeletons = renderCiComment(result, context({ patch: '', testFiles: [] }));
    expect(skeletons).toContain(
      "1 test skeleton (`it.todo`, to fill in) is in the patch: the artifact `testloop-tests`, or `.testloop/tests.patch` in the job's workspace.",
    );
    expect(skeletons).not.toContain('Patch with every accepted test');
  });

  it('lists flaky and broken tests with the top cause, its fix and evidence; healthy tests are left out', () => {
    expect(body).toContain(
      '- **broken** `test/cart.test.ts › Cart › applies a discount`: failed 3 of 8 runs (37.5%); likely cause `unknown`. Fix: Read the failure: it fails on every run since commit 9a8b7c6.',
    );
    expect(body).toContain(
      '- **flaky** `test/api/orders.test.ts › orders › retries on timeout`: failed 6 of 40 runs (15.0%); likely cause `async-wait`. Fix: Await the condition',
    );
    expect(body).toContain('  > Error: Timed out in waitFor after 1000ms');
    expect(body).not.toContain('money › rounds');
    expect(body.indexOf('**broken**')).toBeLessThan(body.indexOf('**flaky**'));
  });

  it('cannot ping anyone or inject HTML from hostile names and messages', () => {
    const result = fixtureResult();
    const hostile = 'src/<img src=x onerror=alert(1)>/@admin-team/a|b`c.ts';
    result.gaps!.files[0]!.path = hostile;
    result.steps[3]!.detail = 'ping @everyone <script>alert(1)</script> [click](javascript:alert(1))';
    result.generate!.accepted[0]!.target = '</summary><script>x</script>@octocat';
    result.generate!.accepted[0]!.testFile = 'test/``weird`` @name.test.ts';
    result.run!.failedTests.push('t › `` ` `` › @someone <b>');
    result.triage!.findings[0]!.causes[0]!.fix = 'ask @security-team, then <iframe src=//evil>';
    const testFiles = [
      { path: 'test/``weird`` @name.test.ts', content: "test('</details> @mention', () => {});\n" },
    ];
    const rendered = renderCiComment(result, context({ testFiles }));
    const markup = outsideCode(rendered);
    // Only the comment's own tags remain; every other < was escaped.
    expect(
      markup.match(/<\/?[a-z!][^>]*>/gi)?.filter((tag) => !/^<\/?(details|summary|sub)>$|^<!--/.test(tag)),
    ).toEqual([]);
    expect(markup).not.toMatch(/@[A-Za-z0-9]/);
    expect(markup).not.toMatch(/[^\\]\]\(javascript:/);
    expect(rendered).toContain('src/&lt;img src=x onerror=alert(1)&gt;/@\u200Badmin-team/a\\|b\\`c.ts');
    // The span's fence is longer than any backtick run inside, so the name cannot close it.
    expect(rendered).toContain('- ```t › `` ` `` › @someone <b>```');
    expect(rendered).toContain(
      '<summary>test/``weird`` @\u200Bname.test.ts: covers 3 new lines of &lt;/summary&gt;&lt;script&gt;',
    );
  });

  it('shortens a huge result below 65,536 characters in the stated order, saying what is left out', () => {
    const result = hugeResult();
    const testFiles = result.generate!.accepted.map((test) => ({
      path: test.testFile,
      content: 'x'.repeat(1500),
    }));
    const rendered = renderCiComment(result, context({ testFiles, patch: 'y'.repeat(400_000) }));
    expect(bytes(rendered)).toBeLessThanOrEqual(65_536);
    expect(bytes(rendered)).toBeGreaterThan(60_000);
    expect(rendered.startsWith(`${CI_COMMENT_MARKER}\n\n### ❌ testloop`)).toBe(true);
    // Whole markdown constructs only.
    expect(rendered.match(/<details>/g)?.length ?? 0).toBe(rendered.match(/<\/details>/g)?.length ?? 0);
    expect((rendered.match(/^`{3,}/gm)?.length ?? 0) % 2).toBe(0);
    // First to go: the patch block, then code, evidence and long range lists; then each list down to ten,
    // and the failing tests, last in line, get the room that is left.
    expect(rendered).not.toContain('```diff');
    expect(rendered).not.toContain('<details>');
    expect(rendered).toContain('To add these tests, apply the patch: the artifact `testloop-tests`');
    expect(rendered).not.toContain('  > evidence');
    expect(rendered).toContain('… 290 more accepted tests');
    expect(rendered).toContain('… 490 more flaky or broken tests');
    expect(rendered).toContain('… 2,990 more files');
    expect(rendered.match(/^- `test\/f\d+\.test\.ts › fails \d+`$/gm)!.length).toBeGreaterThan(100);
    expect(rendered).toMatch(/… [\d,]+ more failing tests/);
    expect(rendered).toMatch(
      /\| \[1\]\([^)]+\), \[3\]\([^)]+\), \[5\]\([^)]+\), \[7\]\([^)]+\), \[9\]\([^)]+\), … 195 more \|/,
    );
    expect(rendered).toContain('Shortened to stay under 65,536 characters');
  });

  it('drops only the patch block when that is enough', () => {
    const rendered = renderCiComment(
      fixtureResult(),
      context({ patch: `${PATCH}${'+// padding\n'.repeat(6000)}` }),
    );
    expect(bytes(rendered)).toBeLessThanOrEqual(65_536);
    expect(rendered).not.toContain('```diff');
    expect(rendered.match(/<details><summary>/g)).toHaveLength(2);
    expect(rendered).toContain('  > Error: Timed out in waitFor after 1000ms');
    expect(rendered).toContain(`[10-12](${BLOB}/src/cart.ts#L10-L12)`);
  });

  it('keeps a run-only result short and link-free without a repository', () => {
    const result = fixtureResult();
    delete result.generate;
    delete result.triage;
    const rendered = renderCiComment(result, context({ repository: '', testFiles: [] }));
    expect(rendered).toContain('| src/cart.ts | 87.50% | 10-12, 20, 33 |');
    expect(rendered).not.toContain('#### Generated tests');
    expect(rendered).not.toContain('#### Flaky');
  });
});

function hugeResult(): CiResult {
  const result = fixtureResult();
  const files: FileGaps[] = Array.from({ length: 3000 }, (_, i) => ({
    path: `src/module-${i}/file.ts`,
    changedLines: 500,
    coverableLines: 400,
    uncoveredLines: Array.from({ length: 200 }, (_, k) => 1 + k * 2),
    uncoveredBranches: [],
    uncoveredFunctions: [],
    percent: 50,
    measured: true,
  }));
  result.gaps!.files = files;
  result.generate!.accepted = Array.from({ length: 300 }, (_, i) => ({
    target: `src/module-${i}/file.ts:fn${i}`,
    testFile: `src/module-${i}/file.fn${i}.test.ts`,
    newlyCoveredLines: [1, 3, 5],
  }));
  const finding = result.triage!.findings[0]!;
  result.triage!.findings = Array.from(
    { length: 500 },
    (_, i): Finding => ({
      ...finding,
      testId: `test/t${i}.test.ts › suite › case ${i}`,
      causes: [{ ...finding.causes[0]!, evidence: ['evidence one', 'evidence two'] }],
    }),
  );
  result.run!.failedTests = Array.from({ length: 2000 }, (_, i) => `test/f${i}.test.ts › fails ${i}`);
  return result;
}
