import type { OptionsOf, OptionTable } from './option-table.ts';

/**
 * `testloop select` options: each is a --flag, a TESTLOOP_* variable and a config key (top level or
 * "select"). Plain data, so `select` parses its flags without loading zod (see resolveTableOptions).
 */
export const SELECT_OPTIONS = {
  base: {
    type: 'string',
    description: 'base ref: select for everything changed since its merge base with HEAD',
  },
  changed: { type: 'array', description: 'changed files instead of a git diff, repeatable' },
  diffFile: { type: 'string', description: 'read a unified diff from this file, or - for stdin' },
  format: {
    type: 'string',
    choices: ['list', 'json', 'vitest', 'jest', 'node'],
    description: 'list (one path per line), json, or a ready command line: vitest, jest, node',
  },
  run: {
    type: 'boolean',
    description: "run the selection with each package's own runner and exit with its status",
  },
  typeImports: {
    type: 'boolean',
    description: 'follow import type edges (when type checking is part of the test run)',
  },
  alias: {
    type: 'array',
    description:
      'extra path alias find=replacement (replacement relative to the repository root), repeatable',
  },
  history: {
    type: 'string',
    description:
      'SQLite test history ordering each tier by recent failures, then speed (default .testloop/history.db, read when present); TESTLOOP_DATABASE_URL selects PostgreSQL',
  },
  shard: {
    type: 'string',
    description:
      "this machine's part of the selection on a parallel CI job: index/total counting from 1 (2/4), or auto from CircleCI, Buildkite or GitLab variables; balanced by the history's durations",
  },
  cache: {
    type: 'boolean',
    description: 'use the graph cache in node_modules/.cache/testloop (default true)',
  },
} as const satisfies OptionTable;

export type SelectOptionsInput = OptionsOf<typeof SELECT_OPTIONS>;
