import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { seededRandom } from '../helpers/mutate.ts';

/**
 * The files that take minutes, longest first. vitest starts the files it has no recorded durations for
 * (every file of a fresh clone) by size, which starts these last: the slowest then ran alone on one
 * core for minutes after the rest had finished. Started first, they run beside the rest.
 */
export const SLOWEST_FILES = [
  'test/triage/flaky-kinds.test.ts',
  'test/triage/fix-kinds.test.ts',
  'test/sandbox/hostile.test.ts',
  'test/select/safety-mutations.test.ts',
  'test/generate/validate.test.ts',
  'test/ci/ci.test.ts',
  'test/triage/live-reporter.test.ts',
  'test/generate/mutation-gate.test.ts',
];

/** The slowest files first, then vitest's own order; `--sequence.shuffle` shuffles every file by its seed. */
export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const { root, sequence } = this.ctx.config;
    // A renamed file would silently lose its place: the list names files that exist, or the run stops.
    const missing = SLOWEST_FILES.filter((file) => !existsSync(join(root, file)));
    if (missing.length > 0) throw new Error(`${missing.join(', ')}: gone; update SLOWEST_FILES`);
    if (sequence.shuffle) return shuffled(files, sequence.seed ?? Date.now());
    const rank = (spec: TestSpecification) => {
      const index = SLOWEST_FILES.indexOf(relative(root, spec.moduleId).split('\\').join('/'));
      return index < 0 ? SLOWEST_FILES.length : index;
    };
    // Array#sort is stable: the rest keep vitest's order (recorded durations, else size).
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
