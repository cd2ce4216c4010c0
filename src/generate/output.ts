import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { TestloopError } from '../errors.ts';

export interface NewFile {
  /** Repository-relative, POSIX separators. */
  path: string;
  content: string;
}

/**
 * The absolute path of a new test file, or an error: it must stay inside the repository, outside .git and
 * node_modules, be a test file, and not exist yet (the source under test and existing tests are never touched).
 */
export function safeTestPath(root: string, path: string): string {
  const absolute = resolve(root, path);
  const rel = relative(root, absolute);
  const parts = rel.split(sep);
  if (
    rel === '' ||
    rel.startsWith('..') ||
    isAbsolute(rel) ||
    parts.includes('.git') ||
    parts.includes('node_modules')
  )
    throw new TestloopError(
      'TESTLOOP_OUTPUT',
      `${path}: refusing to write outside the repository's source folders`,
    );
  if (!/\.(?:test|spec)\.[cm]?[jt]sx?$/.test(path))
    throw new TestloopError('TESTLOOP_OUTPUT', `${path}: refusing to write a file that is not a test file`);
  return absolute;
}

/** Writes new files only: an existing file is an error (flag wx), never overwritten. */
export async function writeNewFiles(root: string, files: readonly NewFile[]): Promise<string[]> {
  const absolute = files.map((file) => safeTestPath(root, file.path));
  const written: string[] = [];
  for (const [i, file] of files.entries()) {
    await mkdir(dirname(absolute[i]!), { recursive: true });
    try {
      await writeFile(absolute[i]!, file.content, { flag: 'wx' });
    } catch (error) {
      throw new TestloopError(
        'TESTLOOP_OUTPUT',
        `${file.path}: cannot write the test (${(error as NodeJS.ErrnoException).code ?? String(error)}); it was not overwritten`,
        { cause: error },
      );
    }
    written.push(file.path);
  }
  return written;
}

/** A git-style unified diff that adds each file (`git apply` reads it). */
export function newFilesPatch(root: string, files: readonly NewFile[]): string {
  const out: string[] = [];
  for (const file of files) {
    safeTestPath(root, file.path);
    const lines = file.content.split('\n');
    const endsWithNewline = lines[lines.length - 1] === '';
    if (endsWithNewline) lines.pop();
    out.push(
      `diff --git a/${file.path} b/${file.path}`,
      'new file mode 100644',
      '--- /dev/null',
      `+++ b/${file.path}`,
      `@@ -0,0 +1${lines.length === 1 ? '' : `,${lines.length}`} @@`,
      ...lines.map((line) => `+${line}`),
    );
    if (!endsWithNewline) out.push('\\ No newline at end of file');
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
