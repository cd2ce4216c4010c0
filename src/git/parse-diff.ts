import { TestloopError } from '../errors.ts';
import type { ChangedFile } from './types.ts';

const CR = 13;
const SPACE = 32;
const PLUS = 43;
const MINUS = 45;
const BACKSLASH = 92;

const HUNK_HEADER = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/;

/**
 * Parses a unified diff (git's, or plain `diff -u`) into the added lines of each new file.
 * Content lines are never decoded: the diff is read as latin1 so files in any encoding parse the same,
 * and only path names are decoded as UTF-8.
 */
export function parseUnifiedDiff(
  diff: Buffer | string,
  source: string,
  /** The text is whole sections of a longer diff that goes on: it must end where a hunk does. */
  more = false,
): ChangedFile[] {
  const text = typeof diff === 'string' ? diff : diff.toString('latin1');
  const files: ChangedFile[] = [];
  let current: ChangedFile | undefined;
  let newLine = 0;
  let oldRemaining = 0;
  let newRemaining = 0;
  let runStart = -1;
  /** Between a "diff --git" line and its ---/+++ pair. */
  let gitHeaderOpen = false;

  const closeRun = () => {
    if (current && runStart !== -1) {
      current.hunks.push({ start: runStart, end: newLine - 1 });
      runStart = -1;
    }
  };
  const startFile = (path: string, oldPath?: string) => {
    closeRun();
    current = { path, status: 'modified', binary: false, hunks: [] };
    if (oldPath !== undefined) current.oldPath = oldPath;
    files.push(current);
    oldRemaining = 0;
    newRemaining = 0;
  };

  let lineNo = 0;
  let pos = 0;
  // The empty tail after a final newline is a line only where the diff ends, as an empty context line.
  const last = more ? text.length - 1 : text.length;
  while (pos <= last) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = text.length;
    const start = pos;
    pos = end + 1;
    lineNo++;
    if (text.charCodeAt(end - 1) === CR && end > start) end--;

    if (oldRemaining > 0 || newRemaining > 0) {
      // Hunk lines are most of a diff: only their first character counts, so they are never sliced.
      const marker = end === start ? SPACE : text.charCodeAt(start);
      if (marker === PLUS) {
        if (runStart === -1) runStart = newLine;
        newLine++;
        newRemaining--;
        continue;
      }
      if (marker === MINUS) {
        oldRemaining--;
        continue;
      }
      if (marker === SPACE) {
        closeRun();
        newLine++;
        oldRemaining--;
        newRemaining--;
        continue;
      }
      if (marker === BACKSLASH) continue; // "\ No newline at end of file"
      throw new TestloopError(
        'TESTLOOP_BAD_DIFF',
        `${source}:${lineNo}: hunk ends early (expected ${oldRemaining} old and ${newRemaining} new lines). Pass a complete unified diff`,
      );
    }
    const line = text.slice(start, end);
    if (line.startsWith('\\')) continue;
    closeRun();

    if (line.startsWith('diff --git ')) {
      const paths = gitHeaderPaths(line.slice(11));
      startFile(paths?.[1] ?? '', paths?.[0]);
      gitHeaderOpen = true;
      continue;
    }
    if (line.startsWith('@@ ')) {
      gitHeaderOpen = false;
      const match = HUNK_HEADER.exec(line);
      if (!match || !current) {
        throw new TestloopError(
          'TESTLOOP_BAD_DIFF',
          `${source}:${lineNo}: malformed hunk header. Pass a unified diff (git diff or diff -u)`,
        );
      }
      const counts = /^@@ -\d+(?:,(\d+))?/.exec(line)!;
      oldRemaining = counts[1] === undefined ? 1 : Number(counts[1]);
      newLine = Number(match[1]);
      newRemaining = match[2] === undefined ? 1 : Number(match[2]);
      continue;
    }
    if (line.startsWith('--- ')) {
      const oldPath = headerPath(line.slice(4));
      // A plain `diff -u` has no "diff --git" line: its ---/+++ pair starts the file.
      if (!gitHeaderOpen) startFile('');
      gitHeaderOpen = false;
      if (oldPath === null) current!.status = 'added';
      else if (current!.oldPath === undefined) current!.oldPath = oldPath;
      continue;
    }
    if (line.startsWith('+++ ')) {
      if (!current) startFile('');
      const newPath = headerPath(line.slice(4));
      if (newPath === null) current!.status = 'deleted';
      else current!.path = newPath;
      continue;
    }
    if (!current) continue; // preamble such as a commit message
    if (line.startsWith('new file mode')) current.status = 'added';
    else if (line.startsWith('deleted file mode')) current.status = 'deleted';
    else if (line.startsWith('rename from ')) {
      current.oldPath = unquote(line.slice(12));
      current.status = 'renamed';
    } else if (line.startsWith('rename to ')) current.path = unquote(line.slice(10));
    else if (line.startsWith('copy from ')) {
      current.oldPath = unquote(line.slice(10));
      current.status = 'copied';
    } else if (line.startsWith('copy to ')) current.path = unquote(line.slice(8));
    else if (line.startsWith('Binary files ') || line === 'GIT binary patch') current.binary = true;
  }
  if (more && (oldRemaining > 0 || newRemaining > 0)) {
    throw new TestloopError(
      'TESTLOOP_BAD_DIFF',
      `${source}:${lineNo}: hunk ends early (expected ${oldRemaining} old and ${newRemaining} new lines). Pass a complete unified diff`,
    );
  }
  closeRun();
  for (const file of files) {
    if (file.path === '') {
      throw new TestloopError(
        'TESTLOOP_BAD_DIFF',
        `${source}: a file in the diff has no path. Pass a unified diff (git diff or diff -u)`,
      );
    }
    if (file.oldPath === file.path) delete file.oldPath;
  }
  return files;
}

/** "a/x b/y" from a `diff --git` line; quoted when the paths hold special characters. */
function gitHeaderPaths(rest: string): [string, string] | undefined {
  if (rest.startsWith('"')) {
    const [first, remainder] = takeQuoted(rest);
    const second = remainder.trimStart();
    const other = second.startsWith('"') ? takeQuoted(second)[0] : utf8(second);
    return [stripPrefix(first), stripPrefix(other)];
  }
  // Unquoted: both sides are equal length when unchanged; otherwise split at " b/".
  const middle = rest.length >> 1;
  if (rest[middle] === ' ' && rest.slice(2, middle) === rest.slice(middle + 3)) {
    return [stripPrefix(utf8(rest.slice(0, middle))), stripPrefix(utf8(rest.slice(middle + 1)))];
  }
  const split = rest.indexOf(' b/');
  if (split === -1) return undefined;
  return [stripPrefix(utf8(rest.slice(0, split))), stripPrefix(utf8(rest.slice(split + 1)))];
}

/** Path from a ---/+++ line; null for /dev/null. A tab may separate a timestamp. */
function headerPath(value: string): string | null {
  let path = value.startsWith('"') ? takeQuoted(value)[0] : value.split('\t')[0]!;
  if (!value.startsWith('"')) path = utf8(path.trimEnd());
  if (path === '/dev/null') return null;
  return stripPrefix(path);
}

function stripPrefix(path: string): string {
  return /^[abciwo12]\//.test(path) ? path.slice(2) : path;
}

function unquote(value: string): string {
  return value.startsWith('"') ? takeQuoted(value)[0] : utf8(value);
}

/** Git's C-style quoting: \t \n \" \\ and octal bytes, which together spell UTF-8. */
function takeQuoted(value: string): [string, string] {
  const bytes: number[] = [];
  let i = 1;
  for (; i < value.length && value[i] !== '"'; i++) {
    const ch = value[i]!;
    if (ch !== '\\') {
      bytes.push(value.charCodeAt(i) & 0xff);
      continue;
    }
    const next = value[++i]!;
    if (/[0-7]/.test(next)) {
      bytes.push(Number.parseInt(value.slice(i, i + 3), 8));
      i += 2;
    } else {
      const escapes: Record<string, number> = {
        t: 9,
        n: 10,
        r: 13,
        '"': 34,
        '\\': 92,
        a: 7,
        b: 8,
        f: 12,
        v: 11,
      };
      bytes.push(escapes[next] ?? next.charCodeAt(0));
    }
  }
  return [Buffer.from(bytes).toString('utf8'), value.slice(i + 1)];
}

function utf8(latin1: string): string {
  return Buffer.from(latin1, 'latin1').toString('utf8');
}
