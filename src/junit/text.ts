/** Output kept per attempt: the head says what ran, the tail says how it ended. */
export const OUTPUT_LIMIT = 4096;
/** Stack and failure text kept per attempt. */
export const STACK_LIMIT = 8192;
export const MESSAGE_LIMIT = 2048;

/**
 * Text that may be huge (a test printing megabytes): keeps the first `head` and the last `tail`
 * characters, in bounded memory however much is appended.
 */
export class BoundedText {
  private start = '';
  private end = '';
  private omitted = 0;
  private readonly tailLimit: number;

  constructor(
    private readonly limit: number,
    headShare = 0.25,
  ) {
    this.tailLimit = limit - Math.floor(limit * headShare);
  }

  append(text: string): void {
    const headLimit = this.limit - this.tailLimit;
    if (this.start.length < headLimit) {
      const room = headLimit - this.start.length;
      this.start += text.slice(0, room);
      text = text.slice(room);
      if (text === '') return;
    }
    this.end += text;
    if (this.end.length > this.tailLimit * 2) this.shrink();
  }

  private shrink(): void {
    const cut = this.end.length - this.tailLimit;
    this.omitted += cut;
    this.end = this.end.slice(cut);
  }

  get isEmpty(): boolean {
    return this.start === '' && this.end === '';
  }

  toString(): string {
    if (this.end.length > this.tailLimit) this.shrink();
    if (this.omitted === 0) return this.start + this.end;
    return `${this.start}\n… [${this.omitted} characters omitted] …\n${this.end}`;
  }
}

/** Trims a finished text to `limit` characters the same way BoundedText does. */
export function bounded(text: string, limit: number, headShare = 0.25): string {
  if (text.length <= limit) return text;
  const buffer = new BoundedText(limit, headShare);
  buffer.append(text);
  return buffer.toString();
}

export function firstLine(text: string): string {
  const trimmed = text.trimStart();
  const end = trimmed.indexOf('\n');
  return (end === -1 ? trimmed : trimmed.slice(0, end)).trimEnd();
}

/** Text trimmed of blank lines around it, or undefined when nothing is left. */
export function nonEmpty(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.replace(/^\s*\n/, '').trimEnd();
  return trimmed.trim() === '' ? undefined : trimmed;
}

// CSI sequences (colors, cursor moves), OSC sequences (hyperlinks, titles) and two-character escapes.
const ANSI = new RegExp(
  [
    '\\u001b\\[[0-?]*[ -/]*[@-~]',
    '\\u001b\\][^\\u0007\\u001b]*(?:\\u0007|\\u001b\\\\)',
    '\\u001b[@-Z\\\\-_]',
    '\\u009b[0-?]*[ -/]*[@-~]',
  ].join('|'),
  'g',
);

export function stripAnsi(text: string): string {
  return text.includes('\u001b') || text.includes('\u009b') ? text.replace(ANSI, '') : text;
}

// GitHub Actions / Azure Pipelines `2024-01-01T00:00:00.0000000Z `, GitLab's timestamped logs
// `2024-01-01T00:00:00.000000Z 00O+ `, Jenkins timestamper `[2024-01-01T00:00:00.000Z] `,
// Buildkite `_bk;t=1704067200000\u0007`.
const CI_PREFIX =
  /^(?:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)? (?:\d\d[OE]\+? )?|\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\] ?)/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: Buildkite's marker ends with BEL.
const BUILDKITE = /_bk;t=\d+\u0007/g;

/**
 * One CI log line as the runner printed it: ANSI codes, CI timestamp prefixes and carriage-return
 * progress redraws removed (the text after the last `\r` is what the terminal showed).
 */
export function cleanLogLine(raw: string): string {
  let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  const cr = line.lastIndexOf('\r');
  if (cr !== -1) line = line.slice(cr + 1);
  if (line.includes('_bk;t=')) line = line.replace(BUILDKITE, '');
  line = stripAnsi(line);
  const first = line.charCodeAt(0);
  if ((first >= 0x30 && first <= 0x39) || first === 0x5b) line = line.replace(CI_PREFIX, '');
  return line;
}

// Workspace roots of common CI providers: a path under one of them is made repository-relative.
const CI_WORKSPACES = [
  /^\/home\/runner\/work\/[^/]+\/[^/]+\//, // GitHub-hosted Linux
  /^\/Users\/runner\/work\/[^/]+\/[^/]+\//, // GitHub-hosted macOS
  /^[A-Za-z]:\/a\/[^/]+\/[^/]+\//, // GitHub-hosted Windows
  /^\/__w\/[^/]+\/[^/]+\//, // GitHub container jobs
  /^\/github\/workspace\//, // GitHub Docker actions
  /^\/home\/vsts\/work\/\d+\/s\//, // Azure Pipelines
  /^\/home\/circleci\/(?:project|repo)\//, // CircleCI
  /^\/home\/travis\/build\/[^/]+\/[^/]+\//, // Travis CI
  /^\/(?:var\/lib\/jenkins|home\/jenkins(?:\/agent)?)\/workspace\/[^/]+\//, // Jenkins
];

/**
 * A report's file path as a repository-relative POSIX path: backslashes become slashes, `file://` and
 * `./` prefixes go, and absolute paths lose the CI workspace root (`$GITHUB_WORKSPACE`,
 * `$CI_PROJECT_DIR`, the known runner layouts, or the current directory). Anything else is kept as
 * written, so the same report always yields the same path.
 */
export function repoRelative(path: string): string {
  if (path === lastPath) return lastRelative;
  lastRelative = toRepoRelative(path);
  lastPath = path;
  return lastRelative;
}

// Reports repeat the same path for every testcase of a file: one remembered answer saves the regexes.
let lastPath = '';
let lastRelative = '';

function toRepoRelative(path: string): string {
  let file = path.trim().replace(/\\/g, '/');
  if (file === '') return '';
  if (file.startsWith('file://')) file = decodeURIComponent(file.slice(7));
  if (/^\/[A-Za-z]:\//.test(file)) file = file.slice(1);
  if (file.startsWith('/') || /^[A-Za-z]:\//.test(file)) {
    for (const root of workspaceRoots()) {
      if (file.startsWith(root)) return stripDot(file.slice(root.length));
    }
    for (const pattern of CI_WORKSPACES) {
      const match = pattern.exec(file);
      if (match) return file.slice(match[0].length);
    }
    return file;
  }
  return stripDot(file);
}

function stripDot(file: string): string {
  while (file.startsWith('./')) file = file.slice(2);
  return file;
}

let roots: string[] | undefined;
function workspaceRoots(): string[] {
  if (roots) return roots;
  const found = [process.env.GITHUB_WORKSPACE, process.env.CI_PROJECT_DIR, process.cwd()];
  roots = found
    .filter((root): root is string => typeof root === 'string' && root.length > 1)
    .map((root) => `${root.replace(/\\/g, '/').replace(/\/+$/, '')}/`);
  return roots;
}

/** Looks like a source file path: has a file extension in its last segment (`test/cart.test.ts`). */
export function isPathLike(text: string): boolean {
  if (text === lastLike) return lastLikeAnswer;
  lastLikeAnswer = text !== '' && !/\s›\s|\s>\s/.test(text) && PATH_LIKE.test(text);
  lastLike = text;
  return lastLikeAnswer;
}

const PATH_LIKE = /(?:^|[/\\])[^/\\\s]+\.(?:[cm]?[jt]sx?|py|go|rb|java|kt|cs|php|rs|vue|svelte)$/i;
let lastLike = '';
let lastLikeAnswer = false;

/**
 * A copy of `text` that does not point into the chunk it was sliced from. V8 keeps substrings of 13+
 * characters as views on their parent string, so an attempt holding a test name would otherwise keep
 * a whole 1 MB read chunk alive; consumers that keep many attempts would hold the whole file.
 */
export function detach(text: string): string {
  return text.length < 13 ? text : `${text} `.slice(0, -1);
}

/** `TypeError: x`, `AssertionError [ERR_ASSERTION]: x`, `java.net.SocketTimeoutException: x` → the type. */
export function errorTypeOf(message: string | undefined): string | undefined {
  if (message === undefined) return undefined;
  const match =
    /^\s*((?:[A-Za-z_$][\w$]*\.)*(?:[A-Z][\w$]*)?(?:Error|Exception|Failure|Timeout))\b(?: \[[\w$]+\])?(?::|$)/.exec(
      message,
    );
  return match?.[1];
}
