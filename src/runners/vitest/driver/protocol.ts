import type { RepeatResult } from '../../types.ts';

export type { RepeatResult };

// Messages between ./driver.ts (testloop) and ./child.ts (the validation process), over Node's IPC channel.
// The child runs next to generated code: the parent treats every reply as untrusted data.

/** How the child starts (its argv[2], as JSON). */
export interface DriverStart {
  /** Absolute path of the project's `vitest/node` entry. */
  vitestNode: string;
  /** vitest's root (the package folder, or the test script's --root). */
  root: string;
  config?: string;
  dir?: string;
  /** The child's own coverage folder; each coverage run's report is copied out of it. */
  reportsDir: string;
  /** Where the child writes the test runner that repeats each test (see child.ts repeatingRunner). */
  repeatRunner: string;
}

export interface DriverRequest {
  id: number;
  /** Absolute paths, run one after another, each in a fresh worker process. */
  files: string[];
  /** Measure coverage of `include` (globs, as `--coverage.include`) and copy the JSON report into `dir`. */
  coverage?: { dir: string; include: string[] };
  /**
   * Runs each test this many more times in its file's worker, its hooks each time (vitest's `repeats`),
   * so one fresh process tells whether it passes repeatedly.
   */
  repeats?: number;
}

export interface RunCounts {
  passed: number;
  failed: number;
  /** Skipped and todo. */
  skipped: number;
}

export type DriverReply =
  | { type: 'ready'; version: string }
  /** The driver cannot do this (or anything, without an `id`): run it the old way, one process per run. */
  | { type: 'unsupported'; id?: number; reason: string }
  | { type: 'output'; id: number | undefined; text: string }
  /** `exitCode` as `vitest run` would exit: 1 when a file failed, did not load, or was not run. */
  | {
      type: 'done';
      id: number;
      exitCode: number;
      counts?: RunCounts;
      repeats?: RepeatResult;
      error?: string;
    };
