import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { diffAgainst } from '../git/diff.ts';
import type { CiResult, SourceFile } from './types.ts';

/** Larger sources are listed without their text: a report is read in a browser, not an editor. */
const MAX_SOURCE_BYTES = 2 * 1024 * 1024;

/**
 * The changed files the reports show, with their text and the diff's changed ranges, read once so that
 * the reporters stay pure. A binary, oversized or deleted file comes without text.
 */
export async function readChangedSources(root: string, result: CiResult): Promise<SourceFile[]> {
  const paths = result.gaps?.files.map((f) => f.path) ?? [];
  if (paths.length === 0) return [];
  const hunks = new Map<string, { start: number; end: number }[]>();
  if (result.base !== undefined) {
    const changes = await diffAgainst(root, result.base).catch(() => []);
    for (const change of changes) hunks.set(change.path, change.hunks);
  }
  return Promise.all(
    paths.map(async (path) => {
      const text = await readText(join(root, path));
      const ranges = hunks.get(path);
      return { path, ...(text === undefined ? {} : { text }), ...(ranges ? { hunks: ranges } : {}) };
    }),
  );
}

async function readText(file: string): Promise<string | undefined> {
  const info = await stat(file).catch(() => undefined);
  if (info === undefined || !info.isFile() || info.size > MAX_SOURCE_BYTES) return undefined;
  const bytes = await readFile(file);
  if (bytes.includes(0)) return undefined;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return text;
}
