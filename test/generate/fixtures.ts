import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSource } from '../../src/generate/ast.ts';
import { discoverProjects, type Project, projectOf } from '../../src/select/projects.ts';

export const FIXTURES = fileURLToPath(new URL('../fixtures/generate/', import.meta.url));

export interface Fixture {
  root: string;
  files: string[];
  projects: Project[];
  read(file: string): string;
  parse(file: string): ReturnType<typeof parseSource>;
  project(file: string): Project;
}

/** A fixture read in place, its files listed as git would (no node_modules). */
export async function loadFixture(name: string): Promise<Fixture> {
  const root = join(FIXTURES, name);
  const files = readdirSync(root, { recursive: true, withFileTypes: true })
    .filter(
      (entry) => entry.isFile() && !join(entry.parentPath, entry.name).includes(`${sep}node_modules${sep}`),
    )
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
  const projects = await discoverProjects(root, files);
  const read = (file: string) => readFileSync(join(root, file), 'utf8');
  return {
    root,
    files,
    projects,
    read,
    parse: (file) => parseSource(file, read(file)),
    project: (file) => projectOf(projects, file),
  };
}
