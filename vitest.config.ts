import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/fixtures/**', 'node_modules/**'],
    globalSetup: ['test/setup/build.ts'],
    setupFiles: ['test/setup/file-tmp.ts'],
    reporters: ['default', './test/setup/summary-reporter.ts'],
    pool: 'forks',
    // Most of a file's time is spent waiting on the processes it starts (git, the runners, the CLI), so
    // more files run at once than there are cores; vitest's default (cores - 1) runs one at a time on a
    // 2-core machine. --maxWorkers overrides it.
    maxWorkers: 4,
    // Guards against a hang, not measures of speed: a test that takes 20 s alone takes a minute or more
    // while other files' runners share the cores.
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});
