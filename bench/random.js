/**
 * mulberry32: deterministic on every platform, so a cache key names exactly one generated input.
 * The same generator as test/helpers/mutate.ts.
 */
export function seeded(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seeded generator with the helpers the generators use. */
export function rng(seed) {
  const next = seeded(seed);
  const int = (min, max) => min + Math.floor(next() * (max - min + 1));
  return { next, int, pick: (items) => items[int(0, items.length - 1)], chance: (p) => next() < p };
}
