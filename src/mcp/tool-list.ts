import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';
import type { ToolDefinition } from './tool.ts';
import { TOOLS } from './tools/index.ts';

/**
 * The tools/list answer: each tool's name, title, description and its arguments' JSON Schema. The build
 * replaces this module with the list it computes from it (scripts/mcp-startup.js), so that the server
 * answers tools/list without loading the tools, their option schemas or zod's JSON Schema writer.
 */
export const TOOL_LIST: readonly Tool[] = TOOLS.map(describe);

function describe(tool: ToolDefinition): Tool {
  const schema = z.toJSONSchema(tool.inputSchema(), { io: 'input' }) as Tool['inputSchema'];
  delete (schema as Record<string, unknown>).$schema;
  return { name: tool.name, title: tool.title, description: tool.description, inputSchema: schema };
}
