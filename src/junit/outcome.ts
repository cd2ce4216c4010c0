import {
  BoundedText,
  bounded,
  detach,
  errorTypeOf,
  firstLine,
  MESSAGE_LIMIT,
  nonEmpty,
  OUTPUT_LIMIT,
  STACK_LIMIT,
} from './text.ts';
import type { AttemptStatus, TestAttempt } from './types.ts';
import type { XmlAttributes } from './xml-tokenizer.ts';

// What one `<failure>`-like element says, and the per-dialect corrections to it.

const PLAYWRIGHT_RETRY = /^[ \t]*Retry #(\d+) [─=-]{3,}[ \t]*$/m;

/** One `<failure>`, `<flakyFailure>`, … : what a single failed execution left in the report. */
export interface Outcome {
  kind: 'failure' | 'error' | 'skipped';
  message: string | undefined;
  type: string | undefined;
  time: string | undefined;
  text: BoundedText;
  output: BoundedText;
}

export function outcome(kind: Outcome['kind'], attributes: XmlAttributes): Outcome {
  return {
    kind,
    message: attributes.get('message'),
    type: attributes.get('type'),
    time: attributes.get('time'),
    text: new BoundedText(STACK_LIMIT, 0.75),
    output: new BoundedText(OUTPUT_LIMIT),
  };
}

export function statusOf(kind: Outcome['kind'] | undefined): AttemptStatus {
  if (kind === 'failure') return 'failed';
  if (kind === 'error') return 'error';
  if (kind === 'skipped') return 'skipped';
  return 'passed';
}

export interface Base {
  testId: string;
  file: string;
  suite: string[];
  name: string;
}

export interface Details {
  status: AttemptStatus;
  message?: string;
  stack?: string;
  errorType?: string;
  output?: string;
}

export function details(entry: Outcome): Details {
  const text = nonEmpty(entry.text.toString());
  const message = nonEmpty(entry.message) ?? (text === undefined ? undefined : firstLine(text));
  const out: Details = { status: statusOf(entry.kind) };
  if (message !== undefined) out.message = message;
  if (text !== undefined && entry.kind !== 'skipped') out.stack = text;
  if (entry.type !== undefined && entry.type !== '' && entry.kind !== 'skipped') out.errorType = entry.type;
  const output = nonEmpty(entry.output.toString());
  if (output !== undefined) out.output = output;
  return out;
}

/**
 * jest-junit writes jest's failure messages: matcher failures start `Error: expect(…)` where jest's own
 * log prints `expect(…)`, and a file that failed to load repeats the `● Test suite failed to run` header.
 * Both are dropped so the message reads as in the jest log.
 */
export function jestJunitDetails(entry: Outcome): Details {
  const base = details(entry);
  if (entry.kind === 'skipped' || base.message === undefined) return base;
  let message = base.message;
  if (/^● Test suite failed to run$/.test(message)) {
    const text = entry.text.toString();
    message = firstLine(text.slice(text.indexOf('● Test suite failed to run') + 26)) || message;
  }
  const info: Details = { ...base, message: message.replace(/^Error: (?=expect[.(])/, '') };
  const type = errorTypeOf(info.message);
  if (type !== undefined && info.errorType === undefined) info.errorType = type;
  return info;
}

/** Playwright's failure text opens with a `[project] › file:line › title ───` header, then the error. */
export function playwrightDetails(entry: Outcome): Details {
  const base = details(entry);
  // Older versions type every failure "FAILURE": no information.
  if (base.errorType === 'FAILURE') delete base.errorType;
  const text = entry.text.toString();
  const found = sectionDetails(text);
  if (found.message !== undefined && !/^\S+:\d+:\d+ /.test(base.message ?? '')) return base;
  return { ...base, ...found, status: base.status };
}

/** Node's JUnit report types every failure `testCodeFailure`; the real error is the body's `cause:`. */
export function nodeTestDetails(entry: Outcome): Details {
  const base = details(entry);
  if (entry.kind === 'skipped') return base;
  const cause = /cause: ([\w$.]+)(?: \[[\w$]+\])?: /.exec(entry.text.toString());
  if (cause === null) return base;
  const info: Details = { ...base, errorType: cause[1]! };
  if (base.message !== undefined) info.message = `${cause[1]}: ${base.message}`;
  return info;
}

/**
 * pytest writes no `type`: it is the body's last `file:line: Type` line. Setup/teardown errors read
 * `failed on teardown with "RuntimeError: …"`: the quoted part is the message, as pytest's log has it.
 */
export function pytestDetails(entry: Outcome): Details {
  const base = details(entry);
  if (entry.kind === 'skipped') return base;
  const info: Details = { ...base };
  const location = /^\S+?:\d+: (\w[\w.]*)\s*$/m.exec(entry.text.toString().split('\n').slice(-3).join('\n'));
  const wrapped = /^failed on (?:setup|teardown|call) with "([\s\S]*)"$/.exec(base.message ?? '');
  if (wrapped) info.message = wrapped[1]!;
  if (base.message === 'collection failure') {
    // The import error is the body's `E   ModuleNotFoundError: …` line.
    const error = /^E\s+(\S.*)$/m.exec(entry.text.toString());
    if (error) info.message = error[1]!.trim();
  }
  const type = location?.[1] ?? /^([\w.]+(?:Error|Exception)):/.exec(info.message ?? '')?.[1];
  if (type !== undefined && info.errorType === undefined) info.errorType = type;
  return info;
}

/** gotestsum's message is always "Failed": the test's own log line (`x_test.go:41: got 9`) says more. */
export function gotestDetails(entry: Outcome): Details {
  const base = details(entry);
  const text = entry.kind === 'skipped' ? (entry.message ?? '') : entry.text.toString();
  const line = text
    .split('\n')
    .map((candidate) => candidate.trim())
    .find(
      (candidate) =>
        candidate !== '' && !/^(?:=== (?:RUN|PAUSE|CONT|NAME)|--- (?:FAIL|SKIP|PASS))\b/.test(candidate),
    );
  if (line === undefined) return base;
  return { ...base, message: line };
}

export function playwrightSections(text: string): string[] {
  if (!PLAYWRIGHT_RETRY.test(text)) return [text];
  return text.split(new RegExp(PLAYWRIGHT_RETRY.source, 'gm')).filter((_, i) => i % 2 === 0);
}

export function sectionDetails(section: string): { message?: string; stack?: string } {
  const lines = section.split('\n').filter((line) => line.trim() !== '' && !/[─=]{8,}\s*$/.test(line));
  const body = nonEmpty(lines.join('\n'));
  if (body === undefined) return {};
  return { message: firstLine(body), stack: body };
}

export function mergeTeardown(first: TestAttempt, second: TestAttempt): TestAttempt {
  const failing = second.status === 'error' || second.status === 'failed' ? second : first;
  const merged: TestAttempt = {
    ...first,
    status: first.status === 'error' || second.status === 'error' ? 'error' : failing.status,
    durationMs: Math.round((first.durationMs + second.durationMs) * 1000) / 1000,
  };
  for (const key of ['message', 'stack', 'errorType'] as const) {
    const value = failing[key] ?? first[key] ?? second[key];
    if (value === undefined) delete merged[key];
    else merged[key] = value;
  }
  const output = [first.output, second.output].filter((part) => part !== undefined).join('\n');
  if (output !== '') merged.output = bounded(output, OUTPUT_LIMIT);
  return merged;
}

/** Builds attempts with one shape (optional fields set only when present), so they stay fast objects. */
export function attempt(
  base: Base,
  status: AttemptStatus,
  durationMs: number,
  retry: number,
  info: Details | undefined,
  output: string | undefined,
): TestAttempt {
  const out: TestAttempt = {
    testId: base.testId,
    file: base.file,
    suite: base.suite,
    name: base.name,
    status,
    durationMs,
    retry,
  };
  if (info !== undefined) {
    if (info.message !== undefined) out.message = detach(bounded(info.message, MESSAGE_LIMIT, 0.75));
    if (info.stack !== undefined) out.stack = detach(info.stack);
    if (info.errorType !== undefined) out.errorType = detach(info.errorType);
  }
  if (output !== undefined) out.output = detach(output);
  return out;
}
