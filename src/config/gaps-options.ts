import type { OptionsOf, OptionTable } from './option-table.ts';

/**
 * `testloop gaps` options: every key is also a --kebab-case flag, a TESTLOOP_* variable and a key of
 * testloop.config.* (top level or under "gaps"). Plain data, so `gaps` parses its flags without loading
 * zod (see resolveTableOptions).
 */
export const GAPS_OPTIONS = {
  base: {
    type: 'string',
    description: 'base ref to diff against (default: the PR base, else origin/HEAD)',
  },
  diffFile: {
    type: 'string',
    description: 'read a unified diff from this file, or - for stdin, instead of git',
  },
  coverage: {
    type: 'array',
    description:
      'coverage report or V8 folder, repeatable; "format:path" forces a format (default: coverage/lcov.info, …)',
  },
  include: { type: 'array', description: 'only changed files matching these globs' },
  exclude: { type: 'array', description: 'leave out changed files matching these globs' },
  srcRoots: {
    type: 'array',
    description: 'source roots for package-relative report paths (JaCoCo), repeatable',
  },
  format: {
    type: 'array',
    description: 'text, json, markdown, github, sarif, gitlab, lcov; "kind:path" writes a file; repeatable',
  },
  failUnder: {
    type: 'number',
    min: 0,
    max: 100,
    description: 'exit 1 when diff coverage is below this percent',
  },
  allowEmpty: { type: 'boolean', description: 'an empty diff is a clean result instead of an error' },
  maxDiffMb: {
    type: 'number',
    above: 0,
    description: 'refuse diffs larger than this many MiB (default 512)',
  },
} as const satisfies OptionTable;

export type GapsOptions = OptionsOf<typeof GAPS_OPTIONS>;
