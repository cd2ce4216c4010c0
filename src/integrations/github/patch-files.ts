/** Reads the files back out of the patch `testloop generate --patch` writes (new files only). */
import type { NewFile } from '../../generate/output.ts';

/**
 * Each `new file` section of a git-style unified diff, with its full content. Sections that modify an
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
