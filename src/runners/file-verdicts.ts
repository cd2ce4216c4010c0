import { existsSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import type { ProjectInfo } from './types.ts';

/**
 * Each listed file's verdict in a run of several, read from the JUnit report the runner's adapter wrote:
 * false when one of the file's tests failed or erred (every runner reports a file that did not load as a
 * failed test), true when one passed and none failed. A file the report does not name (it did not run,
 * or the reporter names no files) is absent: the caller must run it again on its own. `files` are
 * repository-relative; reports name them relative to the package, the repository or absolutely.
 */
export async function fileVerdictsFromJUnit(
  junit: string,
  files: readonly string[],
  project: ProjectInfo,
): Promise<ReadonlyMap<string, boolean>> {
  const verdicts = new Map<string, boolean>();
  if (!existsSync(junit)) return verdicts;
  const listed = new Set(files);
  const { readJUnit } = await import('../junit/junit-reader.ts');
  try {
    for await (const attempt of readJUnit(junit)) {
      const file = listedPath(attempt.file, project, listed);
      if (file === undefined) continue;
      if (attempt.status === 'failed' || attempt.status === 'error') verdicts.set(file, false);
      else if (attempt.status === 'passed' && verdicts.get(file) !== false) verdicts.set(file, true);
    }
  } catch {
    // A report cut short (the runner was killed while writing it) tells nothing for sure.
    return new Map();
  }
  return verdicts;
}

/** The listed file a report's path names, read from the package's folder or the repository's. */
function listedPath(reported: string, project: ProjectInfo, listed: ReadonlySet<string>): string | undefined {
  if (reported === '') return undefined;
  for (const base of [project.dir, project.root]) {
    const inRepo = relative(project.root, resolve(base, reported)).split(sep).join('/');
    if (listed.has(inRepo)) return inRepo;
  }
  return undefined;
}
