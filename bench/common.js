import { spawnSync } from 'node:child_process';

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

/** `--key=value` and `--flag` arguments as { key: value, flag: 'true' }. */
export function flagsOf(argv) {
  return Object.fromEntries(
    argv.map((arg) => {
      const [key, value] = arg.replace(/^--/, '').split('=');
      return [key, value ?? 'true'];
    }),
  );
}

/** The seeded generator with the helpers the generators use. */
export function rng(seed) {
  const next = seeded(seed);
  const int = (min, max) => min + Math.floor(next() * (max - min + 1));
  return { next, int, pick: (items) => items[int(0, items.length - 1)], chance: (p) => next() < p };
}

/** A fixed git identity and date, so generated repositories are the same commit for commit. */
export const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
  GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
};

/**
 * The floor no tool that asks git can beat: Node's own start (`node -e 0`) plus git's work for the same
 * answer, each the median of `runs` processes timed like the tools are (spawn to exit), measured in the
 * same run so that a busy machine raises the floor and the tools alike.
 */
export function floorMs(dir, gitArgs, runs = 7) {
  const samples = Array.from({ length: runs }, () => floorSample(dir, { git: gitArgs }));
  const { node, git } = floorMedians(samples);
  return { node, git, total: node + git };
}

/**
 * One sample of the floor's parts: `node -e 0`, then each named git command, each timed spawn to exit.
 * Taken right after each timed run of a tool, the samples see the machine as that tool's runs did: a
 * floor measured apart, even a minute later, can meet another load (a noisy neighbour of a virtual
 * machine) and move the ratio by a tenth or more.
 */
export function floorSample(dir, gitCommands) {
  const time = (command, args) => {
    const started = performance.now();
    const result = spawnSync(command, args, { cwd: dir, stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}`);
    return performance.now() - started;
  };
  const sample = { node: time(process.execPath, ['-e', '0']) };
  for (const [name, args] of Object.entries(gitCommands)) sample[name] = time('git', args);
  return sample;
}

/** The median of each part over floor samples. */
export function floorMedians(samples) {
  const out = {};
  for (const key of Object.keys(samples[0] ?? {})) out[key] = middle(samples.map((s) => s[key]));
  return out;
}

function middle(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
