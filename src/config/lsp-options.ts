import type { OptionsOf, OptionTable } from './option-table.ts';

/**
 * `testloop lsp` options: each is a --flag, a TESTLOOP_* variable and a config key (top level or "lsp").
 * The client's initializationOptions override them key by key (base, coverage, history, model).
 */
export const LSP_OPTIONS = {
  stdio: {
    type: 'boolean',
    description: 'speak the protocol over standard input and output (the only transport; required)',
  },
  base: {
    type: 'string',
    description: 'base ref of the change (default: the PR base, else origin/HEAD, as testloop gaps)',
  },
  coverage: {
    type: 'array',
    description:
      'coverage report, repeatable; "format:path" forces a format (default: coverage/lcov.info, …); read again when it changes',
  },
  history: {
    type: 'string',
    description:
      'SQLite test history for hovers on tests (default .testloop/history.db); TESTLOOP_DATABASE_URL selects PostgreSQL',
  },
} as const satisfies OptionTable;

export type LspOptionsInput = OptionsOf<typeof LSP_OPTIONS>;
