import type { ModuleGraph } from '../graph/types.ts';

/**
 * The changed files among `changed` that no test imports, directly or through other modules, so nothing
 * runs them. Type-only imports count: a change only a test's types see has no run-time effect to test.
 * Each file's importers are walked until a test turns up; a walk that finds none marks everything it saw
 * (whose importers it saw too) as reaching none.
 */
export function untestedFiles(
  graph: ModuleGraph,
  changed: readonly string[],
  tests: ReadonlySet<string>,
): string[] {
  const { names, start, from } = graph.importers;
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
        if (queued.has(i) || reaches[i] === -1) continue;
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
