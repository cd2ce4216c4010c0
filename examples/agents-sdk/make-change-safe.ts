// An agent built on the OpenAI Agents SDK that reaches testloop through `testloop mcp`: asked to make a
// change safe, it selects the affected tests, runs them, reads the coverage gaps and asks for tests.
// docs/mcp.md shows this file; test/mcp/agents-sdk.test.ts runs it against a scripted local model.
import { Agent, MCPServerStdio, type ModelProvider, Runner } from '@openai/agents';

export interface MakeChangeSafeOptions {
  /** The repository the agent works on. */
  cwd: string;
  /** How testloop starts, e.g. ['npx', 'testloop', 'mcp']. */
  command: string[];
  model: string;
  /** Where the model is: the SDK's OpenAIProvider with your endpoint, or its default (OPENAI_API_KEY). */
  modelProvider?: ModelProvider;
  env?: Record<string, string>;
}

export async function makeChangeSafe(options: MakeChangeSafeOptions): Promise<string> {
  const [command, ...args] = options.command;
  const testloop = new MCPServerStdio({
    name: 'testloop',
    command: command!,
    args,
    cwd: options.cwd,
    ...(options.env ? { env: options.env } : {}),
  });
  await testloop.connect();
  try {
    const agent = new Agent({
      name: 'Change reviewer',
      instructions:
        'Make the working change safe to merge: select the tests it affects and run them, read the changed lines no test covers, and ask testloop for tests that cover them. Report what you found.',
      model: options.model,
      mcpServers: [testloop],
    });
    const runner = new Runner({
      tracingDisabled: true,
      ...(options.modelProvider ? { modelProvider: options.modelProvider } : {}),
    });
    const result = await runner.run(agent, 'Make this change safe.', { maxTurns: 10 });
    return String(result.finalOutput ?? '');
  } finally {
    await testloop.close();
  }
}
