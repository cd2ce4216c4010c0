import { KIND_CODE } from '../graph/graph-index.ts';
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

const TYPE = KIND_CODE.get('type')!;

/**
 * Breadth-first from every seed up the importer edges: each test is reached first along its shortest
 * path, so its distance (and score) is the number of imports between it and the nearest change. The walk
 * runs on the graph's numbers (a queue and three typed arrays); names come back only for the tests reached.
 */
export function walkToTests(
  graph: ModuleGraph,
  seeds: ReadonlyMap<string, string>,
  tests: ReadonlySet<string>,
  followTypeImports: boolean,
): Map<string, SelectedTest> {
  const { names, start, from, kind } = graph.importers;
  const distance = new Int32Array(names.length).fill(-1);
  /** Index into `seedList` of the seed each node was reached from. */
  const seedOf = new Uint32Array(names.length);
  const via = new Int32Array(names.length).fill(-1);
  const queue = new Uint32Array(names.length);
  let tail = 0;
  const seedList = [...seeds];
  const selected = new Map<string, SelectedTest>();
  seedList.forEach(([seed, why], s) => {
    const j = graph.importers.indexOf(seed);
    if (j === undefined) {
      // Outside the graph: nothing imports it, but a changed test is still selected.
      if (tests.has(seed)) selected.set(seed, toSelected(seed, { distance: 0, seed, why }));
      return;
    }
    if (distance[j] !== -1) return;
    distance[j] = 0;
    seedOf[j] = s;
    queue[tail++] = j;
  });
  for (let head = 0; head < tail; head++) {
    const j = queue[head]!;
    for (let k = start[j]!; k < start[j + 1]!; k++) {
      const i = from[k]!;
      if (distance[i] !== -1 || (kind[k] === TYPE && !followTypeImports)) continue;
      distance[i] = distance[j]! + 1;
      seedOf[i] = seedOf[j]!;
      via[i] = j;
      queue[tail++] = i;
    }
  }
  for (let head = 0; head < tail; head++) {
    const j = queue[head]!;
    const file = names[j]!;
    if (!tests.has(file)) continue;
    const [seed, why] = seedList[seedOf[j]!]!;
    const step = via[j]!;
    // A literal, not a conditional spread: one per test reached, and spreads are slow before optimization.
    const visit: Visit = { distance: distance[j]!, seed, why };
    if (step >= 0) visit.via = names[step]!;
    selected.set(file, toSelected(file, visit));
  }
  return selected;
}

function toSelected(file: string, visit: Visit): SelectedTest {
  return { file, score: scoreOf(visit), reasons: [reasonFor(visit)] };
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
