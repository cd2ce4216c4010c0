import type { LlmClient } from '../../../llm/types.ts';
import type { TestEngine } from '../../types.ts';
import { systemPrompt, userPrompt } from './prompt.ts';
import { readTestFile, testFileSchema } from './reply.ts';

export { testFileSchema };

export interface LlmEngineOptions {
  client: LlmClient;
  /** Completion cap per request (default: the client's, 4096). */
  maxTokens?: number;
}

/**
 * Asks the model for a whole test file. The reply is only ever the content of the file testloop chose:
 * nothing in it picks a path or runs a command, and the source it reads is fenced as untrusted data.
 */
export function createLlmEngine(options: LlmEngineOptions): TestEngine {
  return {
    name: 'llm',
    async generate(context, repair) {
      const result = await options.client.complete({
        system: systemPrompt(context),
        user: userPrompt(context, repair),
        schema: testFileSchema,
        parse: (text) => readTestFile(text, context.testFile),
        ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }),
      });
      return { code: cleanCode(result.json!.code), usage: result.usage };
    },
  };
}

/** Unwraps a markdown fence the model put around the file and ends it with one newline. */
export function cleanCode(code: string): string {
  let text = code.replace(/\r\n/g, '\n');
  const fenced = /^\s*(`{3,})[\w-]*[^\n]*\n([\s\S]*?)\n\1\s*$/.exec(text);
  if (fenced) text = fenced[2]!;
  return `${text.replace(/\s+$/, '')}\n`;
}
