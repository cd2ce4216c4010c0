// The module graph by number: files and edge targets are indexes into one list of names, edges live in
// typed arrays. The cache stores this form (cache-format.ts) and the walk runs on it without strings.
import type { CachedFile } from './cache.ts';
import type { ImporterIndex, ImportKind } from './types.ts';

export const KINDS: ImportKind[] = ['static', 'type', 'dynamic', 'require', 'mock', 'asset', 'glob'];
export const KIND_CODE = new Map(KINDS.map((kind, i) => [kind, i]));

export interface GraphIndex {
  /** The graph's files first (`count` of them), then any other edge target (assets, glob matches). */
  names: string[];
  count: number;
  /** The edges of file i are edgeTo[k], edgeKind[k] for edgeStart[i] ≤ k < edgeStart[i + 1]. */
  edgeStart: Uint32Array;
  edgeTo: Uint32Array;
  edgeKind: Uint8Array;
  /** The reverse edges over `names`: name j is imported by importerFrom[k] (kind importerKind[k]) for importerStart[j] ≤ k < importerStart[j + 1]. */
  importerStart: Uint32Array;
  importerFrom: Uint32Array;
  importerKind: Uint8Array;
}

/** Numbers the files and their edge targets, and lays out the edges both ways. */
export function indexGraph(
  files: ReadonlyMap<string, CachedFile>,
  forEachEdge: (entry: CachedFile, visit: (to: string, kind: ImportKind) => void) => void,
): GraphIndex {
  const names = [...files.keys()];
  const count = names.length;
  const number = new Map(names.map((name, i) => [name, i]));
  const entries = [...files.values()];
  let edgeCount = 0;
  for (const entry of entries) forEachEdge(entry, () => edgeCount++);
  const index: GraphIndex = {
    names,
    count,
    edgeStart: new Uint32Array(count + 1),
    edgeTo: new Uint32Array(edgeCount),
    edgeKind: new Uint8Array(edgeCount),
    importerStart: new Uint32Array(0),
    importerFrom: new Uint32Array(edgeCount),
    importerKind: new Uint8Array(edgeCount),
  };
  let e = 0;
  entries.forEach((entry, i) => {
    index.edgeStart[i] = e;
    forEachEdge(entry, (target, kind) => {
      let to = number.get(target);
      if (to === undefined) {
        to = names.length;
        names.push(target);
        number.set(target, to);
      }
      index.edgeTo[e] = to;
      index.edgeKind[e] = KIND_CODE.get(kind)!;
      e++;
    });
  });
  index.edgeStart[count] = e;
  reverseEdges(index);
  return index;
}

/** Fills the importer arrays from the edge arrays: a counting sort of the edges by target. */
function reverseEdges(index: GraphIndex): void {
  const { edgeStart, edgeTo, edgeKind, importerFrom, importerKind } = index;
  const start = new Uint32Array(index.names.length + 1);
  for (const to of edgeTo) start[to + 1]!++;
  for (let j = 0; j < index.names.length; j++) start[j + 1]! += start[j]!;
  const next = start.slice(0, index.names.length);
  for (let i = 0; i < index.count; i++) {
    for (let e = edgeStart[i]!; e < edgeStart[i + 1]!; e++) {
      const k = next[edgeTo[e]!]!++;
      importerFrom[k] = i;
      importerKind[k] = edgeKind[e]!;
    }
  }
  index.importerStart = start;
}

/** Below this many look-ups by name, scanning the names beats hashing all of them into a map. */
const SCANS_BEFORE_MAP = 8;

/** Looks names up by scanning until it has been asked often enough to pay for a map. */
export function nameLookup(names: readonly string[]): (name: string) => number | undefined {
  let scans = 0;
  let map: Map<string, number> | undefined;
  return (name) => {
    if (map === undefined && scans++ < SCANS_BEFORE_MAP) {
      const i = names.indexOf(name);
      return i < 0 ? undefined : i;
    }
    if (map === undefined) {
      map = new Map();
      for (let i = 0; i < names.length; i++) map.set(names[i]!, i);
    }
    return map.get(name);
  };
}

/** The graph's importers, by name for the safety rules and by number for the walk. */
export function importerIndex(
  index: GraphIndex,
  indexOf: (name: string) => number | undefined,
): ImporterIndex {
  const { importerStart } = index;
  return {
    names: index.names,
    start: importerStart,
    from: index.importerFrom,
    kind: index.importerKind,
    indexOf,
    has(file) {
      const j = indexOf(file);
      return j !== undefined && importerStart[j] !== importerStart[j + 1];
    },
  };
}
