import type { ModuleGraph } from '../graph/types.ts';
import type { SelectedTest } from './types.ts';

interface Visit {
  distance: number;
  /** The seed this visit started from, and why it was seeded. */
  seed: string;
  why: string;
  /** The file one step closer to the seed. */
  via?: string;
}

/**
 * Breadth-first from every seed up the importer edges: each test is reached first along its shortest
 * path, so its distance (and score) is the number of imports between it and the nearest change.
 */
export function walkToTests(
  graph: ModuleGraph,
  seeds: ReadonlyMap<string, string>,
  tests: ReadonlySet<string>,
  followTypeImports: boolean,
): Map<string, SelectedTest> {
  const visits = new Map<string, Visit>();
  let frontier: string[] = [];
  for (const [seed, why] of seeds) {
    visits.set(seed, { distance: 0, seed, why });
    frontier.push(seed);
  }
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const file of frontier) {
      const visit = visits.get(file)!;
      graph.importers.forEach(file, (from, kind) => {
        if (kind === 'type' && !followTypeImports) return;
        if (visits.has(from)) return;
        visits.set(from, { distance: visit.distance + 1, seed: visit.seed, why: visit.why, via: file });
        next.push(from);
      });
    }
    frontier = next;
  }
  const selected = new Map<string, SelectedTest>();
  for (const [file, visit] of visits) {
    if (!tests.has(file)) continue;
    selected.set(file, { file, score: scoreOf(visit), reasons: [reasonFor(visit)] });
  }
  return selected;
}

/** Seeds that are the change itself rank first: the changed test 1, then 1/2, 1/3… by distance. */
function scoreOf(visit: Visit): number {
  const weight = isDirect(visit.why) ? 1 : 0.1;
  return Math.round((weight / (1 + visit.distance)) * 1000) / 1000;
}

function isDirect(why: string): boolean {
  return why === 'changed' || why === 'changed test file';
}

function reasonFor(visit: Visit): string {
  const away = `${visit.distance} import${visit.distance === 1 ? '' : 's'} away`;
  if (!isDirect(visit.why))
    return visit.distance === 0 ? visit.why : `${visit.why} (via ${visit.seed}, ${away})`;
  if (visit.distance === 0) return 'changed test file';
  if (visit.distance === 1) return `imports ${visit.seed} (changed)`;
  return `reaches ${visit.seed} (changed) through ${visit.via} (${away})`;
}
