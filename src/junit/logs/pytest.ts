import { FILE_ERROR_NAME } from '../dialects.ts';
import type { Warnings } from '../stream.ts';
import { BoundedText, OUTPUT_LIMIT, repoRelative, STACK_LIMIT } from '../text.ts';
import type { AttemptStatus, TestAttempt } from '../types.ts';
import { BoundedMap, errorTypeOf, type FailureDetails, makeAttempt } from './attempt.ts';
import type { LogFormat, LogParser } from './lines.ts';

const MAX_HELD = 50_000;
const STATUSES = 'PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS|RERUN';
// `tests/test_x.py::TestC::test_y PASSED   [ 50%]`, with -v; `(reason)` after SKIPPED/XFAIL.
const VERBOSE = new RegExp(`^(\\S+?::\\S.*?) (${STATUSES})(?: \\((.*)\\))?\\s*(?:\\[\\s*\\d+%\\])?\\s*$`);
// pytest-xdist: `[gw0] [ 50%] PASSED tests/test_x.py::test_y`.
const XDIST = new RegExp(`^\\[gw\\d+\\]\\s+(?:\\[\\s*\\d+%\\]\\s+)?(${STATUSES}) (\\S+?::\\S.*?)\\s*$`);
// Short test summary: `FAILED tests/test_x.py::test_y - AssertionError: …`.
const SUMMARY = new RegExp(`^(${STATUSES}) (\\S+?(?:::\\S.*?)?)(?: - (.*))?\\s*$`);
const BANNER = /^={3,} (.*?) ={3,}$/;
const SECTION_HEADER = /^_{3,} (.*?) _{3,}$/;
const SUBSECTION = /^-{3,} (.*?) -{3,}$/;

interface Section {
  message: string | undefined;
  eLines: string[];
  errorType: string | undefined;
  text: BoundedText;
  output: BoundedText | undefined;
}

interface Held {
  nodeid: string;
  status: AttemptStatus;
  retry: number;
  message: string | undefined;
  teardown: boolean;
}

/**
 * Parses pytest's terminal output.
 *
 * - Tests are named by node id, `tests/test_x.py::TestC::test_y[param]` → file `tests/test_x.py`,
 *   suite `['TestC']`, name `test_y[param]` (the same TestId as its JUnit XML). A node id without
 *   `::` is a collection error: `file › (file)`, status error.
 * - `-v` prints every result (`nodeid PASSED [ 50%]`, or xdist's `[gw0] [ 50%] PASSED nodeid`): all
 *   tests are recorded. Without `-v` only the short test summary names tests: `FAILED`/`ERROR` always,
 *   `PASSED` with `-rA`/`-rP`; `.F.s` progress dots name nothing, so passing tests are then unknown.
 * - `RERUN` (pytest-rerunfailures) results are failed attempts before the final one. A teardown
 *   `ERROR` right after the test's own result is merged into it: one attempt, status error.
 * - Messages come from the summary line (`- AssertionError: …`) or else the `E   ` lines of the
 *   `FAILURES`/`ERRORS` section, whose last `file:line: Type` line gives the error type; the section
 *   is the stack and its `Captured stdout` the output. Durations are not printed: 0.
 */
class PytestLogParser implements LogParser {
  out: TestAttempt[] = [];
  private banner: 'failures' | 'errors' | 'summary' | 'other' | undefined;
  private readonly sections = new BoundedMap<Section[]>(MAX_HELD);
  private section: Section | undefined;
  private subsection: 'output' | 'other' | undefined;
  private verbose = false;
  private readonly held = new Map<string, Held>();
  private last: Held | undefined;
  private reruns = new Map<string, number>();

  line(text: string): void {
    const banner = BANNER.exec(text);
    if (banner) {
      this.bannerLine(banner[1]!);
      return;
    }
    if (this.banner === 'failures' || this.banner === 'errors') {
      this.sectionLine(text);
      return;
    }
    if (this.banner === 'summary') {
      const summary = SUMMARY.exec(text);
      if (summary) this.summaryLine(summary[1]!, summary[2]!, summary[3]);
      return;
    }
    const verbose = VERBOSE.exec(text);
    if (verbose) {
      this.result(verbose[1]!, verbose[2]!, verbose[3]);
      return;
    }
    const xdist = XDIST.exec(text);
    if (xdist) this.result(xdist[2]!, xdist[1]!);
  }

  end(): void {
    this.flush();
  }

  private bannerLine(title: string): void {
    this.section = undefined;
    if (/^test session starts/.test(title)) {
      this.flush();
      this.banner = undefined;
    } else if (title === 'FAILURES') this.banner = 'failures';
    else if (title === 'ERRORS') this.banner = 'errors';
    else if (title === 'short test summary info') this.banner = 'summary';
    else if (/\bin \d+(?:\.\d+)?s\b/.test(title) || /no tests ran/.test(title)) {
      // `=== 1 failed, 2 passed in 0.12s ===`: the session is over.
      this.flush();
      this.banner = undefined;
    } else this.banner = 'other';
  }

  private sectionLine(text: string): void {
    const header = SECTION_HEADER.exec(text);
    if (header) {
      const section: Section = {
        message: undefined,
        eLines: [],
        errorType: undefined,
        text: new BoundedText(STACK_LIMIT, 0.75),
        output: undefined,
      };
      const key = sectionKey(header[1]!);
      const list = this.sections.get(key) ?? [];
      list.push(section);
      this.sections.set(key, list);
      this.section = section;
      this.subsection = undefined;
      return;
    }
    const section = this.section;
    if (section === undefined) return;
    const sub = SUBSECTION.exec(text);
    if (sub) {
      this.subsection = /^Captured (?:stdout|stderr|log)/.test(sub[1]!) ? 'output' : 'other';
      if (this.subsection === 'output') section.output ??= new BoundedText(OUTPUT_LIMIT);
      return;
    }
    if (this.subsection === 'output') {
      section.output!.append(`${text}\n`);
      return;
    }
    if (this.subsection === 'other') return;
    section.text.append(`${text}\n`);
    if (/^E\s{2,}/.test(text) || text === 'E') section.eLines.push(text.replace(/^E\s*/, ''));
    const location = /^(\S+?):\d+: (\w[\w.]*)$/.exec(text);
    if (location) section.errorType = location[2];
  }

  private summaryLine(status: string, nodeid: string, message: string | undefined): void {
    if (status === 'SKIPPED' && /^\[\d+\]$/.test(nodeid)) return;
    if (this.verbose) {
      const held = this.held.get(nodeid);
      if (held !== undefined) {
        if (held.message === undefined && message !== undefined) held.message = message;
        return;
      }
      // Only failures without a result line of their own (collection errors) are new here.
      if (status !== 'FAILED' && status !== 'ERROR') return;
      this.hold({ nodeid, status: statusOf(status), retry: 0, message, teardown: false });
      return;
    }
    this.result(nodeid, status, message);
  }

  private result(nodeid: string, status: string, message?: string): void {
    const fromSummary = this.banner === 'summary';
    if (!fromSummary) this.verbose = true;
    if (status === 'RERUN') {
      this.reruns.set(nodeid, (this.reruns.get(nodeid) ?? 0) + 1);
      return;
    }
    // A teardown error is printed after the test's own result (right after it with -v; elsewhere in
    // the summary): it is the same attempt, with status error.
    const previous = fromSummary
      ? this.held.get(nodeid)
      : this.last?.nodeid === nodeid
        ? this.last
        : undefined;
    if (status === 'ERROR' && previous !== undefined) {
      if (previous.status === 'passed') previous.message = message;
      previous.status = 'error';
      previous.teardown = true;
      this.hold(previous);
      return;
    }
    const reruns = this.reruns.get(nodeid) ?? 0;
    this.reruns.delete(nodeid);
    for (let retry = 0; retry < reruns; retry++) {
      this.emit({ nodeid, status: 'failed', retry, message: undefined, teardown: false });
    }
    const held: Held = { nodeid, status: statusOf(status), retry: reruns, message, teardown: false };
    if (fromSummary) {
      // Summary lines are grouped by outcome: hold them all, so a later ERROR can still merge.
      this.hold(held);
      return;
    }
    this.releaseLast();
    this.last = held;
    if (held.status === 'failed' || held.status === 'error') this.hold(held);
  }

  private hold(held: Held): void {
    if (!this.held.has(held.nodeid) && this.held.size >= MAX_HELD) this.releaseOldest();
    this.held.set(held.nodeid, held);
  }

  /** The previous result can no longer be merged with a teardown error: a pass goes out now. */
  private releaseLast(): void {
    const last = this.last;
    this.last = undefined;
    if (last !== undefined && !this.held.has(last.nodeid)) this.emit(last);
  }

  private releaseOldest(): void {
    const [nodeid, held] = this.held.entries().next().value!;
    this.held.delete(nodeid);
    this.emit(held);
  }

  private flush(): void {
    this.releaseLast();
    for (const held of this.held.values()) this.emit(held);
    this.held.clear();
    this.sections.clear();
    this.reruns.clear();
    this.verbose = false;
  }

  private emit(held: Held): void {
    const { file, suite, name, fileError } = identityOf(held.nodeid);
    const details: FailureDetails = {};
    if (held.status === 'failed' || held.status === 'error') {
      const key = fileError ? file : [...suite, name].join('.');
      const section =
        this.takeSection(held.teardown ? `teardown:${key}` : key) ?? this.takeSection(`setup:${key}`);
      if (section !== undefined) {
        details.stack = section.text.toString();
        if (section.output !== undefined) details.output = section.output.toString();
        details.message = held.message ?? messageOf(section);
        const type = section.errorType ?? errorTypeOf(details.message);
        if (type !== undefined) details.errorType = type;
      } else if (held.message !== undefined) {
        details.message = held.message;
      }
    } else if (held.status === 'skipped' && held.message !== undefined) {
      details.message = held.message;
    }
    const status = fileError ? 'error' : held.status;
    this.out.push(makeAttempt(file, suite, name, status, 0, held.retry, details));
  }

  private takeSection(key: string): Section | undefined {
    const list = this.sections.get(key);
    const section = list?.shift();
    if (list !== undefined && list.length === 0) this.sections.delete(key);
    return section;
  }
}

/** `TestCart.test_remove`, `ERROR at setup of test_connect`, `ERROR collecting tests/test_x.py`. */
function sectionKey(title: string): string {
  const phase = /^ERROR at (setup|teardown) of (.+)$/.exec(title);
  if (phase) return `${phase[1]}:${phase[2]}`;
  const collecting = /^ERROR collecting (.+)$/.exec(title);
  if (collecting) return repoRelative(collecting[1]!);
  return title;
}

/**
 * The first `E` line: pytest's own summary message (and its JUnit `message`), which is `Type: text`
 * for exceptions and the bare `assert …` for rewritten assertions.
 */
function messageOf(section: Section): string | undefined {
  return section.eLines.find((line) => line.trim() !== '') ?? section.errorType;
}

function statusOf(status: string): AttemptStatus {
  switch (status) {
    case 'PASSED':
    case 'XPASS':
      return 'passed';
    case 'FAILED':
      return 'failed';
    case 'ERROR':
      return 'error';
    default:
      return 'skipped';
  }
}

function identityOf(nodeid: string): { file: string; suite: string[]; name: string; fileError: boolean } {
  const parts = nodeid.split('::');
  const file = repoRelative(parts.shift()!);
  const name = parts.pop();
  if (name === undefined) return { file, suite: [], name: FILE_ERROR_NAME, fileError: true };
  return { file, suite: parts, name, fileError: false };
}

export const pytestLog: LogFormat = {
  name: 'pytest-log',
  score(lines) {
    let score = 0;
    for (const line of lines) {
      if (/^=+ test session starts =+$/.test(line)) score += 3;
      else if (/^platform \S+ -- Python \d/.test(line)) score += 2;
      else if (VERBOSE.test(line) || XDIST.test(line)) score += 1;
      else if (/^(?:FAILED|ERROR|PASSED) \S+\.py(?:::\S+)?(?: - |$)/.test(line)) score += 1;
    }
    return score;
  },
  create: (_source: string, _warnings: Warnings) => new PytestLogParser(),
};
