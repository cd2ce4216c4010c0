/**
 * A workspace member with no runner of its own whose tests the root's runner runs belongs, for generate,
 * to the root project: its files are targets (they were skipped as "no test runner found"), whether it
 * has tests yet (packages/app) or not (packages/lib, reached through the root's include patterns). A
 * member no enclosing runner reaches (packages/tools) keeps no runner.
 */
import { describe, expect, it } from 'vitest';
import { withEnclosingRunners } from '../../src/generate/runner-projects.ts';
import { unsupportedReason } from '../../src/generate/targets.ts';
import { projectOf } from '../../src/select/projects.ts';
import { loadFixture } from './fixtures.ts';

describe('generate: packages whose tests an enclosing runner runs', () => {
  it('hands a runner-less member to the root runner that reaches it', async () => {
    const fx = await loadFixture('root-runner');
    // What discovery alone says: the members have no runner, so generate skipped them.
    expect(unsupportedReason('packages/lib/src/sum.ts', fx.projects)).toBe(
      'no test runner found for packages/lib (vitest, jest or node --test)',
    );
    const projects = await withEnclosingRunners(fx.projects);
    for (const file of ['packages/lib/src/sum.ts', 'packages/app/src/greet.ts']) {
      const project = projectOf(projects, file);
      expect(project.dir).toBe('');
      expect(project.runner?.name).toBe('vitest');
      expect(unsupportedReason(file, projects)).toBeUndefined();
    }
  });

  it('keeps a member no enclosing runner reaches without one', async () => {
    const fx = await loadFixture('root-runner');
    const projects = await withEnclosingRunners(fx.projects);
    const tools = projectOf(projects, 'packages/tools/src/lint.ts');
    expect(tools.dir).toBe('packages/tools');
    expect(tools.runner).toBeUndefined();
    expect(unsupportedReason('packages/tools/src/lint.ts', projects)).toBe(
      'no test runner found for packages/tools (vitest, jest or node --test)',
    );
  });
});
