import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, sep } from 'node:path';
import { runTool, unfinished } from './linters/tool.ts';

/** Most type errors a repair prompt carries: the first few say what is wrong. */
const MAX_DIAGNOSTICS = 8;

export interface TypeChecker {
  /** The tsconfig candidates are checked against, repository-relative. */
  config: string;
  /**
   * The type errors of `file` (repository-relative, on disk in `root`) as `tsc` prints them; empty when it
   * type-checks. `own` is told the temporary config's repository-relative path before it is written.
   */
  check(file: string, own?: (path: string) => void): Promise<string[]>;
}

/**
 * Type-checks a candidate with the package's own `tsc` (TypeScript 5 or the native 7) and the tsconfig
 * nearest to its test file: a temporary config extends that one with only the candidate and the
 * project's declaration files as inputs, and only the candidate's diagnostics count (the project's own
 * errors are not the candidate's). Undefined when there is no tsconfig.json between the test file and the
 * repository root, or no `typescript` installed for the package (not a TypeScript project).
 */
export function createTypeChecker(
  root: string,
  projectDir: string,
  testFile: string,
): TypeChecker | undefined {
  const configPath = nearestConfig(root, dirname(join(root, testFile)));
  if (configPath === undefined) return undefined;
  const tsc = tscBin(projectDir);
  if (tsc === undefined) return undefined;
  const configDir = dirname(configPath);
  return {
    config: posixPath(relative(root, configPath)),
    async check(file, own) {
      const temp = join(configDir, `tsconfig.testloop-${randomBytes(4).toString('hex')}.json`);
      const candidate = posixPath(relative(configDir, join(root, file)));
      own?.(posixPath(relative(root, temp)));
      writeFileSync(
        temp,
        JSON.stringify({
          extends: `./${basename(configPath)}`,
          compilerOptions: { noEmit: true, incremental: false, composite: false, declaration: false },
          include: ['**/*.d.ts'],
          files: [candidate],
        }),
      );
      try {
        const result = await runTool(tsc, ['-p', temp, '--pretty', 'false'], configDir);
        if (result.timedOut) throw unfinished('tsc');
        if (result.code === 0) return [];
        const mine = candidateDiagnostics(result.stdout, candidate);
        if (mine.length > 0 || /error TS\d+/.test(result.stdout)) return mine.slice(0, MAX_DIAGNOSTICS);
        // tsc failed without a diagnostic (a broken install, a config it cannot read): say so.
        return [`tsc failed: ${`${result.stdout}\n${result.stderr}`.trim().slice(0, 500)}`];
      } finally {
        rmSync(temp, { force: true });
      }
    },
  };
}

/** The diagnostics `tsc --pretty false` printed for `candidate`, continuation lines included. */
function candidateDiagnostics(output: string, candidate: string): string[] {
  const out: string[] = [];
  let current: string[] | undefined;
  for (const line of output.split(/\r?\n/)) {
    if (/^\S.*\(\d+,\d+\): error TS\d+/.test(line) || /^\S.*: error TS\d+/.test(line)) {
      current = line.startsWith(`${candidate}(`) ? [line] : undefined;
      if (current) out.push(line);
    } else if (current && /^\s+\S/.test(line)) out[out.length - 1] += `\n${line}`;
  }
  return out;
}

function nearestConfig(root: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const config = join(dir, 'tsconfig.json');
    if (existsSync(config)) return config;
    if (relative(root, dir) === '' || relative(root, dir).startsWith('..') || dirname(dir) === dir)
      return undefined;
  }
}

/** The package's own tsc: the `bin` of the `typescript` it resolves. */
function tscBin(projectDir: string): string | undefined {
  try {
    const manifest = createRequire(join(projectDir, 'package.json')).resolve('typescript/package.json');
    const bin = (JSON.parse(readFileSync(manifest, 'utf8')) as { bin?: string | Record<string, string> }).bin;
    const tsc = typeof bin === 'string' ? bin : bin?.tsc;
    return tsc === undefined ? undefined : join(dirname(manifest), tsc);
  } catch {
    return undefined;
  }
}

const posixPath = (path: string): string => path.split(sep).join('/');
