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

/**
 * The files a patch of new files adds (newFilesPatch's inverse): each `new file` section of a git-style unified diff, with its full content. Sections that modify an
 * existing file are ignored: the generator only ever adds files.
 */
export function filesOfPatch(patch: string): NewFile[] {
  const files: NewFile[] = [];
  const lines = patch.split('\n');
  let current:
    | { path: string; lines: string[]; newFile: boolean; inHunk: boolean; noNewline: boolean }
    | undefined;
  const finish = () => {
    if (current?.newFile) {
      const content = current.lines.join('\n');
      files.push({
        path: current.path,
        content: current.noNewline || content === '' ? content : `${content}\n`,
      });
    }
  };
  for (const line of lines) {
    const header = /^diff --git a\/(.+) b\/(.+)$/.exec(line);
    if (header) {
      finish();
      current = { path: header[2]!, lines: [], newFile: false, inHunk: false, noNewline: false };
      continue;
    }
    if (current === undefined) continue;
    if (!current.inHunk) {
      if (line.startsWith('new file mode')) current.newFile = true;
      else if (line.startsWith('+++ b/')) current.path = line.slice('+++ b/'.length);
      else if (line.startsWith('@@')) current.inHunk = true;
      continue;
    }
    if (line.startsWith('+')) current.lines.push(line.slice(1));
    else if (line.startsWith('\\ No newline')) current.noNewline = true;
  }
  finish();
  return files;
}
