import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { TestSpecification, Vitest } from 'vitest/node';
import { SLOWEST_FILES, SlowFirstSequencer } from './slow-first-sequencer.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** vitest's context as the sequencer reads it: no recorded durations, file sizes as given. */
function sequencer(sizes: Record<string, number>, sequence: { shuffle?: boolean; seed?: number } = {}) {
  const ctx = {
    config: { root: ROOT, sequence },
    cache: {
      getFileTestResults: () => undefined,
      getFileStats: (key: string) => ({ size: sizes[key.slice(key.indexOf(':') + 1)] ?? 0 }),
    },
  };
  return new SlowFirstSequencer(ctx as unknown as Vitest);
}

const spec = (file: string) =>
  ({
    moduleId: `${ROOT}${file}`,
    project: { name: '', config: { sequence: { groupOrder: 0 }, isolate: true } },
  }) as unknown as TestSpecification;

const names = (specs: TestSpecification[]) => specs.map((s) => s.moduleId.slice(ROOT.length));

describe('the suite order', () => {
  const small = SLOWEST_FILES.slice(0, 2);
  const others = ['test/git/parse-diff.test.ts', 'test/cli/help.test.ts'];
  const sizes = { [small[0]!]: 10, [small[1]!]: 20, [others[0]!]: 5_000, [others[1]!]: 9_000 };

  it('starts the slowest files first, in their listed order, however small; the rest by size', async () => {
    const order = await sequencer(sizes).sort([...others, small[1]!, small[0]!].map(spec));
    expect(names(order)).toEqual([small[0], small[1], others[1], others[0]]);
  });

  it('shuffles every file by the seed under --sequence.shuffle, the same way for the same seed', async () => {
    const files = [...others, ...small];
    const once = names(await sequencer(sizes, { shuffle: true, seed: 7 }).sort(files.map(spec)));
    const again = names(await sequencer(sizes, { shuffle: true, seed: 7 }).sort(files.map(spec)));
    expect(again).toEqual(once);
    expect([...once].sort()).toEqual([...files].sort());
    const seeds = await Promise.all(
      [1, 2, 3, 4, 5].map(async (seed) =>
        names(await sequencer(sizes, { shuffle: true, seed }).sort(files.map(spec))).join(),
      ),
    );
    expect(new Set(seeds).size).toBeGreaterThan(1);
  });
});
