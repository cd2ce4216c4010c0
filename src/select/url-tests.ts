import type { ModuleGraph } from '../graph/types.ts';
import type { Project } from './projects.ts';
import { walkToTests } from './walk.ts';

/**
 * End-to-end tests open their application through a URL, which no import shows (see `urlTests` in the
 * runner discovery): when the change reaches any file of the application, every such test of the package
 * is selected, with the application file the change reaches nearest. Their own imports (page objects,
 * fixtures, helpers) are followed by the ordinary walk. Returns test file → reason.
 */
export function urlTestsReached(
  projects: readonly Project[],
  graph: ModuleGraph,
  seeds: ReadonlyMap<string, string>,
  testFiles: ReadonlySet<string>,
  followTypeImports: boolean,
): Map<string, string> {
  const selected = new Map<string, string>();
  if (seeds.size === 0) return selected;
  for (const project of projects) {
    const url = project.discovery?.urlTests;
    if (url === undefined || url.tests.length === 0) continue;
    const under = (dir: string, file: string) => dir === '' || file.startsWith(`${dir}/`);
    // A test folder that is the application's own folder (testDir '.') holds application files too.
    const testDirs = url.testDirs.filter((dir) => dir !== url.appDir && under(url.appDir, dir));
    const appFiles = new Set(
      graph.files.filter(
        (file) =>
          under(url.appDir, file) && !testFiles.has(file) && !testDirs.some((dir) => under(dir, file)),
      ),
    );
    const reached = [...walkToTests(graph, seeds, appFiles, followTypeImports).values()];
    if (reached.length === 0) continue;
    const nearest = reached.reduce((best, hit) => (hit.score > best.score ? hit : best));
    const app = url.appDir === '' ? 'the repository' : url.appDir;
    // A seed reached at distance 0 is the changed file itself (the walk would call it a changed test).
    const how = seeds.get(nearest.file) ?? nearest.reasons[0];
    const why = `opens the application at a URL, and the change reaches ${nearest.file} of ${app} (${how})`;
    for (const test of url.tests) if (!selected.has(test)) selected.set(test, why);
  }
  return selected;
}
