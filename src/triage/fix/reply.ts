// The model's proposed fix, read from its reply: the whole test file (JSON {code}, one fenced block: the
// forms generate accepts) or, with --allow-source, several files ({files: [{path, code}]}); and the checks
// that keep it inside the repository and, without --allow-source, inside the test files.

import { isAbsolute, posix } from 'node:path';
import * as z from 'zod';
import { notATestFile, readTestFile } from '../../generate/engines/llm/reply.ts';
import { stripThinking } from '../../llm/extract.ts';
import { type Parsed, parseStructured } from '../../llm/structured.ts';
import type { FileChange } from './types.ts';

export const filesSchema = z.object({
  files: z
    .array(
      z.object({
        path: z.string().describe('repository-relative path, POSIX separators'),
        code: z.string().describe('the whole new content of the file'),
      }),
    )
    .min(1),
});

/** Reads a reply as the files it changes; a bare test file stands for `testFile`. */
export function readFixReply(reply: string, testFile: string): Parsed<FileChange[]> {
  const text = stripThinking(reply).replace(/\r\n/g, '\n').trim();
  const several = parseStructured(text, filesSchema);
  if (several.ok) return { ok: true, value: several.value.files };
  const one = readTestFile(reply, testFile);
  if (one.ok) return { ok: true, value: [{ path: testFile, code: one.value.code }] };
  return one;
}

export interface ChangeRules {
  testFile: string;
  /** The package's test files (repository-relative): the files a fix may change without --allow-source. */
  testFiles: readonly string[];
  allowSource: boolean;
  /** The current content of a repository file, undefined when there is none. */
  current(path: string): string | undefined;
}

/**
 * The changes with their paths made repository-relative, or why they cannot be applied: a path outside
 * the repository (absolute, `..`, `.git`, node_modules), a source file without --allow-source, a test file
 * that does not parse, or nothing changed.
 */
export function checkChanges(changes: readonly FileChange[], rules: ChangeRules): Parsed<FileChange[]> {
  const byPath = new Map<string, string>();
  for (const change of changes) {
    const raw = change.path.replace(/\\/g, '/').trim();
    const path = posix.normalize(raw.replace(/^\.\//, ''));
    if (raw === '' || isAbsolute(raw) || /^[A-Za-z]:/.test(raw) || path === '..' || path.startsWith('../'))
      return { ok: false, detail: `${change.path} is outside the repository` };
    if (path.split('/').some((part) => part === '.git' || part === 'node_modules'))
      return { ok: false, detail: `${path} is not a file of the repository's own (.git, node_modules)` };
    const isTest = path === rules.testFile || rules.testFiles.includes(path);
    if (!isTest && !rules.allowSource)
      return {
        ok: false,
        detail: `${path} is not a test file: a fix may change source files only with --allow-source`,
      };
    if (path === rules.testFile) {
      const problem = notATestFile(change.code, path);
      if (problem !== undefined) return { ok: false, detail: `${path}: ${problem}` };
    }
    // A fenced block's body ends before its last newline: files end with one.
    byPath.set(path, change.code.endsWith('\n') || change.code === '' ? change.code : `${change.code}\n`);
  }
  const changed = [...byPath].filter(([path, code]) => rules.current(path) !== code);
  if (changed.length === 0) return { ok: false, detail: 'the reply changes nothing' };
  return { ok: true, value: changed.map(([path, code]) => ({ path, code })) };
}
