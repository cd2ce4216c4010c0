import * as z from 'zod';

/**
 * `testloop gaps` options, declared once: every key is also a --kebab-case flag, a TESTLOOP_* variable
 * and a key of testloop.config.* (top level or under "gaps").
 */
export const gapsOptionsSchema = z.object({
  base: z
    .string()
    .min(1)
    .optional()
    .describe('base ref to diff against (default: the PR base, else origin/HEAD)'),
  diffFile: z
    .string()
    .min(1)
    .optional()
    .describe('read a unified diff from this file, or - for stdin, instead of git'),
  coverage: z
    .array(z.string().min(1))
    .optional()
    .describe(
      'coverage report or V8 folder, repeatable; "format:path" forces a format (default: coverage/lcov.info, …)',
    ),
  include: z.array(z.string().min(1)).optional().describe('only changed files matching these globs'),
  exclude: z.array(z.string().min(1)).optional().describe('leave out changed files matching these globs'),
  srcRoots: z
    .array(z.string().min(1))
    .optional()
    .describe('source roots for package-relative report paths (JaCoCo), repeatable'),
  format: z
    .array(z.string().min(1))
    .optional()
    .describe('text, json, markdown, github, sarif, gitlab, lcov; "kind:path" writes a file; repeatable'),
  failUnder: z
    .number()
    .min(0)
    .max(100)
    .optional()
    .describe('exit 1 when diff coverage is below this percent'),
  allowEmpty: z.boolean().optional().describe('an empty diff is a clean result instead of an error'),
  maxDiffMb: z
    .number()
    .positive()
    .optional()
    .describe('refuse diffs larger than this many MiB (default 512)'),
});

export type GapsOptions = z.infer<typeof gapsOptionsSchema>;
