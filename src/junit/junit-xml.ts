import { dirname, isAbsolute, resolve } from 'node:path';
import { mapAttachments } from './attachments.ts';
import {
  type CaseContext,
  detectDialect,
  identify,
  type JestJunitState,
  type JUnitDialect,
} from './dialects.ts';
import { parseSeconds } from './duration.ts';
import {
  attempt,
  type Base,
  type Details,
  details,
  gotestDetails,
  jestJunitDetails,
  mergeTeardown,
  nodeTestDetails,
  type Outcome,
  outcome,
  playwrightDetails,
  playwrightSections,
  pytestDetails,
  sectionDetails,
  statusOf,
} from './outcome.ts';
import type { Warnings } from './stream.ts';
import { BoundedText, detach, nonEmpty, OUTPUT_LIMIT } from './text.ts';
import { type AttemptStatus, type TestAttempt, testIdOf } from './types.ts';
import { XmlAttributes, type XmlHandler } from './xml-tokenizer.ts';

interface SuiteFrame {
  name: string;
  /** Names of this and the enclosing testsuites, outermost first. */
  path: string[];
  attributes: XmlAttributes;
  properties: Set<string>;
  dialect: JUnitDialect | undefined;
  /** Failed tests seen in this testsuite, for reruns written as repeated testcases (gotestsum). */
  repeats: Map<string, number>;
}

interface CaseFrame {
  classname: string;
  name: string;
  file: string;
  time: string | undefined;
  depth: number;
  result: Outcome | undefined;
  /** Extra `<failure>` elements of the same attempt (vitest writes one per error). */
  more: number;
  flaky: Outcome[];
  rerun: Outcome[];
  output: BoundedText | undefined;
  properties: string[];
}

const RESULT = new Set(['failure', 'error', 'skipped']);
const RETRY: Record<string, { list: 'flaky' | 'rerun'; kind: 'failure' | 'error' }> = {
  flakyFailure: { list: 'flaky', kind: 'failure' },
  flakyError: { list: 'flaky', kind: 'error' },
  rerunFailure: { list: 'rerun', kind: 'failure' },
  rerunError: { list: 'rerun', kind: 'error' },
};
const MAX_REPEATS = 100_000;

/**
 * Turns tokenizer events into attempts. Holds one testcase at a time (its texts bounded), the stack of
 * enclosing testsuites, and per testsuite the names of failed tests (for repeated-testcase reruns);
 * attempts are pushed to `out`, which the reader drains after every chunk.
 */
export class JUnitBuilder implements XmlHandler {
  wantText = false;
  out: TestAttempt[] = [];
  private depth = 0;
  private rootElement = '';
  private root = new XmlAttributes();
  private readonly suites: SuiteFrame[] = [];
  private testcase: CaseFrame | undefined;
  private readonly sinks: { depth: number; text: BoundedText }[] = [];
  private retryOpen: Outcome | undefined;
  private inProperties = false;
  private pending: TestAttempt | undefined;
  private readonly jest: JestJunitState = { lossy: false };
  private playwrightFoldedRetries = false;
  private lastFile = '';
  private lastFileOwned = '';
  private lastSuite: string[] = [];

  constructor(
    private readonly source: string,
    private readonly warnings: Warnings,
    private readonly forced?: JUnitDialect,
  ) {}

  /**
   * `[[ATTACHMENT|path]]` names a file relative to the report's folder (Playwright, Jenkins' attachments
   * convention): made absolute here, since the report's folder is known only while it is read.
   */
  private anchorAttachments(output: string): string {
    return mapAttachments(output, (path) => (isAbsolute(path) ? path : resolve(dirname(this.source), path)));
  }

  open(name: string, attributes: XmlAttributes): void {
    this.depth++;
    if (this.depth === 1) {
      this.rootElement = name;
      this.root = attributes.copy();
    }
    const testcase = this.testcase;
    if (testcase === undefined) {
      if (name === 'testsuite') {
        const suiteName = attributes.get('name') ?? '';
        const parent = this.suites[this.suites.length - 1];
        this.suites.push({
          name: suiteName,
          path: parent === undefined ? [suiteName] : [...parent.path, suiteName],
          attributes: attributes.copy(),
          properties: new Set(),
          dialect: undefined,
          repeats: new Map(),
        });
      } else if (name === 'testcase') {
        this.testcase = {
          classname: attributes.get('classname') ?? attributes.get('class') ?? '',
          name: attributes.get('name') ?? '',
          file: attributes.get('file') ?? attributes.get('filepath') ?? '',
          time: attributes.get('time'),
          depth: this.depth,
          result: undefined,
          more: 0,
          flaky: [],
          rerun: [],
          output: undefined,
          properties: [],
        };
      } else if (name === 'properties') {
        this.inProperties = true;
      } else if (name === 'property' && this.inProperties) {
        const property = attributes.get('name');
        if (property !== undefined) this.suites[this.suites.length - 1]?.properties.add(property);
      }
      return;
    }
    const level = this.depth - testcase.depth;
    if (level === 1 && RESULT.has(name)) {
      if (testcase.result === undefined) {
        testcase.result = outcome(name as Outcome['kind'], attributes);
        this.capture(testcase.result.text);
      } else {
        testcase.more++;
        testcase.result.text.append('\n\n');
        this.capture(testcase.result.text);
      }
    } else if (level === 1 && RETRY[name] !== undefined) {
      const retry = RETRY[name]!;
      const entry = outcome(retry.kind, attributes);
      testcase[retry.list].push(entry);
      this.retryOpen = entry;
      this.capture(entry.text);
    } else if (level === 2 && this.retryOpen !== undefined && name === 'stackTrace') {
      this.capture(this.retryOpen.text);
    } else if (name === 'system-out' || name === 'system-err') {
      testcase.output ??= new BoundedText(OUTPUT_LIMIT);
      const target = level === 2 && this.retryOpen !== undefined ? this.retryOpen.output : testcase.output;
      if (!target.isEmpty) target.append('\n');
      this.capture(target);
    } else if (level === 2 && name === 'property') {
      const property = attributes.get('name');
      if (property !== undefined) testcase.properties.push(property);
    }
  }

  close(name: string): void {
    const sink = this.sinks[this.sinks.length - 1];
    if (sink !== undefined && sink.depth === this.depth) {
      this.sinks.pop();
      this.wantText = this.sinks.length > 0;
    }
    const testcase = this.testcase;
    if (testcase !== undefined) {
      if (this.depth === testcase.depth) {
        this.testcase = undefined;
        this.finishCase(testcase);
      } else if (this.depth === testcase.depth + 1 && RETRY[name] !== undefined) {
        this.retryOpen = undefined;
      }
    } else if (name === 'testsuite') {
      this.suites.pop();
      this.flushPending();
    } else if (name === 'properties') {
      this.inProperties = false;
    }
    this.depth--;
  }

  text(text: string): void {
    this.sinks[this.sinks.length - 1]?.text.append(text);
  }

  /** The attempts finished so far; the builder starts a new batch. */
  take(): TestAttempt[] {
    const batch = this.out;
    this.out = [];
    return batch;
  }

  /** Call once the document ended: emits an attempt held back for merging. */
  finish(): void {
    this.flushPending();
    if (this.jest.lossy) {
      this.warnings.add(
        `${this.source}: jest-junit joined describe titles with " ", so describe boundaries are lost and these TestIds will not match jest or vitest logs; configure jest-junit with ancestorSeparator " › ", classNameTemplate "{classname}", titleTemplate "{title}" and addFileAttribute "true"`,
      );
    }
    if (this.playwrightFoldedRetries) {
      this.warnings.add(
        `${this.source}: this Playwright report folds retries into one testcase (written without includeRetries): failed retries were split from the failure text with estimated durations, and a test that passed on retry looks like a plain pass; set reporter: [['junit', { includeRetries: true }]] or PLAYWRIGHT_JUNIT_INCLUDE_RETRIES=1`,
      );
    }
  }

  private capture(text: BoundedText): void {
    this.sinks.push({ depth: this.depth, text });
    this.wantText = true;
  }

  private dialectFor(context: CaseContext): JUnitDialect {
    if (this.forced !== undefined) return this.forced;
    const frame = this.suites[this.suites.length - 1];
    if (frame?.dialect !== undefined) return frame.dialect;
    const properties = new Set<string>();
    for (const suite of this.suites) for (const property of suite.properties) properties.add(property);
    const dialect = detectDialect(
      {
        rootElement: this.rootElement,
        root: this.root,
        suite: frame?.attributes ?? new XmlAttributes(),
        properties,
      },
      context,
    );
    if (frame !== undefined) frame.dialect = dialect;
    return dialect;
  }

  private finishCase(testcase: CaseFrame): void {
    const frame = this.suites[this.suites.length - 1];
    const context: CaseContext = {
      classname: testcase.classname,
      name: testcase.name,
      file: testcase.file,
      suites: frame?.path ?? [],
      hostname: frame?.attributes.get('hostname') ?? '',
    };
    const dialect = this.dialectFor(context);
    const identity = identify(dialect, context, this.jest);
    const file = this.ownFile(identity.file);
    const suite = this.ownSuite(identity.suite);
    const name = detach(identity.name);
    const base: Base = { testId: testIdOf(file, suite, name), file, suite, name };
    const durationMs = this.seconds(testcase.time, base.testId);
    const result = testcase.result;
    const output = testcase.output === undefined ? undefined : nonEmpty(testcase.output.toString());
    const finalStatus: AttemptStatus = identity.fileError ? 'error' : statusOf(result?.kind);
    const resultDetails = result === undefined ? undefined : details(result);

    if (testcase.flaky.length > 0) {
      // Passed on a rerun: each flaky element is a failed attempt before the passing one.
      testcase.flaky.forEach((retry, i) => {
        const info = details(retry);
        this.emit(
          dialect,
          attempt(base, info.status, this.seconds(retry.time, base.testId), i, info, info.output),
        );
      });
      this.emit(
        dialect,
        attempt(base, finalStatus, durationMs, testcase.flaky.length, resultDetails, output),
      );
      return;
    }
    if (testcase.rerun.length > 0) {
      // Failed on every rerun: the main failure is attempt 0, each rerun element one more.
      this.emit(dialect, attempt(base, finalStatus, durationMs, 0, resultDetails, output));
      testcase.rerun.forEach((retry, i) => {
        const info = details(retry);
        this.emit(
          dialect,
          attempt(base, info.status, this.seconds(retry.time, base.testId), i + 1, info, info.output),
        );
      });
      return;
    }
    if (dialect === 'playwright' && result !== undefined && result.kind !== 'skipped') {
      const sections = playwrightSections(result.text.toString());
      if (sections.length > 1) {
        this.playwrightFoldedRetries = true;
        const share = Math.round((durationMs / sections.length) * 1000) / 1000;
        sections.forEach((section, i) => {
          const info: Details = { status: finalStatus, ...sectionDetails(section) };
          if (result.type && result.type !== 'FAILURE') info.errorType = result.type;
          this.emit(
            dialect,
            attempt(base, finalStatus, share, i, info, i === sections.length - 1 ? output : undefined),
          );
        });
        return;
      }
    }
    const retry = this.repeatRetry(dialect, base.testId, finalStatus);
    let info = resultDetails;
    if (dialect === 'playwright' && result !== undefined) info = playwrightDetails(result);
    if (dialect === 'node-test' && result !== undefined) info = nodeTestDetails(result);
    if (dialect === 'pytest' && result !== undefined) info = pytestDetails(result);
    if (dialect === 'gotestsum' && result !== undefined) info = gotestDetails(result);
    if (dialect === 'jest-junit' && result !== undefined) info = jestJunitDetails(result);
    this.emit(dialect, attempt(base, finalStatus, durationMs, retry, info, output));
  }

  /** The file path, detached from the read chunk once per distinct path. */
  private ownFile(file: string): string {
    if (file !== this.lastFile) {
      this.lastFile = file;
      this.lastFileOwned = detach(file);
    }
    return this.lastFileOwned;
  }

  /** Consecutive testcases mostly share their suite path: they share one detached array too. */
  private ownSuite(suite: string[]): string[] {
    const last = this.lastSuite;
    if (last.length === suite.length && last.every((part, i) => part === suite[i])) return last;
    this.lastSuite = suite.map(detach);
    return this.lastSuite;
  }

  /** gotestsum (and unknown producers) write a rerun as another testcase with the same name. */
  private repeatRetry(dialect: JUnitDialect, testId: string, status: AttemptStatus): number {
    if (dialect !== 'gotestsum' && dialect !== 'generic' && dialect !== 'surefire') return 0;
    const frame = this.suites[this.suites.length - 1];
    if (frame === undefined) return 0;
    const seen = frame.repeats.get(testId);
    if (seen !== undefined) {
      frame.repeats.set(testId, seen + 1);
      return seen;
    }
    if ((status === 'failed' || status === 'error') && frame.repeats.size < MAX_REPEATS)
      frame.repeats.set(testId, 1);
    return 0;
  }

  private emit(dialect: JUnitDialect, attempt: TestAttempt): void {
    if (attempt.output?.includes('[[ATTACHMENT|')) attempt.output = this.anchorAttachments(attempt.output);
    if (dialect !== 'pytest') {
      this.out.push(attempt);
      return;
    }
    // pytest (some versions, and xdist) writes a teardown error as a second testcase right after the
    // test's own: the two are one attempt, with status error. Any other adjacent repeat is a rerun.
    const pending = this.pending;
    if (pending !== undefined && pending.testId === attempt.testId) {
      if (attempt.status === 'error') {
        this.pending = undefined;
        this.out.push(mergeTeardown(pending, attempt));
        return;
      }
      attempt.retry = pending.retry + 1;
    }
    this.flushPending();
    this.pending = attempt;
  }

  private flushPending(): void {
    if (this.pending === undefined) return;
    this.out.push(this.pending);
    this.pending = undefined;
  }

  private seconds(raw: string | undefined, testId: string): number {
    const ms = parseSeconds(raw);
    if (ms !== undefined) return ms;
    this.warnings.add(
      `${this.source}: time "${raw}" of ${testId} is not a number of seconds; recorded as 0 ms (further bad times are not reported)`,
    );
    return 0;
  }
}
