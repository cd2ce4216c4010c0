import { z } from 'zod';

/** `testloop select` options: each is a --flag, a TESTLOOP_* variable and a config key (top level or "select"). */
export const selectOptionsSchema = z.object({
  base: z
    .string()
    .min(1)
    .optional()
    .describe('base ref: select for everything changed since its merge base with HEAD'),
  changed: z.array(z.string().min(1)).optional().describe('changed files instead of a git diff, repeatable'),
  diffFile: z.string().min(1).optional().describe('read a unified diff from this file, or - for stdin'),
  format: z
    .enum(['list', 'json', 'vitest', 'jest', 'node'])
    .optional()
    .describe('list (one path per line), json, or a ready command line: vitest, jest, node'),
  run: z
    .boolean()
    .optional()
    .describe("run the selection with each package's own runner and exit with its status"),
  typeImports: z
    .boolean()
    .optional()
    .describe('follow import type edges (when type checking is part of the test run)'),
  alias: z
    .array(z.string().min(1))
    .optional()
    .describe('extra path alias find=replacement (replacement relative to the repository root), repeatable'),
  history: z
    .string()
    .min(1)
    .optional()
    .describe(
      'SQLite test history ordering each tier by recent failures, then speed (default .testloop/history.db, read when present); TESTLOOP_DATABASE_URL selects PostgreSQL',
    ),
  cache: z
    .boolean()
    .optional()
    .describe('use the graph cache in node_modules/.cache/testloop (default true)'),
});

export type SelectOptionsInput = z.infer<typeof selectOptionsSchema>;
