import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ListToolsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { isTestloopError } from '../errors.ts';
import { bound } from './bound.ts';
import { unknownArgument } from './cli-call.ts';
import type { ToolContext, ToolDefinition } from './tool.ts';
import { TOOL_LIST } from './tool-list.ts';

/**
 * The MCP server: one tool per capability, each a thin call into the same code the CLI runs. A bad call
 * is a tool error with the CLI's code and message; the server keeps serving.
 */
export function createServer(context: ToolContext): Server {
  const server = new Server(
    { name: 'testloop', version: context.version },
    {
      capabilities: { tools: {} },
      instructions:
        'testloop knows which tests a change affects (select_tests), runs them (run_tests), finds the changed lines no test covers (coverage_gaps), writes validated tests for them (generate_tests) and tells flaky tests from broken ones (flaky_tests, explain_failure).',
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [...TOOL_LIST] }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    // The tools, and the engines behind them, load on the first call: tools/list needs none of them.
    const { TOOLS } = await import('./tools/index.ts');
    const tool = TOOLS.find((t) => t.name === request.params.name);
    if (!tool) return failure(`testloop: error TESTLOOP_USAGE: unknown tool "${request.params.name}"`);
    return callTool(tool, request.params.arguments ?? {}, context);
  });
  return server;
}

export async function serveStdio(context: ToolContext): Promise<void> {
  const server = createServer(context);
  const closed = new Promise<void>((resolve) => {
    server.onclose = resolve;
  });
  await server.connect(new StdioServerTransport());
  // The client closing our stdin is the end of the session.
  process.stdin.once('end', () => void server.close());
  context.log(`testloop mcp: serving ${context.cwd} on stdio\n`);
  await closed;
}

async function callTool(
  tool: ToolDefinition,
  args: Record<string, unknown>,
  context: ToolContext,
): Promise<CallToolResult> {
  try {
    const known = Object.keys(tool.inputSchema().shape);
    for (const key of Object.keys(args)) if (!known.includes(key)) throw unknownArgument(key, known);
    const answer = await tool.call(args, context);
    const { value, cut } = bound(answer.structured, context.answerLimit);
    const note =
      cut.length === 0
        ? ''
        : `\nCut to fit (the answer is bounded; narrow the arguments for the rest): ${cut.join('; ')}`;
    return {
      content: [{ type: 'text', text: `${answer.summary}${note}` }],
      structuredContent: cut.length === 0 ? value : { ...value, truncated: cut },
    };
  } catch (error) {
    if (isTestloopError(error)) return failure(`testloop: error ${error.code}: ${error.message}`);
    context.log(`testloop mcp: ${tool.name}: ${(error as Error)?.stack ?? error}\n`);
    return failure(
      `testloop: internal error: ${(error as Error)?.message ?? error}. Please report it with the server's stderr`,
    );
  }
}

function failure(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}
