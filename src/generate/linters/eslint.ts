import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { findConfig, runTool, unfinished } from './tool.ts';
import type { Linter } from './types.ts';

const FLAT_CONFIGS = [
  'eslint.config.js',
  'eslint.config.mjs',
  'eslint.config.cjs',
  'eslint.config.ts',
  'eslint.config.mts',
  'eslint.config.cts',
];
const LEGACY_CONFIGS = [
  '.eslintrc.js',
  '.eslintrc.cjs',
  '.eslintrc.yaml',
  '.eslintrc.yml',
  '.eslintrc.json',
  '.eslintrc',
];
/** At most this many problems go back to the model. */
const MAX_PROBLEMS = 10;

interface EslintMessage {
  ruleId: string | null;
  severity: number;
  message: string;
  line?: number;
  column?: number;
  fatal?: boolean;
}

interface EslintFileResult {
  filePath: string;
  messages: EslintMessage[];
  output?: string;
}

/**
 * ESLint, where the package or a folder above it (up to the repository root) has an ESLint config (flat, or
 * the older .eslintrc, which ESLint 8 and 9 read when told to) and `eslint` is installed for it. ESLint
 * loads the repository's config code; it reads the candidate and never runs it.
 */
export function findEslint(root: string, projectDir: string): Linter | undefined {
  const flat = findConfig(root, projectDir, FLAT_CONFIGS);
  const legacy = flat === undefined ? findConfig(root, projectDir, LEGACY_CONFIGS) : undefined;
  if (flat === undefined && legacy === undefined) return undefined;
  const bin = eslintBin(projectDir);
  if (bin === undefined) return undefined;
  const env: NodeJS.ProcessEnv = legacy === undefined ? {} : { ESLINT_USE_FLAT_CONFIG: 'false' };
  return {
    name: 'eslint',
    async fix(testFile, code) {
      const args = ['--fix-dry-run', '--format', 'json', '--stdin', '--stdin-filename', join(root, testFile)];
      const result = await runTool(bin, args, projectDir, code, env);
      // Exit 1 means problems are left after the fixes: the fixed text is still the one to keep.
      if (result.code !== 0 && result.code !== 1) return code;
      return resultsOf(result.stdout)?.[0]?.output ?? code;
    },
    async check(file, cwd) {
      const result = await runTool(bin, ['--format', 'json', file], cwd, undefined, env);
      if (result.timedOut) throw unfinished('eslint');
      const results = resultsOf(result.stdout);
      if (results === undefined || (result.code !== 0 && result.code !== 1)) {
        const reason = (result.stderr.trim() || result.stdout.trim()).split('\n')[0]?.slice(0, 300);
        return [`eslint could not lint the candidate (exit ${result.code}): ${reason}`];
      }
      return results
        .flatMap((entry) => entry.messages.filter((m) => m.severity === 2 || m.fatal))
        .slice(0, MAX_PROBLEMS)
        .map((m) => `${file}:${m.line ?? 0}:${m.column ?? 0} ${m.ruleId ?? 'parse'}: ${m.message}`);
    },
  };
}

/** eslint's bin as its package.json names it (the package's exports do not include it). */
function eslintBin(projectDir: string): string | undefined {
  try {
    const manifestPath = createRequire(join(projectDir, 'package.json')).resolve('eslint/package.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      bin?: string | Record<string, string>;
    };
    const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin?.eslint;
    return bin === undefined ? undefined : join(dirname(manifestPath), bin);
  } catch {
    return undefined;
  }
}

function resultsOf(stdout: string): EslintFileResult[] | undefined {
  try {
    const parsed = JSON.parse(stdout) as unknown;
    return Array.isArray(parsed) ? (parsed as EslintFileResult[]) : undefined;
  } catch {
    return undefined;
  }
}
