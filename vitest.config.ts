import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './test/setup/slow-first-sequencer.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/fixtures/**', 'node_modules/**'],
    globalSetup: ['test/setup/build.ts'],
    setupFiles: ['test/setup/file-tmp.ts'],
    reporters: ['default', './test/setup/summary-reporter.ts'],
    pool: 'forks',
    // A worker process runs its share of the files one after another, keeping the modules they share
    // (vitest, testloop's own, the helpers) loaded: a fresh process per file cost about a quarter of a
    // CPU-second a file in starting Node and loading those again. A file therefore puts back what it changes
    // in the process (environment variables, the working folder); its temp folder is its own (setup/file-tmp.ts).
    isolate: false,
    // A file's time is spent mostly in the processes it starts (git, the runners, the CLI): vitest's
    // default (cores - 1) runs one file at a time on a 2-core machine and leaves a core idle while that
    // file waits. Three at once keep both cores busy; more only make the runners the files start compete
    // for them. --maxWorkers overrides it.
    maxWorkers: 3,
    sequence: { sequencer: SlowFirstSequencer },
    // Guards against a hang, not measures of speed: a test that takes 20 s alone takes a minute or more
    // while other files' runners share the cores.
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});
