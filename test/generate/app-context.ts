import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSource } from '../../src/generate/ast.ts';
import { buildContext } from '../../src/generate/context.ts';
import { targetFromSpec } from '../../src/generate/targets.ts';
import type { TestContext } from '../../src/generate/types.ts';
import { discoverProjects, projectOf } from '../../src/select/projects.ts';
import type { App } from './apps.ts';

/** What the engine sees for `file:symbol` in a fixture's git repository, its files as git lists them. */
export async function contextIn(app: App, file: string, symbol: string): Promise<TestContext> {
  const files = app.git('ls-files').split('\n');
  const projects = await discoverProjects(app.dir, files);
  const parsed = parseSource(file, readFileSync(join(app.dir, file), 'utf8'));
  return buildContext({
    root: app.dir,
    project: projectOf(projects, file),
    target: targetFromSpec(file, symbol, parsed, undefined),
    parsed,
    files: new Set(files),
    reserved: new Set(),
  });
}
