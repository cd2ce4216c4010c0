import { relative, sep } from 'node:path';
import { gitText } from '../../git/git.ts';
import { openHistoryStore } from '../../history/open.ts';
import { type TestAttempt, testIdOf } from '../../junit/types.ts';
import { resolveRunInfo } from '../ingest.ts';
import { postWebhook } from '../notify.ts';
import { readTestRecords, type TestRecord } from './history-lookup.ts';

export interface LiveTriageOptions {
  /** The folder the runner runs in: test files are named relative to it, as its JUnit report names them. */
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** The SQLite history file (default .testloop/history.db of the repository); TESTLOOP_DATABASE_URL wins. */
  history?: string;
  /** A Slack-compatible webhook for the first failure (default TESTLOOP_NOTIFY). */
  notify?: string;
  /** Store this run's attempts in the history when the suite ends, so no ingest is needed (default true). */
  record?: boolean;
  /** Runs of history a test's record covers (default 50). */
  windowRuns?: number;
  /** Longest a failure's line waits for the history and the change to be read (default 2000 ms). */
  lookupWaitMs?: number;
  /** Where the lines go (default stderr). */
  write?: (line: string) => void;
}

/** A test as the runner reports it, the moment it has a result. */
export interface LiveResult {
  /** Absolute path of the test file. */
  file: string;
  suite: string[];
  name: string;
  status: TestAttempt['status'];
  durationMs: number;
  message?: string;
  retry?: number;
}

const LOOKUP_WAIT_MS = 2_000;

/**
 * "While the suite runs": each failure is looked up in the history and in the change the moment the runner
 * reports it, and one line says whether it is a known flake or new, and what of the change reaches it. The
 * first failure goes to the webhook at once. Fails open: nothing here may fail or slow the suite.
 */
export class LiveTriage {
  readonly #options: LiveTriageOptions;
  readonly #env: NodeJS.ProcessEnv;
  readonly #root: Promise<string>;
  readonly #records: Promise<Map<string, TestRecord> | undefined>;
  readonly #reach: Promise<Map<string, string> | 'all' | undefined>;
  readonly #attempts: TestAttempt[] = [];
  readonly #pending: Promise<unknown>[] = [];
  #notified = false;

  constructor(options: LiveTriageOptions) {
    this.#options = options;
    this.#env = options.env ?? process.env;
    this.#root = gitText(options.cwd, ['rev-parse', '--show-toplevel']).catch(() => options.cwd);
    // A history that cannot be read (corrupt, locked) leaves the line without it, never without a line.
    this.#records = this.#root
      .then(async (root) => {
        // The commit this run will be stored under, so its earlier runs on the same commit are told apart.
        const head = await resolveRunInfo(root, this.#env, new Date(), {}).then(
          (run) => run.commit,
          () => undefined,
        );
        return readTestRecords({
          cwd: root,
          env: this.#env,
          runs: options.windowRuns ?? 50,
          ...(options.history === undefined ? {} : { path: options.history }),
          ...(head === undefined ? {} : { head }),
        });
      })
      .catch(() => undefined);
    this.#reach = this.#root.then((root) => changeReach(root, this.#env)).catch(() => undefined);
  }

  /** Records a result; a failure gets its line (and the webhook, the first time) as soon as it is known. */
  result(result: LiveResult): void {
    const file = this.#relative(result.file);
    const attempt: TestAttempt = {
      testId: testIdOf(file, result.suite, result.name),
      file,
      suite: result.suite,
      name: result.name,
      status: result.status,
      durationMs: Math.round(result.durationMs),
      retry: result.retry ?? 0,
      ...(result.message === undefined ? {} : { message: result.message }),
    };
    this.#attempts.push(attempt);
    if (attempt.status === 'failed' || attempt.status === 'error')
      this.#pending.push(this.#explain(attempt, result.file).catch(() => {}));
  }

  /** When the suite ends: every line printed, the webhook answered, this run's attempts in the history. */
  async finished(): Promise<void> {
    await Promise.all(this.#pending);
    if (this.#options.record === false || this.#attempts.length === 0) return;
    try {
      const root = await this.#root;
      const run = await resolveRunInfo(root, this.#env, new Date(), {});
      const store = await openHistoryStore({
        cwd: root,
        env: this.#env,
        ...(this.#options.history === undefined ? {} : { path: this.#options.history }),
      });
      try {
        await store.ingest(run, this.#attempts);
      } finally {
        await store.close();
      }
    } catch (error) {
      this.#write(`testloop: the run's results were not stored in the history (${(error as Error).message})`);
    }
  }

  async #explain(attempt: TestAttempt, absolute: string): Promise<void> {
    const timeout = new Promise<undefined>((resolve) =>
      setTimeout(() => resolve(undefined), this.#options.lookupWaitMs ?? LOOKUP_WAIT_MS).unref(),
    );
    const [records, reach, root] = await Promise.all([
      Promise.race([this.#records, timeout]),
      Promise.race([this.#reach, timeout]),
      this.#root,
    ]);
    const line = `testloop: ${attempt.testId}: ${verdictOf(records?.get(attempt.testId), records !== undefined, reachOf(reach, posixRelative(root, absolute)))}`;
    this.#write(line);
    const url = this.#options.notify ?? this.#env.TESTLOOP_NOTIFY;
    if (url && !this.#notified) {
      this.#notified = true;
      const outcome = await postWebhook(url, {
        text: `${line}\n${attempt.message?.split('\n')[0] ?? ''}`.trim(),
      });
      if (!outcome.ok) this.#write(`testloop: the webhook did not take the first failure (${outcome.error})`);
    }
  }

  #relative(absolute: string): string {
    return posixRelative(this.#options.cwd, absolute);
  }

  #write(line: string): void {
    (this.#options.write ?? ((text) => process.stderr.write(`${text}\n`)))(line);
  }
}

function posixRelative(from: string, to: string): string {
  return relative(from, to).split(sep).join('/');
}

/** The tests the change reaches (repository path → why), 'all' when it may reach every test. */
async function changeReach(root: string, env: NodeJS.ProcessEnv): Promise<Map<string, string> | 'all'> {
  const { selectTests } = await import('../../select/select-tests.ts');
  const selection = await selectTests({ cwd: root, env });
  if (selection.all) return 'all';
  return new Map(selection.tests.map((test) => [test.file, test.reasons[0] ?? 'reached by the change']));
}

function reachOf(reach: Map<string, string> | 'all' | undefined, file: string): string {
  if (reach === undefined) return 'what the change reaches is not known here';
  if (reach === 'all') return 'the change may reach every test';
  const why = reach.get(file);
  return why === undefined ? 'nothing this change touches reaches it' : `the change reaches it: ${why}`;
}

function verdictOf(record: TestRecord | undefined, historyKnown: boolean, reach: string): string {
  if (record === undefined || record.failedRuns === 0) {
    const history = !historyKnown
      ? 'its history is not known here'
      : record === undefined
        ? 'no history yet'
        : `passed its last ${record.runs} runs`;
    return `new failure (${history}); ${reach}`;
  }
  const cause = record.lastCause === undefined ? '' : ` (${record.lastCause})`;
  const before = { runs: record.runs - record.headRuns, failed: record.failedRuns - record.headFailedRuns };
  const head = record.headRuns;
  // Passing and failing on one commit is a flake; failing on every run of the commit under test after
  // passing before it is what the change did, however many times the suite was run on it.
  if (record.headFailedRuns > 0 && record.headFailedRuns < head)
    return `known flaky: failed ${record.failedRuns} of its last ${record.runs} runs, passing and failing on this commit${cause}; ${reach}`;
  if (before.failed > 0 && before.failed < before.runs)
    return `known flaky: failed ${record.failedRuns} of its last ${record.runs} runs${cause}; ${reach}`;
  if (before.failed > 0) {
    const where = head > 0 ? ' before this commit' : '';
    return `failing before this change too: failed each of its last ${before.runs} runs${where}${cause}; ${reach}`;
  }
  const since =
    before.runs === 0
      ? `failed each of its ${head} earlier ${runsWord(head)} of this commit (no history before it)`
      : `passed its last ${before.runs} ${runsWord(before.runs)} before this commit, failed each of its ${head} ${runsWord(head)} of it`;
  return `failing since this commit: ${since}${cause}; ${reach}`;
}

function runsWord(count: number): string {
  return count === 1 ? 'run' : 'runs';
}
