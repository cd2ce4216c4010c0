import type { TestHistory, TriageThresholds } from './model.ts';

/**
 * Tests that fail together: pairs whose failing runs overlap with Jaccard similarity ≥ clusterJaccard
 * and at least clusterMinCoFailures co-failures are joined (single linkage). Returns, for each member,
 * the other members, sorted.
 */
export function coFailureClusters(
  histories: Iterable<TestHistory>,
  t: TriageThresholds,
): Map<string, string[]> {
  const failing = new Map<string, ReadonlySet<string>>();
  for (const history of histories) {
    const runs = failingRuns(history, t);
    if (runs) failing.set(history.testId, runs);
  }
  return clustersOf(failing, t);
}

/** The run keys a test failed in, when there are enough of them to cluster on. */
export function failingRuns(history: TestHistory, t: TriageThresholds): Set<string> | undefined {
  const runs = new Set(history.executions.filter((e) => e.failed).map((e) => e.run.key));
  return runs.size < t.clusterMinCoFailures ? undefined : runs;
}

/** Clusters over each test's failing runs (tests with too few left out, see failingRuns). */
export function clustersOf(
  failing: ReadonlyMap<string, ReadonlySet<string>>,
  t: TriageThresholds,
): Map<string, string[]> {
  const byRun = new Map<string, string[]>();
  for (const [testId, runs] of failing) {
    for (const run of runs) {
      const list = byRun.get(run);
      if (list) list.push(testId);
      else byRun.set(run, [testId]);
    }
  }
  const together = new Map<string, number>();
  for (const tests of byRun.values()) {
    tests.sort();
    for (let i = 0; i < tests.length; i++) {
      for (let j = i + 1; j < tests.length; j++) {
        const key = `${tests[i]}\u0000${tests[j]}`;
        together.set(key, (together.get(key) ?? 0) + 1);
      }
    }
  }
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.has(root) && parent.get(root) !== root) root = parent.get(root)!;
    parent.set(x, root);
    return root;
  };
  for (const [key, count] of together) {
    if (count < t.clusterMinCoFailures) continue;
    const [a, b] = key.split('\u0000') as [string, string];
    const union = failing.get(a)!.size + failing.get(b)!.size - count;
    if (count / union < t.clusterJaccard) continue;
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) continue;
    const [low, high] = ra < rb ? [ra, rb] : [rb, ra];
    parent.set(high, low);
  }
  const members = new Map<string, string[]>();
  for (const id of parent.keys()) {
    const root = find(id);
    const list = members.get(root);
    if (list) list.push(id);
    else members.set(root, [id]);
  }
  const clusters = new Map<string, string[]>();
  for (const list of members.values()) {
    if (list.length < 2) continue;
    list.sort();
    for (const id of list)
      clusters.set(
        id,
        list.filter((other) => other !== id),
      );
  }
  return clusters;
}
