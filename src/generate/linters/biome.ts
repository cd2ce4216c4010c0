import { createRequire } from 'node:module';
import { join } from 'node:path';
import { findConfig, runTool, unfinished } from './tool.ts';
import type { Linter } from './types.ts';

const BIOME_CONFIGS = ['biome.json', 'biome.jsonc'];

/**
 * Biome, where a biome.json(c) is in the package or a folder above it up to the repository root and
 * `@biomejs/biome` is installed. It reads the candidate (from stdin, or the scratch copy); it never runs it.
 */
export function findBiome(root: string, projectDir: string): Linter | undefined {
  if (findConfig(root, projectDir, BIOME_CONFIGS) === undefined) return undefined;
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
      if (result.timedOut) throw unfinished('biome lint');
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
