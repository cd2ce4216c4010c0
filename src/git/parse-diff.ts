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
  const parser = new DiffParser(source);
  let pos = 0;
  // The empty tail after a final newline is a line only where the diff ends, as an empty context line.
  const last = more ? text.length - 1 : text.length;
  while (pos <= last) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = text.length;
    const start = pos;
    pos = end + 1;
    parser.lineNo++;
    if (text.charCodeAt(end - 1) === CR && end > start) end--;
    // Hunk lines are most of a diff: only their first character counts, so they are never sliced.
    if (parser.inHunk()) parser.hunkLine(end === start ? SPACE : text.charCodeAt(start));
    else parser.headerLine(text.slice(start, end));
  }
  if (more && parser.inHunk()) throw parser.hunkEndsEarly();
  return parser.finish();
}

/** The state of one diff being read: the file being read and where its current hunk stands. */
class DiffParser {
  readonly files: ChangedFile[] = [];
  lineNo = 0;
  private current: ChangedFile | undefined;
  private newLine = 0;
  private oldRemaining = 0;
  private newRemaining = 0;
  private runStart = -1;
  /** Between a "diff --git" line and its ---/+++ pair. */
  private gitHeaderOpen = false;

  constructor(private readonly source: string) {}

  inHunk(): boolean {
    return this.oldRemaining > 0 || this.newRemaining > 0;
  }

  /** A line inside a hunk, by its first character. */
  hunkLine(marker: number): void {
    if (marker === PLUS) {
      if (this.runStart === -1) this.runStart = this.newLine;
      this.newLine++;
      this.newRemaining--;
    } else if (marker === MINUS) {
      this.oldRemaining--;
    } else if (marker === SPACE) {
      this.closeRun();
      this.newLine++;
      this.oldRemaining--;
      this.newRemaining--;
    } else if (marker !== BACKSLASH) {
      // Anything but "\ No newline at end of file".
      throw this.hunkEndsEarly();
    }
  }

  hunkEndsEarly(): TestloopError {
    return new TestloopError(
      'TESTLOOP_BAD_DIFF',
      `${this.source}:${this.lineNo}: hunk ends early (expected ${this.oldRemaining} old and ${this.newRemaining} new lines). Pass a complete unified diff`,
    );
  }

  /** A line outside hunks: a file's header, a hunk's header, or a preamble. */
  headerLine(line: string): void {
    if (line.startsWith('\\')) return;
    this.closeRun();
    if (line.startsWith('diff --git ')) {
      const paths = gitHeaderPaths(line.slice(11));
      this.startFile(paths?.[1] ?? '', paths?.[0]);
      this.gitHeaderOpen = true;
    } else if (line.startsWith('@@ ')) this.hunkHeader(line);
    else if (line.startsWith('--- ')) {
      const oldPath = headerPath(line.slice(4));
      // A plain `diff -u` has no "diff --git" line: its ---/+++ pair starts the file.
      if (!this.gitHeaderOpen) this.startFile('');
      this.gitHeaderOpen = false;
      if (oldPath === null) this.current!.status = 'added';
      else if (this.current!.oldPath === undefined) this.current!.oldPath = oldPath;
    } else if (line.startsWith('+++ ')) {
      if (!this.current) this.startFile('');
      const newPath = headerPath(line.slice(4));
      if (newPath === null) this.current!.status = 'deleted';
      else this.current!.path = newPath;
    } else if (this.current) fileHeaderLine(this.current, line); // else a preamble such as a commit message
  }

  private hunkHeader(line: string): void {
    this.gitHeaderOpen = false;
    const match = HUNK_HEADER.exec(line);
    if (!match || !this.current) {
      throw new TestloopError(
        'TESTLOOP_BAD_DIFF',
        `${this.source}:${this.lineNo}: malformed hunk header. Pass a unified diff (git diff or diff -u)`,
      );
    }
    const counts = /^@@ -\d+(?:,(\d+))?/.exec(line)!;
    this.oldRemaining = counts[1] === undefined ? 1 : Number(counts[1]);
    this.newLine = Number(match[1]);
    this.newRemaining = match[2] === undefined ? 1 : Number(match[2]);
  }

  private closeRun(): void {
    if (this.current && this.runStart !== -1) {
      this.current.hunks.push({ start: this.runStart, end: this.newLine - 1 });
      this.runStart = -1;
    }
  }

  private startFile(path: string, oldPath?: string): void {
    this.closeRun();
    this.current = { path, status: 'modified', binary: false, hunks: [] };
    if (oldPath !== undefined) this.current.oldPath = oldPath;
    this.files.push(this.current);
    this.oldRemaining = 0;
    this.newRemaining = 0;
  }

  finish(): ChangedFile[] {
    this.closeRun();
    for (const file of this.files) {
      if (file.path === '') {
        throw new TestloopError(
          'TESTLOOP_BAD_DIFF',
          `${this.source}: a file in the diff has no path. Pass a unified diff (git diff or diff -u)`,
        );
      }
      if (file.oldPath === file.path) delete file.oldPath;
    }
    return this.files;
  }
}

/** git's extended header lines of a file: its status, renames and copies, binary content. */
function fileHeaderLine(current: ChangedFile, line: string): void {
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
