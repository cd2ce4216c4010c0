import { statSync } from 'node:fs';
import type { Hover } from 'vscode-languageserver';
import { sqliteHistoryPath } from '../history/open.ts';
import { testIdOf } from '../junit/types.ts';
import { readTestRecords, type TestRecord } from '../triage/live/history-lookup.ts';
import type { TestAtPosition } from './test-at.ts';

/** Runs of history a hover covers, as the live reporter reads it. */
const WINDOW_RUNS = 50;

/**
 * The history store's records, read again only when the SQLite file (or its journal) changed since: a
 * hover must not read the whole window each time. A PostgreSQL store is read each time.
 */
export class HistoryRecords {
  #stamp: string | undefined;
  #records: Promise<Map<string, TestRecord>> | undefined;

  constructor(
    private readonly root: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly path: string | undefined,
  ) {}

  read(): Promise<Map<string, TestRecord>> {
    const options = {
      cwd: this.root,
      env: this.env,
      ...(this.path === undefined ? {} : { path: this.path }),
    };
    const file = sqliteHistoryPath(options);
    const stamp =
      file === undefined
        ? undefined
        : [file, `${file}-wal`].map((f) => statSync(f, { throwIfNoEntry: false })?.mtimeMs ?? 0).join(',');
    if (this.#records === undefined || stamp === undefined || stamp !== this.#stamp) {
      this.#stamp = stamp;
      this.#records = readTestRecords({ ...options, runs: WINDOW_RUNS });
      this.#records.catch(() => {
        this.#records = undefined;
      });
    }
    return this.#records;
  }
}

/**
 * The record of the test under the cursor. Reports name test files relative to the folder their runner ran
 * in, so a record matches when its file is the repository path or a trailing part of it.
 */
export function recordOf(
  records: ReadonlyMap<string, TestRecord>,
  path: string,
  test: TestAtPosition,
): { testId: string; record: TestRecord } | undefined {
  const exact = testIdOf(path, test.suite, test.name);
  const record = records.get(exact);
  if (record) return { testId: exact, record };
  const tail = testIdOf('', test.suite, test.name);
  for (const [testId, candidate] of records) {
    if (!testId.endsWith(` › ${tail}`)) continue;
    const file = testId.slice(0, -(tail.length + 3));
    if (path.endsWith(`/${file}`)) return { testId, record: candidate };
  }
  return undefined;
}

export function historyHover(path: string, test: TestAtPosition, found: ReturnType<typeof recordOf>): Hover {
  const name = testIdOf(path, test.suite, test.name);
  if (!found)
    return markdown(
      `**testloop**: no history for \`${name}\` (no recorded run of it in the last ${WINDOW_RUNS} runs)`,
    );
  const { record, testId } = found;
  const rate = record.runs > 1 ? Math.round((record.flips / (record.runs - 1)) * 100) : 0;
  const lines = [
    `**testloop** history of \`${testId}\` (last ${WINDOW_RUNS} runs)`,
    '',
    `- runs: ${record.runs}, failed in ${record.failedRuns}`,
    `- flips: ${record.flips} (flip rate ${rate}%)`,
    `- last causes: ${record.causes.length > 0 ? record.causes.join(', ') : 'none recognized'}`,
  ];
  return markdown(lines.join('\n'));
}

function markdown(value: string): Hover {
  return { contents: { kind: 'markdown', value } };
}
