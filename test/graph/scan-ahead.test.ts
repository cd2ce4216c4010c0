import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGraph } from '../../src/graph/build-graph.ts';
import { ScanAhead } from '../../src/graph/scan-ahead.ts';
import { lexerReady, scanImports } from '../../src/graph/scan-imports.ts';
import type { ModuleGraph } from '../../src/graph/types.ts';

/** Enough files for a cold build to hand the last part of them to a second thread. */
const COUNT = 2000;
const name = (i: number) => `src/m${String(i).padStart(4, '0')}.ts`;

let root: string;
const files: string[] = [];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'testloop-scan-ahead-'));
  mkdirSync(join(root, 'src'));
  writeFileSync(join(root, 'package.json'), '{ "name": "chain" }\n');
  files.push('package.json');
  for (let i = 0; i < COUNT; i++) {
    const previous = i === 0 ? '' : `./m${String(i - 1).padStart(4, '0')}`;
    // Every 97th file is CommonJS: the lexer leaves it to the full parser, on the main thread.
    const body =
      i === 0
        ? 'export const v = 0;\n'
        : i % 97 === 0
          ? `const { v } = require('${previous}');\nmodule.exports = { v };\n`
          : `import { v } from '${previous}';\nexport { v };\n`;
    writeFileSync(join(root, name(i)), body);
    files.push(name(i));
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const importersOf = (graph: ModuleGraph, file: string): string[] => {
  const { importers } = graph;
  const j = importers.indexOf(file);
  if (j === undefined) return [];
  const out: string[] = [];
  for (let k = importers.start[j]!; k < importers.start[j + 1]!; k++)
    out.push(importers.names[importers.from[k]!]!);
  return out;
};

describe('a cold graph build with a second thread', () => {
  it('gets from the thread what the lexer finds on the main thread, in order, with the text where it cannot', async () => {
    const ahead = ScanAhead.start(root, files.slice(1), true);
    expect(ahead).toBeDefined();
    await lexerReady();
    const fromThread: unknown[] = [];
    const here: unknown[] = [];
    for (const file of files.slice(1)) {
      const result = await ahead!.take(file);
      if (result === undefined) continue; // a file of the head, left to the caller
      fromThread.push(result);
      const text = readFileSync(join(root, file), 'utf8');
      const parsed = scanImports(file, text);
      here.push(parsed === undefined ? { text } : { parsed });
    }
    ahead!.close();
    // The thread takes the larger, last part: about 55% of the files.
    expect(fromThread.length).toBeGreaterThan(COUNT / 2);
    expect(fromThread).toEqual(here);
  });

  // With a core to spare the build hands files to the thread; on a busy machine it reads them all itself.
  it('builds the same edges as when every file is read on the main thread', async () => {
    const graph = await buildGraph({ root, files, cache: false });
    expect(graph.stats.parsed).toBe(COUNT);
    for (let i = 1; i < COUNT; i++) expect(importersOf(graph, name(i - 1))).toEqual([name(i)]);
    expect(importersOf(graph, name(COUNT - 1))).toEqual([]);
  });
});
