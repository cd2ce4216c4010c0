import { type Stats, unwatchFile, watchFile } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_COVERAGE_PATHS, loadCoverage, parseCoverageArg } from '../coverage/load.ts';
import { type MappedCoverage, mapCoverageToRepository } from '../coverage/paths.ts';
import type { FileCoverage } from '../coverage/types.ts';
import { trackedFiles } from '../git/diff.ts';

/**
 * The coverage reports, read once and mapped onto the repository as `testloop gaps` maps them, then read
 * again whenever a report file's modification time changes (a test run wrote a new one).
 */
export class CoverageState {
  #mapped: MappedCoverage | undefined;
  #error: string | undefined;
  readonly #watched: string[];
  readonly #listeners: [string, (now: Stats, before: Stats) => void][] = [];
  #loading: Promise<void> | undefined;

  constructor(
    private readonly root: string,
    private readonly cwd: string,
    private readonly reports: readonly string[] | undefined,
  ) {
    // Without named reports, every usual location: a report that appears later is picked up too.
    this.#watched = (
      reports?.length ? reports.map((r) => parseCoverageArg(r).path) : DEFAULT_COVERAGE_PATHS
    ).map((path) => resolve(cwd, path));
  }

  /** Coverage of a repository file; undefined when no report mentions it (or none could be read). */
  file(path: string): FileCoverage | undefined {
    return this.#mapped?.files.get(path);
  }

  /** True when some report was read. */
  get loaded(): boolean {
    return this.#mapped !== undefined;
  }

  /** Why no coverage is known (no report, or one that does not read), for the user. */
  get error(): string | undefined {
    return this.#error;
  }

  /** Reads the reports (again); a failure leaves no coverage and says why in `error`. */
  load(): Promise<void> {
    this.#loading ??= this.#read().finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  async #read(): Promise<void> {
    try {
      const inputs = (this.reports ?? []).map(parseCoverageArg);
      const [reports, files] = await Promise.all([
        loadCoverage(inputs, { cwd: this.cwd, srcRoots: [] }),
        trackedFiles(this.root),
      ]);
      this.#mapped = mapCoverageToRepository(reports, this.root, this.cwd, new Set(files));
      this.#error = undefined;
    } catch (error) {
      this.#mapped = undefined;
      this.#error = (error as Error).message;
    }
  }

  /** Calls `changed` after the reports were read again because one of them changed on disk. */
  watch(intervalMs: number, changed: () => void): void {
    for (const path of this.#watched) {
      const listener = (now: Stats, before: Stats): void => {
        if (now.mtimeMs === before.mtimeMs && now.size === before.size) return;
        void this.load().then(changed);
      };
      watchFile(path, { interval: intervalMs, persistent: false }, listener);
      this.#listeners.push([path, listener]);
    }
  }

  close(): void {
    for (const [path, listener] of this.#listeners.splice(0)) unwatchFile(path, listener);
  }
}
