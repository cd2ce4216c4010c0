import { FILE_ERROR_NAME } from '../dialects.ts';
import type { Warnings } from '../stream.ts';
import { isPathLike, repoRelative } from '../text.ts';
import type { AttemptStatus, TestAttempt } from '../types.ts';
import { BoundedMap, ErrorBlock, type FailureDetails, makeAttempt, parseDuration } from './attempt.ts';
import type { LogFormat, LogParser } from './lines.ts';

const MAX_HELD = 50_000;

const HEADER = /^\s*(PASS|FAIL)\s+(.+?)\s*$/;
const TREE_TEST = /^(\s+)([✓✕√×○✎])\s+(?:(skipped|todo)\s+)?(.+?)(?:\s+\((\d+(?:\.\d+)?)\s*(ms|s|m)\))?\s*$/;
const BULLET = /^\s*● (.+?)\s*$/;
const RETRY_LOG = /^\s*LOGGING RETRY ERRORS\s+(.+?)\s*$/;
const RETRY = /^\s*RETRY (\d+)\s*$/;
const SUMMARY = /^\s*Test Suites:\s/;

interface Held {
  suite: string[];
  name: string;
  durationMs: number;
}

/**
 * Parses jest's default reporter, plain or `--verbose`.
 *
 * - `PASS file` / `FAIL file` open a file section; with `--verbose` (the default for a single file) the
 *   describe tree follows, indented two spaces per level: `✓ name (2 ms)`, `✕ name`, `○ skipped name`.
 *   Without `--verbose` passing tests are not listed and are not recorded.
 * - `● Suite › name` blocks give the failure: message (first line), stack (`at …` lines and the
 *   message; code frames left out). `● Test suite failed to run` is the file-level attempt
 *   `file › (file)` with status error.
 * - `jest.retryTimes(n, { logErrorsBeforeRetry: true })` prints `LOGGING RETRY ERRORS <full name>` and
 *   one `RETRY k` block per failed attempt before the file's section: they become failed attempts
 *   0..k-1 before the final one. The full name there is joined with spaces; it is matched against the
 *   section's tests, and a retried test that then passed in a non-verbose log (so never named with its
 *   describe path) is recorded under that space-joined name, with a warning.
 */
class JestLogParser implements LogParser {
  out: TestAttempt[] = [];
  private file: string | undefined;
  private inTree = false;
  private describe: string[] = [];
  private readonly held = new Map<string, Held>();
  private block: ErrorBlock | undefined;
  private blockIdentity: { suite: string[]; name: string; fileError: boolean } | undefined;
  private inConsole = false;
  private retries = new BoundedMap<ErrorBlock[]>(MAX_HELD);
  private upcomingRetries = new BoundedMap<ErrorBlock[]>(MAX_HELD);
  private retryBlock: ErrorBlock | undefined;
  private currentRetryName: string | undefined;
  private unnamedRetries = 0;

  constructor(
    private readonly source: string,
    private readonly warnings: Warnings,
  ) {}

  line(text: string): void {
    const retryLog = RETRY_LOG.exec(text);
    if (retryLog) {
      this.finishBlock();
      this.retryBlock = undefined;
      this.upcomingRetries.set(retryLog[1]!, []);
      this.currentRetryName = retryLog[1]!;
      return;
    }
    const retry = RETRY.exec(text);
    if (retry && this.currentRetryName !== undefined) {
      this.retryBlock = new ErrorBlock();
      this.upcomingRetries.get(this.currentRetryName)?.push(this.retryBlock);
      return;
    }
    const header = HEADER.exec(text);
    if (header && fileOf(header[2]!) !== undefined) {
      this.finishSection();
      this.file = fileOf(header[2]!)!;
      this.inTree = true;
      this.describe = [];
      this.retries = this.upcomingRetries;
      this.upcomingRetries = new BoundedMap(MAX_HELD);
      this.currentRetryName = undefined;
      this.retryBlock = undefined;
      return;
    }
    if (SUMMARY.test(text)) {
      this.finishSection();
      this.file = undefined;
      return;
    }
    if (this.retryBlock !== undefined) {
      if (!isCodeFrame(text)) this.retryBlock.add(text);
      return;
    }
    if (this.file === undefined) return;
    const bullet = BULLET.exec(text);
    if (bullet) {
      this.finishBlock();
      this.inTree = false;
      this.bullet(bullet[1]!);
      return;
    }
    if (this.inTree) {
      this.treeLine(text);
      return;
    }
    if (this.block !== undefined && !this.inConsole && !isCodeFrame(text)) this.block.add(text);
  }

  end(): void {
    this.finishSection();
    if (this.unnamedRetries > 0) {
      this.warnings.add(
        `${this.source}: ${this.unnamedRetries} retried tests passed but jest's non-verbose output never names them with their describe path; they are recorded under the space-joined name from "LOGGING RETRY ERRORS". Run jest with --verbose for exact TestIds`,
      );
    }
  }

  private treeLine(text: string): void {
    if (text.trim() === '') {
      this.inTree = false;
      return;
    }
    const indent = text.length - text.trimStart().length;
    const depth = Math.max(0, Math.floor((indent - 2) / 2));
    const test = TREE_TEST.exec(text);
    if (test) {
      const suite = this.describe.slice(0, depth);
      const name = test[4]!;
      const durationMs = parseDuration(test[5], test[6]);
      const symbol = test[2]!;
      if (symbol === '✕' || symbol === '×') {
        this.held.set(keyOf(suite, name), { suite, name, durationMs });
        if (this.held.size > MAX_HELD) this.emitOldestHeld();
      } else {
        const status: AttemptStatus = symbol === '○' || symbol === '✎' ? 'skipped' : 'passed';
        this.emit(suite, name, status, durationMs, undefined);
      }
      return;
    }
    this.describe = this.describe.slice(0, depth);
    this.describe.push(text.trim());
  }

  private bullet(title: string): void {
    this.inConsole = title === 'Console';
    if (this.inConsole) return;
    this.block = new ErrorBlock();
    if (title === 'Test suite failed to run') {
      this.blockIdentity = { suite: [], name: FILE_ERROR_NAME, fileError: true };
      return;
    }
    const parts = title.split(' › ').map((part) => part.trim());
    const name = parts.pop() ?? '';
    this.blockIdentity = { suite: parts, name, fileError: false };
  }

  private finishBlock(): void {
    const identity = this.blockIdentity;
    const block = this.block;
    this.block = undefined;
    this.blockIdentity = undefined;
    if (identity === undefined || block === undefined) return;
    const details = block.details();
    if (identity.fileError) {
      this.out.push(makeAttempt(this.file ?? '', [], FILE_ERROR_NAME, 'error', 0, 0, details));
      return;
    }
    const key = keyOf(identity.suite, identity.name);
    const held = this.held.get(key);
    this.held.delete(key);
    this.emit(identity.suite, identity.name, 'failed', held?.durationMs ?? 0, details);
  }

  private finishSection(): void {
    this.finishBlock();
    for (const held of this.held.values()) this.emit(held.suite, held.name, 'failed', held.durationMs, {});
    this.held.clear();
    // Retries whose test never appeared by name: it passed on a retry in a non-verbose log.
    for (const [fullName, blocks] of this.retries) {
      if (this.file === undefined) break;
      this.unnamedRetries++;
      this.emitRetries(this.file, [], fullName, blocks);
      this.out.push(makeAttempt(this.file, [], fullName, 'passed', 0, blocks.length));
    }
    this.retries.clear();
    this.inTree = false;
    this.inConsole = false;
  }

  private emitOldestHeld(): void {
    const [key, held] = this.held.entries().next().value!;
    this.held.delete(key);
    this.emit(held.suite, held.name, 'failed', held.durationMs, {});
  }

  private emit(
    suite: string[],
    name: string,
    status: AttemptStatus,
    durationMs: number,
    details: FailureDetails | undefined,
  ): void {
    const file = this.file ?? '';
    const fullName = [...suite, name].join(' ');
    const blocks = this.retries.get(fullName) ?? [];
    this.retries.delete(fullName);
    this.emitRetries(file, suite, name, blocks);
    this.out.push(makeAttempt(file, suite, name, status, durationMs, blocks.length, details));
  }

  private emitRetries(file: string, suite: string[], name: string, blocks: ErrorBlock[]): void {
    blocks.forEach((block, retry) => {
      this.out.push(makeAttempt(file, suite, name, 'failed', 0, retry, block.details()));
    });
  }
}

function fileOf(rest: string): string | undefined {
  const text = rest.replace(/\s+\(\d+(?:\.\d+)?\s*m?s\)$/, '').trim();
  if (isPathLike(text)) return repoRelative(text);
  const last = text.split(/\s+/).pop() ?? '';
  return isPathLike(last) ? repoRelative(last) : undefined;
}

/** `  > 11 |   expect(x)` and `     |   ^`: source excerpts, not evidence. */
function isCodeFrame(text: string): boolean {
  return /^\s+>?\s*\d+ \|/.test(text) || /^\s+\|/.test(text);
}

function keyOf(suite: string[], name: string): string {
  return [...suite, name].join('\u0000');
}

export const jestLog: LogFormat = {
  name: 'jest-log',
  score(lines) {
    let score = 0;
    for (const line of lines) {
      if (/^\s*(?:PASS|FAIL)\s+\S+\.[cm]?[jt]sx?(?:\s+\(\d+(?:\.\d+)? m?s\))?\s*$/.test(line)) score += 2;
      else if (/^\s*Test Suites:\s+\d/.test(line)) score += 3;
      else if (/^\s*● .+ › /.test(line)) score += 1;
    }
    return score;
  },
  create: (source, warnings) => new JestLogParser(source, warnings),
};
