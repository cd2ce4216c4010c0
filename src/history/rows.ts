import { TestloopError } from '../errors.ts';
import type { AttemptStatus, RunInfo, TestAttempt } from '../junit/types.ts';
import type { StoredAttempt, WindowRun } from './types.ts';

/**
 * What both stores write and read, normalized once here so that SQLite and PostgreSQL store the same
 * values and give identical answers: text is made storable in both (PostgreSQL rejects NUL and lone
 * surrogates), timestamps are canonical UTC ISO strings, environment keys are sorted.
 */

const STATUSES: ReadonlySet<string> = new Set<AttemptStatus>(['passed', 'failed', 'error', 'skipped']);

export interface RunRow {
  runId: string;
  attempt: number;
  /** '' when the run names no job: part of the unique key, so never NULL. */
  job: string;
  commit: string;
  branch: string | null;
  startedAt: string;
  /** JSON, keys sorted. */
  environment: string | null;
}

export interface AttemptRow {
  testId: string;
  file: string;
  /** JSON array. */
  suite: string;
  name: string;
  retry: number;
  status: AttemptStatus;
  durationMs: number;
  message: string | null;
  stack: string | null;
  output: string | null;
}

/** A row of the recent-attempts query, decoded by the store into these JavaScript types. */
export interface ReadRow {
  runKey: string | number;
  run_id: string;
  attempt: number;
  job: string;
  commit: string;
  branch: string | null;
  started_at: string;
  environment: Record<string, string> | null;
  test_id: string;
  file: string;
  suite: string[];
  name: string;
  retry: number;
  status: string;
  duration_ms: number;
  message: string | null;
  stack: string | null;
  output: string | null;
}

const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Any NUL or surrogate: a plain character class, far quicker to scan than UNSTORABLE's lookarounds. */
const SUSPECT = /[\0\uD800-\uDFFF]/;

/** NUL and unpaired surrogates become U+FFFD, the same in both stores. */
function storable(text: string): string {
  if (!SUSPECT.test(text)) return text;
  UNSTORABLE.lastIndex = 0;
  return UNSTORABLE.test(text) ? text.replace(UNSTORABLE, '\uFFFD') : text;
}

function optionalText(text: string | undefined | null): string | null {
  return text === undefined || text === null ? null : storable(String(text));
}

function invalid(what: string, detail: string): TestloopError {
  return new TestloopError('TESTLOOP_STORE', `cannot store ${what}: ${detail}`);
}

function count(value: unknown, what: string, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(what, `${field} must be a whole number ≥ 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Canonical `YYYY-MM-DDTHH:mm:ss.sssZ`: sorts as text in SQLite exactly as timestamptz sorts. */
function canonicalTime(value: string | undefined, now: Date, what: string): string {
  const date = value === undefined || value === '' ? now : new Date(value);
  const time = date.getTime();
  if (Number.isNaN(time)) throw invalid(what, `startedAt ${JSON.stringify(value)} is not a date`);
  const iso = date.toISOString();
  if (!/^\d{4}-/.test(iso)) throw invalid(what, `startedAt ${JSON.stringify(value)} is outside years 0-9999`);
  return iso;
}

function sortedEnvironment(environment: Record<string, unknown>): Record<string, string> {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(environment).sort())
    sorted[storable(key)] = storable(String(environment[key]));
  return sorted;
}

/** A run without `startedAt` is dated when it is first ingested. */
export function runRow(run: RunInfo, now = new Date()): RunRow {
  const what = `run ${JSON.stringify(run.runId)}`;
  if (typeof run.runId !== 'string' || run.runId === '') throw invalid('run', 'runId is empty');
  if (typeof run.commit !== 'string') throw invalid(what, 'commit is missing');
  return {
    runId: storable(run.runId),
    attempt: count(run.attempt, what, 'attempt'),
    job: run.job ? storable(run.job) : '',
    commit: storable(run.commit),
    branch: run.branch ? storable(run.branch) : null,
    startedAt: canonicalTime(run.startedAt, now, what),
    environment: run.environment ? JSON.stringify(sortedEnvironment(run.environment)) : null,
  };
}

function attemptRow(attempt: TestAttempt): AttemptRow {
  const what = `attempt of ${JSON.stringify(attempt.testId)}`;
  if (typeof attempt.testId !== 'string' || attempt.testId === '')
    throw invalid('attempt', 'testId is empty');
  if (!STATUSES.has(attempt.status)) {
    throw invalid(what, `status ${JSON.stringify(attempt.status)} is not passed, failed, error or skipped`);
  }
  const duration = Number(attempt.durationMs);
  return {
    testId: storable(attempt.testId),
    file: storable(attempt.file ?? ''),
    suite: JSON.stringify((attempt.suite ?? []).map((part) => storable(String(part)))),
    name: storable(attempt.name ?? ''),
    retry: count(attempt.retry, what, 'retry'),
    status: attempt.status,
    // A report without a usable time records 0 rather than losing the attempt.
    durationMs: Number.isFinite(duration) ? duration : 0,
    message: optionalText(attempt.message),
    stack: optionalText(attempt.stack),
    output: optionalText(attempt.output),
  };
}

/** Attempts read elsewhere (a reader thread), in batches of any size. */
export interface AttemptBatches {
  readonly attemptBatches: AsyncIterable<TestAttempt[]>;
}

export type AttemptSource = AsyncIterable<TestAttempt> | Iterable<TestAttempt> | AttemptBatches;

/**
 * The rows of a store's write transactions: `size` rows each (the last one fewer), or one per batch of
 * another thread as it arrives, so that the store writes while that thread reads on.
 */
export async function* attemptRowBatches(
  attempts: AttemptSource,
  size: number,
): AsyncGenerator<AttemptRow[]> {
  if ('attemptBatches' in attempts) {
    for await (const batch of attempts.attemptBatches) yield batch.map(attemptRow);
    return;
  }
  let batch: AttemptRow[] = [];
  for await (const attempt of attempts) {
    batch.push(attemptRow(attempt));
    if (batch.length < size) continue;
    yield batch;
    batch = [];
  }
  if (batch.length > 0) yield batch;
}

/** `runs: Infinity` reads every run. */
export function runLimit(runs: number): number | null {
  if (runs === Number.POSITIVE_INFINITY) return null;
  if (!Number.isSafeInteger(runs) || runs < 0) {
    throw new TestloopError('TESTLOOP_STORE', `recentAttempts: runs must be a whole number ≥ 0, got ${runs}`);
  }
  return runs;
}

/** Builds StoredAttempts the same way for both stores; the run's fields are shared by its rows. */
export class AttemptMapper {
  #runKey: string | number | undefined;
  #environment: Record<string, string> | undefined;

  map(row: ReadRow): StoredAttempt {
    if (row.runKey !== this.#runKey) {
      this.#runKey = row.runKey;
      this.#environment = row.environment ? sortedEnvironment(row.environment) : undefined;
    }
    const stored: StoredAttempt = {
      testId: row.test_id,
      file: row.file,
      suite: row.suite,
      name: row.name,
      status: row.status as AttemptStatus,
      durationMs: row.duration_ms,
      retry: row.retry,
      runId: row.run_id,
      attempt: row.attempt,
      commit: row.commit,
      startedAt: row.started_at,
    };
    if (row.message !== null) stored.message = row.message;
    if (row.stack !== null) stored.stack = row.stack;
    if (row.output !== null) stored.output = row.output;
    if (row.job !== '') stored.job = row.job;
    if (row.branch !== null) stored.branch = row.branch;
    if (this.#environment) stored.environment = { ...this.#environment };
    return stored;
  }
}

/** A run of a window as both stores read it; `environment` is decoded by the store. */
export interface WindowRow {
  key: number | string;
  run_id: string;
  attempt: number;
  job: string;
  commit: string;
  branch: string | null;
  started_at: string;
  environment: Record<string, string> | null;
  attempts: number | string;
  tests: number | string;
}

export function windowRun(row: WindowRow): WindowRun {
  const run: WindowRun = {
    key: Number(row.key),
    runId: row.run_id,
    attempt: row.attempt,
    commit: row.commit,
    startedAt: row.started_at,
    attempts: Number(row.attempts),
    tests: Number(row.tests),
  };
  if (row.job !== '') run.job = row.job;
  if (row.branch !== null) run.branch = row.branch;
  if (row.environment) run.environment = sortedEnvironment(row.environment);
  return run;
}

/**
 * Texts of a window read by id: the same failure text repeats across tests and runs, so a bounded cache
 * reads each from the store about once, and equal texts come back as one string.
 */
export class TextReader {
  readonly #cache = new Map<number, string>();
  #chars = 0;

  /** `read` fetches one text; without it, load() must have fetched every text fill() asks for. */
  constructor(private readonly read?: (id: number) => string) {}

  text(id: number): string {
    let text = this.#cache.get(id);
    if (text === undefined) {
      if (!this.read) throw new Error(`text ${id} was not loaded`);
      text = this.read(id);
      this.#evict();
      this.#add(id, text);
    }
    return text;
  }

  /** Fetches, in one call, the texts of these rows (as fill() reads them) that are not cached. */
  async load(
    rows: readonly unknown[][],
    at: number,
    fetch: (ids: number[]) => Promise<Map<number, string>>,
  ): Promise<void> {
    const missing = new Set<number>();
    for (const row of rows) {
      for (let k = 3; k < 6; k++) {
        const id = row[at + k];
        if (id !== null && id !== undefined && !this.#cache.has(Number(id))) missing.add(Number(id));
      }
    }
    if (missing.size === 0) return;
    // Evicting before adding keeps every text of these rows until they are filled.
    this.#evict();
    for (const [id, text] of await fetch([...missing])) this.#add(id, text);
  }

  #evict(): void {
    if (this.#cache.size < 10_000 && this.#chars < 64 << 20) return;
    this.#cache.clear();
    this.#chars = 0;
  }

  #add(id: number, text: string): void {
    this.#cache.set(id, text);
    this.#chars += text.length;
  }

  /**
   * Sets message, stack and output from `row[at..at+5]`: the three texts stored in the attempt (before
   * schema 2) and the three ids of texts stored once.
   */
  fill(target: { message?: string; stack?: string; output?: string }, row: readonly unknown[], at: number) {
    const pick = (k: number): string | undefined => {
      const inline = row[at + k];
      if (inline !== null && inline !== undefined) return inline as string;
      const id = row[at + 3 + k];
      return id === null || id === undefined ? undefined : this.text(Number(id));
    };
    const message = pick(0);
    const stack = pick(1);
    const output = pick(2);
    if (message !== undefined) target.message = message;
    if (stack !== undefined) target.stack = stack;
    if (output !== undefined) target.output = output;
  }
}
