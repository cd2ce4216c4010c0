// `triage --fix` against the twelve seeded flaky kinds (test/fixtures/triage/flaky-kinds): each one is
// reproduced within the default budget, with the causes triage would give it from its history ordering the
// conditions. vitest here; bench/flaky-reproduce.js reports both runners' runs, seconds, rates and M.
import { cpSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixTests } from '../../src/triage/fix/fix.ts';
import type { FixResult } from '../../src/triage/fix/types.ts';
import type { Cause } from '../../src/triage/types.ts';
import { TempRepo } from '../helpers/git-repo.ts';
import { FIXTURE, readManifest } from './flaky-conditions.ts';

const NODE_MODULES = join(import.meta.dirname, '../../node_modules');
const manifest = readManifest();

describe('triage --fix reproduces every seeded kind', () => {
  let repo: TempRepo;
  let fixes: FixResult[];
  beforeAll(async () => {
    repo = new TempRepo('testloop-fix-kinds-');
    cpSync(FIXTURE, repo.dir, { recursive: true });
    for (const dir of ['', ...Object.values(manifest.projects)])
      symlinkSync(NODE_MODULES, join(repo.dir, dir, 'node_modules'));
    repo.write('.gitignore', 'node_modules\n');
    repo.commit('flaky kinds');
    const ids = manifest.kinds.map((kind) => `${manifest.projects.vitest}/${kind.testId}`);
    const causes = new Map<string, Cause[]>(
      manifest.kinds.map((kind, i) => [
        ids[i]!,
        [{ cause: kind.cause, score: 0.9, evidence: [], fix: '' } as Cause],
      ]),
    );
    // Three runs measure the rate: this test is about reproducing, the bench measures.
    ({ fixes } = await fixTests({
      cwd: repo.dir,
      tests: ids,
      causes,
      measureRuns: 3,
      noModelReason: 'no model',
    }));
  }, 1_200_000);
  afterAll(() => repo.remove());

  it('reproduces each of the twelve, under a stress condition, without a model', () => {
    expect(fixes).toHaveLength(manifest.kinds.length);
    for (const [i, fix] of fixes.entries()) {
      const kind = manifest.kinds[i]!;
      expect({ kind: kind.kind, reproduced: fix.reproduced }).toEqual({ kind: kind.kind, reproduced: true });
      expect(fix.failureRate).toBeGreaterThan(0);
      expect(fix.accepted).toBe(false);
      expect(fix.reason).toMatch(/no model/);
    }
    // The kinds that need their condition were reproduced under it, not by chance alone.
    const conditionOf = (name: string) => fixes[manifest.kinds.findIndex((k) => k.kind === name)]!.condition;
    expect(conditionOf('order-dependence')).toBe('shuffled');
    expect(conditionOf('timezone')).toBe('timezone');
    expect(conditionOf('locale')).toBe('locale');
    expect(conditionOf('port-collision')).toBe('parallel');
  });
});
