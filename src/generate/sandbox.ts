// Where generated code may run and with what: a scrubbed environment, a scratch file inside the
// repository that is always removed, and temp folders outside it.
import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, posix, relative, sep } from 'node:path';
import { TestloopError } from '../errors.ts';
import type { ProjectInfo, RunnerAdapter } from '../runners/types.ts';
import { removeNow, type TempPath, track } from '../sandbox/temp.ts';

export { scrubEnv } from '../sandbox/env.ts';
export { makeTempDir, removeLeftovers, type TempPath } from '../sandbox/temp.ts';

function unsafe(file: string, why: string): TestloopError {
  return new TestloopError(
    'TESTLOOP_USAGE',
    `${file}: ${why}. A test file must be a relative path inside the repository`,
  );
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * Checks a repository-relative path before anything is written near it: no absolute path, no `..`,
 * and the nearest existing folder (or the file, when it exists) must resolve, symlinks followed,
 * inside the repository. Returns the path with POSIX separators.
 */
export function checkTestPath(root: string, file: string): string {
  const posixPath = file.replace(/\\/g, '/');
  if (file.includes('\0')) throw unsafe(JSON.stringify(file), 'contains a NUL byte');
  if (isAbsolute(file) || posix.isAbsolute(posixPath) || /^[A-Za-z]:/.test(posixPath))
    throw unsafe(file, 'is an absolute path');
  if (posixPath.split('/').includes('..')) throw unsafe(file, 'has a .. segment');
  const clean = posix.normalize(posixPath);
  if (clean === '.' || clean.endsWith('/')) throw unsafe(file, 'names a folder');
  const realRoot = realpathSync(root);
  for (let path = join(root, clean); ; path = dirname(path)) {
    if (!isInside(root, path)) throw unsafe(file, 'leaves the repository');
    let exists = true;
    try {
      lstatSync(path);
    } catch {
      exists = false;
    }
    if (!exists) continue;
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      throw unsafe(file, 'goes through a broken symlink');
    }
    if (!isInside(realRoot, real))
      throw unsafe(file, 'goes through a symlink that points outside the repository');
    return clean;
  }
}

/**
 * Where to write a candidate for `testFile` so the runner picks it up: a uniquely named sibling
 * (`price.test.ts` → `price.testloop-1a2b3c4d.test.ts`), or, when the runner's patterns do not cover
 * that folder, the same name in the nearest folder they do cover. Asks the runner's own discovery.
 */
export async function placeScratch(
  project: ProjectInfo,
  adapter: RunnerAdapter,
  testFile: string,
): Promise<string> {
  const names = scratchNames(posix.basename(testFile), randomBytes(4).toString('hex'));
  const intended = posix.dirname(testFile);
  const tryDirs = async (dirs: string[]) => {
    const candidates = dirs.flatMap((dir) => names.map((name) => posix.join(dir, name)));
    const discovery = await adapter.discover({ ...project, files: [...project.files, ...candidates] });
    const tests = new Set(discovery.tests);
    return { found: candidates.find((candidate) => tests.has(candidate)), tests: discovery.tests };
  };
  const first = await tryDirs([intended]);
  if (first.found !== undefined) return first.found;
  const packageRel = relative(project.root, project.dir).split(sep).join('/') || '.';
  const folders = new Set(first.tests.map((test) => posix.dirname(test)));
  for (let dir = intended; dir !== '.' && isUnder(packageRel, dir); dir = posix.dirname(dir))
    folders.add(dir);
  folders.add(packageRel);
  folders.delete(intended);
  const nearest = [...folders]
    .filter((dir) => isUnder(packageRel, dir))
    .sort((a, b) => distance(intended, a) - distance(intended, b) || a.localeCompare(b))
    .slice(0, 20);
  const second = nearest.length > 0 ? await tryDirs(nearest) : undefined;
  if (second?.found !== undefined) return second.found;
  throw new TestloopError(
    'TESTLOOP_RUNNER_FAILED',
    `${adapter.name} would not run a test file at ${testFile} nor in any test folder near it. Check the runner's include patterns, or choose another test path`,
  );
}

function scratchNames(base: string, token: string): string[] {
  const dot = base.indexOf('.');
  const stem = dot <= 0 ? base : base.slice(0, dot);
  const rest = dot <= 0 ? '' : base.slice(dot + 1);
  const ext = base.lastIndexOf('.') > 0 ? base.slice(base.lastIndexOf('.') + 1) : 'js';
  const tag = `${stem}.testloop-${token}`;
  return [
    ...new Set([rest ? `${tag}.${rest}` : `${tag}.test.${ext}`, `${tag}.test.${ext}`, `${tag}.spec.${ext}`]),
  ];
}

function isUnder(parent: string, dir: string): boolean {
  return parent === '.' || dir === parent || dir.startsWith(`${parent}/`);
}

/** Steps from one repository folder to another: up to the common ancestor, then down. */
function distance(from: string, to: string): number {
  const a = from === '.' ? [] : from.split('/');
  const b = to === '.' ? [] : to.split('/');
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  return a.length - common + (b.length - common);
}

/**
 * Writes `content` at the repository-relative `file` (which must not exist yet: never through a symlink,
 * never over a file), creating missing folders. `remove()` deletes the file, a snapshot the runner may
 * have written for it, and the folders it created; all of it also goes at process exit.
 */
export function writeScratch(root: string, file: string, content: string): TempPath {
  const rel = checkTestPath(root, file);
  const path = join(root, rel);
  const created = mkdirSync(dirname(path), { recursive: true });
  const snapshots = join(dirname(path), '__snapshots__');
  // Folders this file needed, deepest first: removed afterwards when nothing else went into them.
  const dirs: string[] = [];
  for (let dir = dirname(path); created !== undefined && isInside(created, dir); dir = dirname(dir))
    dirs.push(dir);
  const owned: [string, 'file' | 'dir'][] = [
    [path, 'file'],
    [join(snapshots, `${posix.basename(rel)}.snap`), 'file'],
    [snapshots, 'dir'],
    ...dirs.map((dir): [string, 'dir'] => [dir, 'dir']),
  ];
  // Tracked outermost first: the exit sweep goes in reverse, so files before the folders holding them.
  for (const [item, kind] of [...owned].reverse()) track(item, kind);
  const remove = (): void => {
    for (const [item, kind] of owned) removeNow(item, kind);
  };
  try {
    writeFileSync(path, content, { flag: 'wx' });
  } catch (error) {
    remove();
    throw new TestloopError(
      'TESTLOOP_OUTPUT',
      `${rel}: cannot write the candidate test (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      { cause: error },
    );
  }
  return { path, remove };
}
