/**
 * `npm run demo` end to end: scripts/demo.js builds the shop repository of examples/ in a temp folder,
 * records its CI history and runs the built `testloop ci` on its change with the real vitest.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { CiResult } from '../../src/ci/types.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'testloop-demo-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('npm run demo', () => {
  it('runs testloop ci green on the example shop: selection, gaps, skeletons, a flaky test, the report', () => {
    const json = join(out, 'ci.json');
    // A clean environment: no model endpoint, no CI variables of the machine running the suite.
    const demo = spawnSync(process.execPath, ['scripts/demo.js', '--format', `json:${json}`], {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TESTLOOP_DEMO_DIR: out },
    });
    expect(demo.stderr).not.toMatch(/internal error/);
    expect(demo.status, demo.stderr).toBe(0);

    const report = join(out, 'report', 'index.html');
    expect(existsSync(report)).toBe(true);
    expect(demo.stderr).toContain(`HTML report: ${report}`);
    // The summary says why each test was selected and names the flaky test with its probable cause.
    expect(demo.stdout).toContain('    test/pricing.test.ts — changed test file\n');
    expect(demo.stdout).toMatch(
      /\n {4}test\/cart\.test\.ts — reaches src\/pricing\.ts \(changed\) through src\/cart\.ts/,
    );
    expect(demo.stdout).toMatch(
      /flaky +test\/inventory\.test\.ts › inventory › holds stock for concurrent orders .*timeout/,
    );

    const result = JSON.parse(readFileSync(json, 'utf8')) as CiResult;
    expect(result.exitCode).toBe(0);
    expect(Object.fromEntries(result.steps.map((s) => [s.name, s.status]))).toEqual({
      select: 'ok',
      run: 'ok',
      gaps: 'ok',
      generate: 'ok',
      ingest: 'ok',
      triage: 'ok',
    });
    // The change touches pricing: its own test and the cart's, not the other three.
    expect(result.selection!.all).toBe(false);
    expect(result.selection!.tests.map((t) => t.file).sort()).toEqual([
      'test/cart.test.ts',
      'test/pricing.test.ts',
    ]);
    expect(result.run).toMatchObject({ testFiles: 2, totalTestFiles: 5, exitCode: 0 });
    expect(result.gaps!.gaps.map((g) => `${g.file} ${g.kind}`)).toContain('src/pricing.ts function');
    expect(result.generate!.stubs.map((s) => s.target).sort()).toEqual([
      'src/pricing.ts:applyCoupon',
      'src/pricing.ts:loyaltyPoints',
    ]);
    const flaky = result.triage!.findings.filter((f) => f.verdict === 'flaky');
    expect(flaky.map((f) => f.testId)).toEqual([
      'test/inventory.test.ts › inventory › holds stock for concurrent orders',
    ]);
  });
});
