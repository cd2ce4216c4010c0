import type { Warnings } from '../stream.ts';
import { isPathLike, repoRelative } from '../text.ts';
import type { AttemptStatus, TestAttempt } from '../types.ts';
import { ErrorBlock, errorTypeOf, type FailureDetails, makeAttempt, parseDuration } from './attempt.ts';
import type { LogFormat, LogParser } from './lines.ts';

const SUBTEST = /^(\s*)# Subtest: (.*)$/;
const TAP_RESULT = /^(\s*)(not ok|ok) \d+(?: - (.*?))?(?: # (SKIP|TODO)\b\s*(.*))?\s*$/i;
const SPEC = /^(\s*)([▶✔✖﹣])\s(.*)$/;
const SPEC_RESULT = /^(.*?)(?: \((\d+(?:\.\d+)?)ms\))?(?: # (.*))?$/;

interface Pending {
  indent: number;
  path: string[];
  name: string;
  status: AttemptStatus;
  parent: boolean;
  yaml: Map<string, string> | undefined;
  block: ErrorBlock | undefined;
  durationMs: number;
  reason?: string | undefined;
}

/**
 * Parses node:test output: the TAP reporter (Node 20's default outside a terminal) and the spec
 * reporter (`▶`/`✔`/`✖`/`﹣`).
 *
 * - TestId: the suite path is the enclosing `describe`/parent test names. Node ≥ 20 does not name the
 *   test file for passing tests (only `location` on failures), so `file` is '' — except when the top
 *   level names a file (older Node versions wrap each file in a subtest named by its path), which
 *   becomes `file`. Node's `--test-reporter=junit` names no file either; testloop's own runs use a
 *   reporter that does (src/runners/node-test/junit-reporter.ts).
 * - Suites (`type: 'suite'`, or a `▶` header closed by its own result line) and parent tests with
 *   subtests are not attempts; leaves are.
 * - Failure message: TAP `name: error`; spec's first error line with ` [ERR_CODE]` removed, so both
 *   read `AssertionError: …`. `# SKIP`/`# TODO` are skipped. The spec reporter's closing
 *   `✖ failing tests:` recap repeats failures and is ignored.
 */
class NodeTestLogParser implements LogParser {
  out: TestAttempt[] = [];
  private names: string[] = [];
  private children: boolean[] = [];
  private opened: boolean[] = [];
  private pending: Pending | undefined;
  private yamlIndent = 0;
  private yamlKey: string | undefined;
  private recap = false;

  line(text: string): void {
    if (this.pending?.yaml !== undefined) {
      this.yamlLine(text);
      return;
    }
    if (this.pending?.block !== undefined) {
      const indent = text.length - text.trimStart().length;
      if (text.trim() === '' || indent > this.pending.indent) {
        this.pending.block.add(text);
        return;
      }
    }
    if (this.pending !== undefined) {
      if (this.pending.block === undefined && /^\s*---\s*$/.test(text)) {
        this.pending.yaml = new Map();
        this.yamlIndent = text.length - text.trimStart().length;
        return;
      }
      this.finish();
    }
    if (this.recap) {
      if (/^(?:▶|✔|﹣) /.test(text) || /^TAP version/.test(text)) this.recap = false;
      else return;
    }
    if (/^\s*✖ failing tests:/.test(text)) {
      this.recap = true;
      return;
    }
    const subtest = SUBTEST.exec(text);
    if (subtest) {
      const level = Math.floor(subtest[1]!.length / 4);
      this.enter(level, unescapeTap(subtest[2]!));
      return;
    }
    const tap = TAP_RESULT.exec(text);
    if (tap) {
      const level = Math.floor(tap[1]!.length / 4);
      const directive = tap[4]?.toUpperCase();
      const status: AttemptStatus =
        directive !== undefined ? 'skipped' : tap[2] === 'ok' ? 'passed' : 'failed';
      const name = tap[3] === undefined ? (this.names[level] ?? '') : unescapeTap(tap[3]);
      this.pending = this.leaf(level, tap[1]!.length, name, status, undefined);
      if (status === 'skipped' && tap[5]) this.pending.reason = tap[5].trim();
      return;
    }
    const spec = SPEC.exec(text);
    if (spec) this.specLine(spec[1]!.length, spec[2]!, spec[3]!);
  }

  end(): void {
    this.finish();
  }

  private enter(level: number, name: string): void {
    this.names.length = level;
    this.names[level] = name;
    this.children.length = level;
    this.children[level] = false;
    this.opened.length = level;
    this.opened[level] = true;
    if (level > 0) this.children[level - 1] = true;
  }

  private leaf(
    level: number,
    indent: number,
    name: string,
    status: AttemptStatus,
    block: ErrorBlock | undefined,
  ): Pending {
    const parent = this.names[level] === name && this.children[level] === true;
    const pending: Pending = {
      indent,
      path: this.names.slice(0, level),
      name,
      status,
      parent,
      yaml: undefined,
      block,
      durationMs: 0,
    };
    this.names.length = level;
    this.children.length = level;
    this.opened.length = level;
    return pending;
  }

  private specLine(indent: number, symbol: string, rest: string): void {
    const level = Math.floor(indent / 2);
    if (symbol === '▶') {
      this.enter(level, rest.trim());
      return;
    }
    const parts = SPEC_RESULT.exec(rest)!;
    const name = parts[1]!.trim();
    const durationMs = parseDuration(parts[2], 'ms');
    const comment = parts[3]?.trim();
    const directive = comment?.split(/\s/)[0]?.toUpperCase();
    if (this.opened[level] === true && this.names[level] === name) {
      // The result line closing a `▶` suite.
      this.names.length = level;
      this.opened.length = level;
      this.children.length = level;
      return;
    }
    const skipped = symbol === '﹣' || directive === 'SKIP' || directive === 'TODO';
    const status: AttemptStatus = skipped ? 'skipped' : symbol === '✖' ? 'failed' : 'passed';
    const block = status === 'failed' ? new ErrorBlock() : undefined;
    this.pending = { ...this.leaf(level, indent, name, status, block), durationMs };
    // `﹣ name (1ms) # reason` or `✔ name (1ms) # TODO reason`.
    if (status === 'skipped' && comment)
      this.pending.reason = comment.replace(/^(?:SKIP|TODO)\b\s*/i, '') || undefined;
    if (status !== 'failed') this.finish();
  }

  private yamlLine(text: string): void {
    const pending = this.pending!;
    const yaml = pending.yaml!;
    if (/^\s*\.\.\.\s*$/.test(text)) {
      this.finish();
      return;
    }
    const indent = text.length - text.trimStart().length;
    if (this.yamlKey !== undefined) {
      if (indent > this.yamlIndent || text.trim() === '') {
        yaml.set(this.yamlKey, `${yaml.get(this.yamlKey) ?? ''}${text.trim()}\n`);
        return;
      }
      this.yamlKey = undefined;
    }
    if (indent !== this.yamlIndent) return;
    const pair = /^\s*([\w-]+):\s?(.*)$/.exec(text);
    if (!pair) return;
    const [, key, value] = pair as unknown as [string, string, string];
    if (value === '|-' || value === '|' || value === '>-') {
      this.yamlKey = key;
      yaml.set(key, '');
    } else {
      yaml.set(key, yamlScalar(value));
    }
  }

  private finish(): void {
    const pending = this.pending;
    this.pending = undefined;
    this.yamlKey = undefined;
    if (pending === undefined) return;
    const yaml = pending.yaml;
    if (pending.parent || yaml?.get('type') === 'suite') return;
    let path = pending.path;
    let file = '';
    if (path.length > 0 && isPathLike(path[0]!)) {
      file = repoRelative(path[0]!);
      path = path.slice(1);
    }
    let durationMs = pending.durationMs;
    let details: FailureDetails | undefined;
    if (yaml !== undefined) {
      durationMs = parseDuration(yaml.get('duration_ms'), 'ms');
      if (pending.status === 'failed') details = tapDetails(yaml);
    } else if (pending.block !== undefined) {
      details = pending.block.details();
      if (details.message !== undefined) details.message = normalizeMessage(details.message);
      details.errorType = errorTypeOf(details.message);
      if (details.errorType === undefined) delete details.errorType;
    }
    if (pending.status === 'skipped' && pending.reason) details = { message: pending.reason };
    this.out.push(makeAttempt(file, path, pending.name, pending.status, durationMs, 0, details));
  }
}

function tapDetails(yaml: Map<string, string>): FailureDetails {
  const error = yaml.get('error')?.trim();
  const name = yaml.get('name');
  const details: FailureDetails = {};
  if (error !== undefined) details.message = name && !error.startsWith(name) ? `${name}: ${error}` : error;
  if (name !== undefined) details.errorType = name;
  const stack = yaml.get('stack');
  if (stack !== undefined) details.stack = `${details.message ?? ''}\n${stack}`;
  return details;
}

/** `AssertionError [ERR_ASSERTION]: x` → `AssertionError: x`; `'test timed out'` → `test timed out`. */
function normalizeMessage(message: string): string {
  const quoted = /^'(.*)'$/.exec(message);
  if (quoted) return quoted[1]!;
  return message.replace(/^([\w$.]+) \[[\w$]+\]:/, '$1:');
}

function yamlScalar(value: string): string {
  const text = value.trim();
  if (text.startsWith("'") && text.endsWith("'") && text.length >= 2)
    return text.slice(1, -1).replace(/''/g, "'");
  if (text.startsWith('"') && text.endsWith('"') && text.length >= 2) {
    try {
      return JSON.parse(text) as string;
    } catch {
      return text.slice(1, -1);
    }
  }
  return text;
}

function unescapeTap(name: string): string {
  return name.replace(/\\([\\#])/g, '$1');
}

export const nodeTestLog: LogFormat = {
  name: 'node-test-log',
  score(lines) {
    let score = 0;
    for (const line of lines) {
      if (/^TAP version \d+/.test(line)) score += 3;
      else if (/^\s*# Subtest: /.test(line)) score += 1;
      else if (/^ℹ (?:tests|pass|fail|duration_ms) \d/.test(line)) score += 2;
      else if (/^\s*[✔✖] .+ \(\d+(?:\.\d+)?ms\)$/.test(line)) score += 1;
      else if (/^\s*▶ \S/.test(line)) score += 1;
    }
    return score;
  },
  create: (_source: string, _warnings: Warnings) => new NodeTestLogParser(),
};
