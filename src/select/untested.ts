import { KIND_CODE } from '../graph/graph-index.ts';
import type { ModuleGraph } from '../graph/types.ts';

const TYPE = KIND_CODE.get('type')!;

/**
 * The changed files among `changed` that no test imports, directly or through other modules: a change
 * there is run by nothing, and the user must hear it. Each file's importers are walked until a test turns
 * up; a walk that finds none marks everything it saw, whose importers it has seen too, as reaching none.
 */
export function untestedFiles(
  graph: ModuleGraph,
  changed: readonly string[],
  tests: ReadonlySet<string>,
  followTypeImports: boolean,
): string[] {
  const { names, start, from, kind } = graph.importers;
  /** 1 reaches a test, -1 reaches none, 0 not known yet. */
  const reaches = new Int8Array(names.length);
  const untested: string[] = [];
  for (const file of changed) {
    if (tests.has(file)) continue;
    const seed = graph.importers.indexOf(file);
    if (seed === undefined) {
      untested.push(file);
      continue;
    }
    const seen = [seed];
    const queued = new Set([seed]);
    let found = reaches[seed] === 1;
    for (let head = 0; head < seen.length && !found && reaches[seed] !== -1; head++) {
      const j = seen[head]!;
      for (let k = start[j]!; k < start[j + 1]!; k++) {
        const i = from[k]!;
        if (queued.has(i) || reaches[i] === -1 || (kind[k] === TYPE && !followTypeImports)) continue;
        if (reaches[i] === 1 || tests.has(names[i]!)) {
          found = true;
          break;
        }
        queued.add(i);
        seen.push(i);
      }
    }
    if (found) reaches[seed] = 1;
    else {
      for (const j of seen) reaches[j] = -1;
      untested.push(file);
    }
  }
  return untested.sort();
}
