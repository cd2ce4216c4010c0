import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileGaps } from '../gaps/compute.ts';
import { isCoverageSource } from '../gaps/source-files.ts';
import type { FileGaps } from '../gaps/types.ts';
import { repositoryRoot, resolveRevisions } from '../git/base.ts';
import { diffFilesAgainst } from '../git/diff.ts';
import { gitText } from '../git/git.ts';
import type { ChangedFile } from '../git/types.ts';
import {
  type AffectedTests,
  affectedTests,
  loadWarmTree,
  refreshWarmTree,
  type WarmTree,
} from '../select/warm.ts';
import { CoverageState } from './coverage-state.ts';
import type { LspSettings } from './settings.ts';

/**
 * What the server keeps warm for one repository: the change's base, the coverage reports, and the
 * packages and module graph `select` walks. Each question about a file reuses them.
 */
export class LspWorkspace {
  #warm: Promise<WarmTree>;
  /** Why the base could not be resolved: no diagnostics then, and the user is told this. */
  readonly baseError: string | undefined;

  private constructor(
    readonly root: string,
    readonly cwd: string,
    readonly base: string | undefined,
    baseError: string | undefined,
    readonly settings: LspSettings,
    readonly coverage: CoverageState,
    warm: Promise<WarmTree>,
  ) {
    this.baseError = baseError;
    this.#warm = warm;
  }

  /**
   * Resolves the base and reads the coverage, and starts building the graph: all at once. The hints need
   * only the first two; the lenses wait for the graph.
   */
  static async open(cwd: string, settings: LspSettings, env: NodeJS.ProcessEnv): Promise<LspWorkspace> {
    const warm = loadWarmTree(cwd);
    warm.catch(() => {}); // reported where it is awaited
    const root = await gitText(cwd, ['rev-parse', '--show-toplevel']).catch(() => repositoryRoot(cwd));
    const coverage = new CoverageState(root, cwd, settings.coverage);
    const loading = coverage.load();
    let revisions: Awaited<ReturnType<typeof resolveRevisions>> | undefined;
    let baseError: string | undefined;
    try {
      revisions = await resolveRevisions(cwd, settings.base, env);
    } catch (error) {
      baseError = (error as Error).message;
    }
    await loading;
    return new LspWorkspace(root, cwd, revisions?.base, baseError, settings, coverage, warm);
  }

  /** The graph and packages; rejects when the tree could not be read (the message says why). */
  warm(): Promise<WarmTree> {
    return this.#warm;
  }

  /**
   * The change's gaps in one file (repository-relative), as `testloop gaps` finds them; undefined when the
   * file is not changed against the base, or the base is unknown.
   */
  async gapsOf(path: string): Promise<FileGaps | undefined> {
    if (this.base === undefined) return undefined;
    const change =
      (await diffFilesAgainst(this.root, this.base, [path])).find((c) => c.path === path) ??
      (await untracked(this.root, path));
    if (!change || change.status === 'deleted' || change.binary) return undefined;
    // Under an editor nothing gates, yet a changed source file no report mentions is not covered either.
    return fileGaps(change, this.coverage.file(path), isCoverageSource(path));
  }

  /** The tests a change of `path` can affect, from the graph in memory. */
  async affected(path: string): Promise<AffectedTests> {
    return affectedTests(await this.#warm, [path]);
  }

  /** A file changed on disk: its node of the graph is read again; every other file comes from the cache. */
  saved(path: string): Promise<WarmTree> {
    const previous = this.#warm;
    const next = previous.then(
      (warm) => refreshWarmTree(warm, [path]),
      () => loadWarmTree(this.cwd),
    );
    // A failed refresh keeps the graph it started from.
    this.#warm = next.catch(() => previous);
    return next;
  }

  close(): void {
    this.coverage.close();
  }
}

/** A new file git does not know yet: every line of it is part of the change. */
async function untracked(root: string, path: string): Promise<ChangedFile | undefined> {
  const listed = await gitText(root, [
    'ls-files',
    '--others',
    '--exclude-standard',
    '--',
    `:(literal)${path}`,
  ]).catch(() => '');
  if (listed === '') return undefined;
  const text = await readFile(join(root, path), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const lines = text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
  return { path, status: 'added', binary: false, hunks: lines === 0 ? [] : [{ start: 1, end: lines }] };
}
