import type { ToolDefinition } from '../tool.ts';
import { coverageGapsTool } from './coverage-gaps.ts';
import { explainFailureTool } from './explain-failure.ts';
import { flakyTestsTool } from './flaky-tests.ts';
import { generateTestsTool } from './generate-tests.ts';
import { runTestsTool } from './run-tests.ts';
import { selectTestsTool } from './select-tests.ts';

/** In the order an agent uses them on a change: what to run, run it, what is untested, tests for it, flakes. */
export const TOOLS: readonly ToolDefinition[] = [
  selectTestsTool,
  runTestsTool,
  coverageGapsTool,
  generateTestsTool,
  flakyTestsTool,
  explainFailureTool,
];
