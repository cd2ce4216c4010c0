import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeAttempts } from '../../src/triage/analyze.ts';
import { loadCodeowners, ownersOf, parseCodeowners } from '../../src/triage/codeowners.ts';
import { attempt, pattern, run } from './build.ts';

const OWNERS = join(import.meta.dirname, '../fixtures/triage/owners');

describe('CODEOWNERS', () => {
  it('finds .github/CODEOWNERS and applies GitHub pattern rules, last match wins', async () => {
    const rules = await loadCodeowners(OWNERS);
    const cases: [string, string[]][] = [
      ['README.md', ['@acme/platform']],
      ['src/cart.test.js', ['@acme/js-reviewers']],
      ['deep/nested/util.test.js', ['@acme/js-reviewers']],
      ['tests/e2e/login.spec.ts', ['@acme/qa']],
      ['e2e/checkout.spec.ts', ['@acme/qa']],
      ['docs/intro.md', ['docs@example.com']],
      ['docs/guides/setup.md', ['@acme/platform']],
      ['packages/payments/src/charge.ts', ['@acme/payments', '@alice']],
      ['packages/payments/test/charge.test.js', ['@acme/payments', '@alice']],
      ['other/packages/payments/x.ts', ['@acme/platform']],
      ['packages/payments/test/legacy/refund.test.ts', ['@bob']],
      ['packages/payments/test/generated/api.test.ts', []],
      ['apps/web/src/pages/home.spec.ts', ['@acme/frontend']],
      ['apps/web/home.spec.ts', ['@acme/frontend']],
    ];
    for (const [file, owners] of cases) expect([file, ownersOf(rules, file)]).toEqual([file, owners]);
  });

  it('reads escaped # and skips comments and blank lines', () => {
    const rules = parseCodeowners('# comment\n\n\\#notes.md @a # trailing comment\n');
    expect(rules).toHaveLength(1);
    expect(ownersOf(rules, '#notes.md')).toEqual(['@a']);
  });

  it('puts owners on findings by the test file', async () => {
    const rules = await loadCodeowners(OWNERS);
    const result = analyzeAttempts(pattern('packages/payments/test/charge.test.js › charges', 'PFPRP'), {
      owners: rules,
    });
    expect(result.findings[0]!.owners).toEqual(['@acme/payments', '@alice']);
  });
});

describe('impact and ranking', () => {
  it('counts failed pipelines (final failures only), minutes lost (failed attempts and retries) and failure rate', () => {
    const id = 'test/a.test.ts › a';
    const attempts = [
      attempt(id, run(0), 'passed'),
      attempt(id, run(1), 'failed', { durationMs: 30_000 }),
      attempt(id, run(2), 'failed', { durationMs: 30_000 }),
      attempt(id, run(2), 'passed', { retry: 1, durationMs: 30_000 }),
      attempt(id, run(3), 'passed'),
      attempt(id, run(4), 'failed', { durationMs: 60_000 }),
      attempt(id, run(4), 'failed', { retry: 1, durationMs: 60_000 }),
      attempt(id, run(5), 'passed'),
    ];
    const [finding] = analyzeAttempts(attempts).findings;
    expect(finding).toMatchObject({ verdict: 'flaky', runs: 6, failures: 3 });
    // Run 3 was saved by its retry: 2 failed pipelines (runs 2 and 5); 30 + 30 + 30 + 60 + 60 s lost.
    expect(finding!.impact).toEqual({ failedPipelines: 2, minutesLost: 3.5, failureRate: 0.5 });
  });

  it('orders flaky by impact, then broken, then healthy', () => {
    const attempts = [
      ...pattern('test/healthy.test.ts › ok', 'PPPPPPPP'),
      ...pattern('test/broken.test.ts › regressed', 'PPPPPFFF'),
      ...pattern('test/rare.test.ts › rare flake', 'PPPFPPPP'),
      ...pattern('test/often.test.ts › frequent flake', 'PFPFPPFP'),
      ...pattern('test/saved.test.ts › saved by retries', 'PRPRPRPP'),
    ];
    const { findings } = analyzeAttempts(attempts);
    expect(findings.map((f) => [f.verdict, f.testId])).toEqual([
      ['flaky', 'test/often.test.ts › frequent flake'],
      ['flaky', 'test/rare.test.ts › rare flake'],
      ['flaky', 'test/saved.test.ts › saved by retries'],
      ['broken', 'test/broken.test.ts › regressed'],
      ['healthy', 'test/healthy.test.ts › ok'],
    ]);
  });
});
