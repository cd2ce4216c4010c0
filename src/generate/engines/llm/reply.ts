import { posix } from 'node:path';
import { parseSync } from 'oxc-parser';
import * as z from 'zod';
import { oneLine } from '../../../llm/errors.ts';
import { stripThinking } from '../../../llm/extract.ts';
import { type Parsed, parseStructured } from '../../../llm/structured.ts';

export const testFileSchema = z.object({ code: z.string().describe('the whole test file') });

export type TestFileReply = z.infer<typeof testFileSchema>;

/** A fenced block: its language tag and its body (an unclosed last fence runs to the end of the reply). */
const FENCE = /^ {0,3}(`{3,}|~{3,})[ \t]*([\w+.-]*)[^\n]*\n([\s\S]*?)(?:\n {0,3}\1[`~]*[ \t]*$|(?![\s\S]))/gm;
/** A call a test file makes: the frameworks' own names. */
const TEST_CALL = /\b(?:describe|it|test|suite)(?:\.\w+)*\s*\(/;
const DATA_LANGS = new Set(['json', 'jsonc', 'json5']);

/**
 * Reads a model's reply as one test file, in the forms models actually use: JSON `{"code": …}` (what the
 * prompt asks for and structured output enforces), a single fenced code block (local servers that ignore
 * the schema), or a bare test file. Anything else is unusable, with a reason the repair prompt carries.
 */
export function readTestFile(reply: string, testFile: string): Parsed<TestFileReply> {
  const text = stripThinking(reply).replace(/\r\n/g, '\n').trim();
  if (text === '') return { ok: false, detail: 'empty reply' };
  const structured = parseStructured(text, testFileSchema);
  if (structured.ok) return structured;
  const blocks = [...text.matchAll(FENCE)].map((m) => ({
    lang: (m[2] ?? '').toLowerCase(),
    body: m[3] ?? '',
  }));
  const code = blocks.filter((block) => !DATA_LANGS.has(block.lang));
  if (code.length > 1)
    return { ok: false, detail: `${code.length} fenced code blocks; reply with exactly one test file` };
  if (code.length === 1) {
    const problem = notATestFile(code[0]!.body, testFile);
    if (problem === undefined) return { ok: true, value: { code: code[0]!.body } };
    return { ok: false, detail: `the fenced code block is not a test file: ${problem}` };
  }
  // JSON that was meant (it starts like an object) keeps its own reason: a schema mismatch or a syntax error.
  if (blocks.length > 0 || text.startsWith('{')) return structured;
  const problem = notATestFile(text, testFile);
  if (problem === undefined) return { ok: true, value: { code: text } };
  return {
    ok: false,
    detail: `neither JSON {"code": …}, one fenced code block, nor a bare test file (${problem})`,
  };
}

/** Why `code` cannot be a test file in this repository's language, or undefined when it can. */
export function notATestFile(code: string, testFile: string): string | undefined {
  if (code.trim() === '') return 'it is empty';
  const parsed = parseSync(posix.basename(testFile), code);
  const error = parsed.errors.find((e) => e.severity === 'Error');
  if (error !== undefined) return `it does not parse: ${oneLine(error.message, 120)}`;
  if (!TEST_CALL.test(code)) return 'it declares no test (no describe, it or test call)';
  return undefined;
}
