import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

/** Longest a linter or type-check may take on one file. */
const LINT_TIMEOUT_MS = 60_000;

export interface Linter {
  name: 'biome';
  /** The candidate after the linter's safe fixes (formatting, import order, safe rule fixes). */
  fix(testFile: string, code: string): Promise<string>;
  /** Lint errors left in a file on disk (the scratch copy), one per line; empty when it passes. */
  check(file: string, cwd: string): Promise<string[]>;
}

const BIOME_CONFIGS = ['biome.json', 'biome.jsonc'];

/**
 * The repository's own linter, where one is configured for the package: Biome (a biome.json(c) in the
 * package or a folder above it up to the repository root, and `@biomejs/biome` installed). The linter reads
 * the candidate (from stdin, or the scratch copy in the sandbox); it never runs it.
 */
export function findLinter(root: string, projectDir: string): Linter | undefined {
  if (!hasConfig(root, projectDir, BIOME_CONFIGS)) return undefined;
  let bin: string;
  try {
    bin = createRequire(join(projectDir, 'package.json')).resolve('@biomejs/biome/bin/biome');
  } catch {
    return undefined;
  }
  return {
    name: 'biome',
    async fix(testFile, code) {
      const args = ['check', '--write', `--stdin-file-path=${join(root, testFile)}`];
      const result = await runTool(bin, args, projectDir, code);
      // Biome prints the file as fixed; nothing printed (a file its config ignores) leaves it as it was.
      return result.code === 0 && result.stdout.trim() !== '' ? result.stdout : code;
    },
    async check(file, cwd) {
      const args = [
        'lint',
        '--reporter=github',
        '--diagnostic-level=error',
        '--max-diagnostics=10',
        '--no-errors-on-unmatched',
        file,
      ];
      const result = await runTool(bin, args, cwd);
      if (result.code === 0) return [];
      const lines = `${result.stdout}\n${result.stderr}`
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line.startsWith('::error'))
        .map(githubAnnotation);
      return lines.length > 0 ? lines : [`biome lint failed: ${result.stderr.trim().slice(0, 500)}`];
    },
  };
}

function hasConfig(root: string, projectDir: string, names: string[]): boolean {
  for (let dir = projectDir; ; dir = dirname(dir)) {
    if (names.some((name) => existsSync(join(dir, name)))) return true;
    if (relative(root, dir) === '' || relative(root, dir).startsWith('..') || dirname(dir) === dir)
      return false;
  }
}

/** `::error title=lint/x/y,file=a.ts,line=5,col=12,…::message` as `a.ts:5:12 lint/x/y: message`. */
function githubAnnotation(line: string): string {
  const match = /^::error (.*?)::(.*)$/.exec(line);
  if (!match) return line;
  const fields = new Map(
    match[1]!.split(',').map((pair) => {
      const at = pair.indexOf('=');
      return [pair.slice(0, at), pair.slice(at + 1)] as const;
    }),
  );
  const where = [fields.get('file'), fields.get('line'), fields.get('col')].filter(Boolean).join(':');
  return `${where} ${fields.get('title') ?? 'lint'}: ${match[2]}`;
}

/** A node script of the project's tooling, with a time limit; its output whole. */
export function runTool(
  bin: string,
  args: string[],
  cwd: string,
  input?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: LINT_TIMEOUT_MS,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', (error) => resolve({ code: null, stdout, stderr: stderr + String(error) }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}
