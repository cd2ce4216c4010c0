import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoverageParseError } from '../../errors.ts';
import { isObject, parseJsonReport } from '../../util/json.ts';
import { decodeUtf8 } from '../../util/text.ts';
import { mergeFileCoverage } from '../merge.ts';
import type { CoverageReader, FileCoverage } from '../types.ts';
import { fromIstanbulFile } from './istanbul.ts';

interface V8Script {
  url: string;
  functions: unknown[];
}

/** Raw V8 coverage as written by NODE_V8_COVERAGE (a folder of coverage-*.json, or one such file). */
export const v8Reader: CoverageReader = {
  name: 'v8',
  detect(_path, head, isDirectory) {
    if (isDirectory) return true;
    return /"result"\s*:\s*\[/.test(head) && /"scriptId"|"functions"/.test(head);
  },
  async read(path, options) {
    const info = await stat(path);
    const jsonFiles = info.isDirectory()
      ? (await readdir(path)).filter((name) => name.endsWith('.json')).map((name) => join(path, name))
      : [path];
    if (jsonFiles.length === 0) {
      throw new CoverageParseError(path, undefined, 'folder holds no V8 coverage-*.json files');
    }
    // v8-to-istanbul is only needed on this path, so it loads here rather than at start-up.
    const { default: v8ToIstanbul } = await import('v8-to-istanbul');
    const merged = new Map<string, FileCoverage>();
    for (const jsonFile of jsonFiles.sort()) {
      const json = parseJsonReport(decodeUtf8(await readFile(jsonFile), jsonFile), jsonFile);
      if (!isObject(json) || !Array.isArray(json.result)) {
        throw new CoverageParseError(jsonFile, 1, 'expected V8 coverage with a "result" array');
      }
      const sourceMaps = isObject(json['source-map-cache']) ? json['source-map-cache'] : {};
      for (const script of json.result as V8Script[]) {
        if (!isObject(script) || typeof script.url !== 'string' || !Array.isArray(script.functions)) {
          throw new CoverageParseError(jsonFile, undefined, 'a "result" entry lacks url or functions');
        }
        checkFunctions(script.functions, jsonFile);
        const filePath = projectFile(script.url, options.cwd);
        if (!filePath) continue;
        const sourceMap = sourceMaps[script.url]?.data;
        // The source itself is read from disk; only the map comes from the cache Node recorded.
        // biome-ignore lint/suspicious/noExplicitAny: the typings demand a source string we let it read
        const sources: any = sourceMap ? { sourceMap: { sourcemap: sourceMap } } : undefined;
        const converter = v8ToIstanbul(filePath, 0, sources);
        try {
          await converter.load();
        } catch {
          // The script is gone from disk (a temp or generated file): nothing to map onto the repository.
          continue;
        }
        try {
          converter.applyCoverage(script.functions as Parameters<typeof converter.applyCoverage>[0]);
        } catch (error) {
          throw new CoverageParseError(
            jsonFile,
            undefined,
            `cannot apply coverage of ${script.url} (${(error as Error).message})`,
          );
        }
        for (const [key, data] of Object.entries(converter.toIstanbul())) {
          mergeInto(merged, fromIstanbulFile(data, key, jsonFile));
        }
        converter.destroy();
      }
    }
    for (const file of merged.values()) await dropBlankLines(file);
    return { source: path, format: 'v8', roots: [], files: [...merged.values()] };
  },
};

/** Only the repository's own files: node internals, other folders and node_modules are noise here. */
function projectFile(url: string, cwd: string): string | undefined {
  if (!url.startsWith('file://')) return undefined;
  let filePath: string;
  try {
    filePath = fileURLToPath(url);
  } catch {
    return undefined;
  }
  const rel = relative(cwd, filePath);
  if (rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('node_modules')) return undefined;
  return filePath;
}

/**
 * v8-to-istanbul makes every source line a statement, blank ones too: they would count as covered
 * changed lines, or as uncovered ones inside a function no test calls. A blank line is not executable.
 */
async function dropBlankLines(file: FileCoverage): Promise<void> {
  const text = await readFile(file.path, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  // Numbered as v8-to-istanbul numbers them: split on \n only.
  const lines = text.split('\n');
  for (const line of [...file.lines.keys()]) {
    if (lines[line - 1]?.trim() === '') file.lines.delete(line);
  }
}

function mergeInto(merged: Map<string, FileCoverage>, file: FileCoverage): void {
  const existing = merged.get(file.path);
  if (existing) mergeFileCoverage(existing, file);
  else merged.set(file.path, file);
}

/** v8-to-istanbul trusts its input; a corrupted block list must be our error, not its crash. */
function checkFunctions(functions: unknown[], jsonFile: string): void {
  const isCount = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 0;
  for (const fn of functions) {
    const ranges = isObject(fn) ? fn.ranges : undefined;
    if (!Array.isArray(ranges) || ranges.length === 0) {
      throw new CoverageParseError(jsonFile, undefined, 'a function entry has no "ranges" array');
    }
    for (const range of ranges) {
      if (
        !isObject(range) ||
        !isCount(range.startOffset) ||
        !isCount(range.endOffset) ||
        !isCount(range.count) ||
        range.endOffset < range.startOffset
      ) {
        throw new CoverageParseError(
          jsonFile,
          undefined,
          'a block range needs startOffset <= endOffset and a count >= 0',
        );
      }
    }
  }
}
