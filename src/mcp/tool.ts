import type { ZodObject } from 'zod';

/** What every tool call gets from the server: the project it serves and where its logs go. */
export interface ToolContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  version: string;
  /** The config file every call reads (--config of `testloop mcp`); default: found in `cwd`. */
  config?: string;
  /** Most characters of JSON in one answer (see bound.ts). */
  answerLimit?: number;
  /** Lines for stderr (the protocol owns stdout). */
  log(text: string): void;
}

export interface ToolAnswer {
  /** A few lines for the agent to read; the data is in `structured`. */
  summary: string;
  /** The same JSON the CLI prints with --format json for these options (or the tool's own shape). */
  structured: Record<string, unknown>;
}

export interface ToolDefinition {
  name: string;
  title: string;
  description: string;
  /** The CLI's option declaration the arguments come from, narrowed to what the tool takes. */
  inputSchema(): ZodObject;
  call(args: Record<string, unknown>, context: ToolContext): Promise<ToolAnswer>;
}
