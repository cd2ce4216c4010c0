import type { OptionsOf, OptionTable } from './option-table.ts';

/** `testloop mcp` options: each is a --flag, a TESTLOOP_* variable and a config key ("mcp"). */
export const MCP_OPTIONS = {
  answerLimit: {
    type: 'number',
    description:
      'most characters of JSON in one tool answer (default 40000): longer lists are cut, and the answer says what was cut',
  },
} as const satisfies OptionTable;

export type McpOptionsInput = OptionsOf<typeof MCP_OPTIONS>;
