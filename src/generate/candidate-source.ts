import { statSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { parseSync } from 'oxc-parser';
import { parseImports } from '../graph/parse-imports.ts';
import { MODULE_EXTENSIONS } from '../runners/project-files.ts';

/** The random part of a scratch file's name (see placeScratch). */
export const TOKEN = /\.testloop-[0-9a-f]{8}\./;

/** Syntax (oxc) and relative imports that name no file: caught before any process starts. */
export function precheck(
  root: string,
  testFile: string,
  code: string,
  importPath: string,
): string | undefined {
  const parsed = parseSync(posix.basename(testFile), code);
  const errors = parsed.errors.filter((error) => error.severity === 'Error');
  if (errors.length > 0) {
    return `${testFile}: syntax error\n${errors
      .slice(0, 3)
      .map((error) => error.codeframe ?? error.message)
      .join('\n')}`;
  }
  const dir = posix.dirname(testFile);
  const missing = parseImports(testFile, code)
    .imports.filter((imp) => ['static', 'dynamic', 'require'].includes(imp.kind) && isRelative(imp.specifier))
    .map((imp) => imp.specifier)
    .filter((spec) => !existsOnDisk(resolve(root, dir, spec.replace(/[?#].*$/, ''))));
  if (missing.length === 0) return undefined;
  return `${testFile}: cannot resolve ${missing.map((spec) => `'${spec}'`).join(', ')}: no such file (the source under test is '${importPath}')`;
}

function isRelative(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../');
}

export function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

/** The file, or with an extension, or `.js` written for a `.ts` source (nodenext style), or an index file. */
function existsOnDisk(path: string): boolean {
  if (isFile(path) || MODULE_EXTENSIONS.some((ext) => isFile(path + ext))) return true;
  const js = /\.([cm]?)js(x?)$/.exec(path);
  if (js) {
    const stem = `${path.slice(0, js.index)}.${js[1]}`;
    if ((js[2] ? ['tsx'] : ['ts', 'tsx']).some((ts) => isFile(stem + ts))) return true;
  }
  return MODULE_EXTENSIONS.some((ext) => isFile(join(path, `index${ext}`)));
}

/** Relative imports were written for `testFile`: point them at the same files from where the scratch is. */
export function rebaseImports(code: string, testFile: string, scratch: string): string {
  const from = posix.dirname(testFile);
  const to = posix.dirname(scratch);
  if (from === to) return code;
  let out = code;
  const specs = new Set(
    parseImports(testFile, code)
      .imports.map((imp) => imp.specifier)
      .filter(isRelative),
  );
  for (const spec of specs) {
    let moved = posix.relative(to, posix.join(from, spec));
    if (!moved.startsWith('.')) moved = `./${moved}`;
    if (spec.endsWith('/')) moved += '/';
    for (const quote of ["'", '"', '`'])
      out = out.split(`${quote}${spec}${quote}`).join(`${quote}${moved}${quote}`);
  }
  return out;
}
