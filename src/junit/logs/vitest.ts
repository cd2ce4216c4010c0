import { FILE_ERROR_NAME } from '../dialects.ts';
import type { Warnings } from '../stream.ts';
import { BoundedText, isPathLike, OUTPUT_LIMIT, repoRelative } from '../text.ts';
import type { AttemptStatus, TestAttempt } from '../types.ts';
import { BoundedMap, ErrorBlock, type FailureDetails, makeAttempt, parseDuration } from './attempt.ts';
import type { LogFormat, LogParser } from './lines.ts';

const MAX_HELD = 50_000;

const RESULT = /^(\s*)([✓✔√×✗✘↓⇣❯])\s+(.*)$/;
const FILE_SUMMARY = /^(.+?\.[\w]+) \(\d+ tests?(?: \|[^)]*)?\)(?: \d+(?:\.\d+)?m?s)?$/;
const RETRY_SUFFIX = /\s+\((retry|repeat) x(\d+)\)$/;
const TAG_SUFFIX = /\s+\[[^\]]*\]$/;
const DURATION_SUFFIX = /\s+(\d+(?:\.\d+)?)(ms|s)$/;
const FAIL = /^\s*FAIL\s+(?:\|[^|]+\|\s+)?(.+?)\s*$/;
const SECTION = /⎯\s*(Failed Tests|Failed Suites|Unhandled Errors?|Errors?)\b[^⎯]*⎯/;
const SEPARATOR = /^\s*⎯{3,}/;
const OUTPUT_HEADER = /^(stdout|stderr) \| (.+?)\s*$/;

interface Identity {
  file: string;
  suite: string[];
  name: string;
  fileError: boolean;
}

interface Held {
  identity: Identity;
  durationMs: number;
  retries: number;
  message: string | undefined;
}

/**
 * Parses vitest's `default` and `verbose` reporters (colours and CI prefixes removed first).
 *
 * - `verbose` prints every test as `✓ file > suite > name 12ms`: passing, skipped and failed tests
 *   are all recorded; `(retry xN)` becomes N failed attempts before the final one.
 * - `default` prints tests by name only under files that failed, without their describe path: only
 *   the `FAIL file > suite > name` blocks identify tests, so passing tests are not recorded (a warning
 *   says so) and durations/retries of failed tests are matched from the tree by name and depth.
 * - `FAIL` blocks give the message (first line), the error type and the stack (`❯ file:line:col`
 *   lines and the message, code frames left out). `Failed Suites` entries are hook or import failures:
 *   `FAIL file [ file ]` is the file-level attempt `file › (file)` with status error.
 */
class VitestLogParser implements LogParser {
  out: TestAttempt[] = [];
  private section: 'tests' | 'suites' | 'other' | undefined;
  private headers: Identity[] = [];
  private block: ErrorBlock | undefined;
  private readonly held = new Map<string, Held>();
  private lastHeld: Held | undefined;
  private readonly tree = new BoundedMap<{ durationMs: number; retries: number }>(MAX_HELD);
  private treeFile = '';
  private treeIndent = 0;
  private readonly outputs = new BoundedMap<BoundedText>(1000);
  private output: BoundedText | undefined;
  private verboseLines = 0;
  private treeFiles = 0;
  private hiddenRetries = 0;

  constructor(
    private readonly source: string,
    private readonly warnings: Warnings,
  ) {}

  line(text: string): void {
    if (this.output !== undefined) {
      if (text.trim() === '') this.output = undefined;
      else this.output.append(`${text}\n`);
      return;
    }
    // Cheap character checks first: most lines of a big log are result lines.
    const section = text.includes('⎯') ? SECTION.exec(text) : null;
    if (section) {
      this.finishBlock();
      const name = section[1]!;
      this.section = name === 'Failed Tests' ? 'tests' : name === 'Failed Suites' ? 'suites' : 'other';
      return;
    }
    if (this.section !== undefined && this.failureLine(text)) return;
    if (
      (text.includes('RUN') && /^\s*RUN\s+v\d/.test(text)) ||
      (text.includes('Test Files') && /^\s*Test Files\s/.test(text))
    ) {
      this.finishBlock();
      this.section = undefined;
      this.flushHeld();
      return;
    }
    const output = text.startsWith('std') ? OUTPUT_HEADER.exec(text) : null;
    if (output) {
      // One block per attempt (and per stream): a retried test has several.
      let buffer = this.outputs.get(output[2]!);
      if (buffer === undefined) {
        buffer = new BoundedText(OUTPUT_LIMIT);
        this.outputs.set(output[2]!, buffer);
      } else {
        buffer.append('\n');
      }
      this.output = buffer;
      return;
    }
    const result = RESULT.exec(text);
    if (result) {
      this.result(result[1]!.length, result[2]!, result[3]!);
      return;
    }
    const arrow = text.includes('→') ? /^\s*→ (.*)$/.exec(text) : null;
    if (arrow && this.lastHeld !== undefined && this.lastHeld.message === undefined)
      this.lastHeld.message = arrow[1]!;
  }

  end(): void {
    this.finishBlock();
    this.flushHeld();
    if (this.treeFiles > 0 && this.verboseLines === 0) {
      this.warnings.add(
        `${this.source}: vitest's default reporter names only failed tests, so passing tests are not recorded; run vitest with --reporter=verbose (or a JUnit report) to record every test`,
      );
    }
    if (this.hiddenRetries > 0) {
      this.warnings.add(
        `${this.source}: ${this.hiddenRetries} tests passed after retries, but the default reporter omits their describe path so they cannot be recorded; use --reporter=verbose`,
      );
    }
  }

  /** Lines inside the Failed Tests / Failed Suites sections. Returns false for lines it does not own. */
  private failureLine(text: string): boolean {
    if (/^\s*Test Files\s/.test(text)) return false;
    const fail = FAIL.exec(text);
    if (fail) {
      if (this.block !== undefined) this.finishBlock();
      this.headers.push(identityOf(fail[1]!));
      return true;
    }
    if (SEPARATOR.test(text)) {
      // `⎯⎯⎯[1/5]⎯` ends a block; a bare rule (before "Serialized Error") does not.
      if (/\[\d+\/\d+\]/.test(text)) this.finishBlock();
      return true;
    }
    if (this.headers.length === 0) return this.section === 'other';
    if (/^\s+\d+\|/.test(text) || /^\s+\|/.test(text)) return true;
    this.block ??= new ErrorBlock();
    this.block.add(text);
    return true;
  }

  private finishBlock(): void {
    const headers = this.headers;
    if (headers.length === 0) return;
    const details = this.block?.details() ?? {};
    // vitest's JUnit report keeps the error name apart (`type`); the log's `Name: message` is split so
    // both read the same.
    if (details.errorType !== undefined && details.message?.startsWith(`${details.errorType}: `)) {
      details.message = details.message.slice(details.errorType.length + 2);
    }
    this.headers = [];
    this.block = undefined;
    for (const identity of headers) {
      if (identity.fileError) {
        this.emit(identity, 'error', 0, 0, details);
        continue;
      }
      const key = keyOf(identity);
      const held = this.held.get(key);
      if (held !== undefined) {
        this.held.delete(key);
        this.emit(identity, 'failed', held.durationMs, held.retries, details);
        continue;
      }
      const depth = identity.suite.length + 1;
      const tree = this.tree.get(`${identity.file}\u0000${depth}\u0000${identity.name}`);
      this.emit(identity, 'failed', tree?.durationMs ?? 0, tree?.retries ?? 0, details);
    }
  }

  private result(indent: number, symbol: string, rest: string): void {
    const { title, durationMs, retries } = parseSuffixes(rest.trimEnd());
    const status: AttemptStatus =
      symbol === '↓' || symbol === '⇣' ? 'skipped' : isFailure(symbol) ? 'failed' : 'passed';
    const summary = rest.includes(' test') ? FILE_SUMMARY.exec(rest) : null;
    if (summary && isPathLike(summary[1]!)) {
      this.treeFile = repoRelative(summary[1]!);
      this.treeIndent = indent;
      this.treeFiles++;
      return;
    }
    if (symbol === '❯') return;
    const separator = title.indexOf(' > ');
    if (separator !== -1 && isPathLike(title.slice(0, separator))) {
      this.verboseLines++;
      const identity = identityOf(title);
      if (status === 'failed') {
        const held: Held = { identity, durationMs, retries, message: undefined };
        this.hold(keyOf(identity), held);
        this.lastHeld = held;
      } else {
        this.emit(identity, status, durationMs, retries, undefined);
      }
      return;
    }
    // A default-reporter tree line: the test's own name, indented by depth under its file.
    if (this.treeFile === '' || indent <= this.treeIndent) return;
    const depth = Math.max(1, Math.round((indent - this.treeIndent) / 2));
    if (status === 'failed') {
      this.tree.set(`${this.treeFile}\u0000${depth}\u0000${title.trim()}`, { durationMs, retries });
    } else if (retries > 0) {
      this.hiddenRetries++;
    }
  }

  private hold(key: string, held: Held): void {
    if (this.held.size >= MAX_HELD) {
      const [oldestKey, oldest] = this.held.entries().next().value!;
      this.held.delete(oldestKey);
      this.emitHeld(oldest);
    }
    this.held.set(key, held);
  }

  private flushHeld(): void {
    for (const held of this.held.values()) this.emitHeld(held);
    this.held.clear();
    this.lastHeld = undefined;
  }

  private emitHeld(held: Held): void {
    const details: FailureDetails = {};
    if (held.message !== undefined) details.message = held.message;
    this.emit(held.identity, 'failed', held.durationMs, held.retries, details);
  }

  /** `retries` earlier failed attempts, then the final one. */
  private emit(
    identity: Identity,
    status: AttemptStatus,
    durationMs: number,
    retries: number,
    details: FailureDetails | undefined,
  ): void {
    const { file, suite, name } = identity;
    const output = this.outputs.size === 0 ? undefined : this.outputs.get(pathText(identity));
    const withOutput: FailureDetails | undefined =
      output === undefined ? details : { ...details, output: output.toString() };
    for (let retry = 0; retry < retries; retry++) {
      const earlier = status === 'failed' ? details : undefined;
      this.out.push(makeAttempt(file, suite, name, 'failed', 0, retry, earlier));
    }
    this.out.push(makeAttempt(file, suite, name, status, durationMs, retries, withOutput));
  }
}

/** `name 12ms [slow] (retry x2)` → the name, 12 ms, 2 retries; checked from the end, cheapest first. */
function parseSuffixes(text: string): { title: string; durationMs: number; retries: number } {
  let rest = text;
  let retries = 0;
  if (rest.endsWith(')')) {
    const retry = RETRY_SUFFIX.exec(rest);
    if (retry) {
      if (retry[1] === 'retry') retries = Number(retry[2]);
      rest = rest.slice(0, retry.index);
    }
  }
  if (rest.endsWith(']')) {
    const tag = TAG_SUFFIX.exec(rest);
    if (tag) rest = rest.slice(0, tag.index);
  }
  let durationMs = 0;
  if (rest.endsWith('s')) {
    const duration = DURATION_SUFFIX.exec(rest);
    if (duration) {
      durationMs = parseDuration(duration[1], duration[2]);
      rest = rest.slice(0, duration.index);
    }
  }
  return { title: rest.replace(/^\|[^|]+\|\s+/, ''), durationMs, retries };
}

function isFailure(symbol: string): boolean {
  return symbol === '×' || symbol === '✗' || symbol === '✘';
}

/** `test/cart.test.ts > Cart > add > item` or `test/broken.test.ts [ test/broken.test.ts ]`. */
function identityOf(path: string): Identity {
  const bracket = /^(.+?) \[ (.+) \]$/.exec(path);
  if (bracket) return { file: repoRelative(bracket[1]!), suite: [], name: FILE_ERROR_NAME, fileError: true };
  const parts = path.split(' > ').map((part) => part.trim());
  const file = isPathLike(parts[0]!) ? repoRelative(parts.shift()!) : '';
  const name = parts.pop() ?? '';
  if (name === '' && file !== '') return { file, suite: [], name: FILE_ERROR_NAME, fileError: true };
  return { file, suite: parts, name, fileError: false };
}

function keyOf(identity: Identity): string {
  return [identity.file, ...identity.suite, identity.name].join('\u0000');
}

function pathText(identity: Identity): string {
  return [identity.file, ...identity.suite, identity.name].filter((part) => part !== '').join(' > ');
}

export const vitestLog: LogFormat = {
  name: 'vitest-log',
  score(lines) {
    let score = 0;
    for (const line of lines) {
      if (/^\s*RUN\s+v\d+\.\d+/.test(line)) score += 3;
      else if (/^\s*Test Files\s+\d/.test(line)) score += 3;
      else if (/^\s*[✓×❯↓]\s+\S+\.[cm]?[jt]sx? (?:>|\(\d+ tests?)/.test(line)) score += 2;
      else if (/^\s*FAIL\s+\S+\.[cm]?[jt]sx? (?:>|\[)/.test(line)) score += 2;
    }
    return score;
  },
  create: (source, warnings) => new VitestLogParser(source, warnings),
};
