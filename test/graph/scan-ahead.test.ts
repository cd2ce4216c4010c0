import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGraph } from '../../src/graph/build-graph.ts';
import { ScanAhead } from '../../src/graph/scan-ahead.ts';
import { lexerReady, scanImports } from '../../src/graph/scan-imports.ts';
import type { ModuleGraph } from '../../src/graph/types.ts';
import { bundleForNode } from '../helpers/bundle.ts';

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
  /** Takes every file in order; what the thread gave must be what the lexer finds here. */
  const takeAll = async (ahead: ScanAhead) => {
    await lexerReady();
    const fromThread: unknown[] = [];
    const here: unknown[] = [];
    let left = 0;
    for (const file of files.slice(1)) {
      const result = await ahead.take(file);
      if (result === undefined) {
        left++; // a chunk the caller claimed: it reads the file itself
        continue;
      }
      fromThread.push(result);
      const text = readFileSync(join(root, file), 'utf8');
      const parsed = scanImports(file, text);
      here.push(parsed === undefined ? { text } : { parsed });
    }
    ahead.close();
    return { fromThread, here, left };
  };

  it('gets from the thread what the lexer finds on the main thread, in order, with the text where it cannot', async () => {
    const ahead = ScanAhead.start(root, files.slice(1), true);
    expect(ahead).toBeDefined();
    // A caller busy elsewhere until the thread is done: the thread has claimed and read every chunk.
    await ahead!.stopped;
    const { fromThread, here, left } = await takeAll(ahead!);
    expect(left).toBe(0);
    expect(fromThread).toHaveLength(COUNT);
    expect(fromThread).toEqual(here);
  });

  it('shares the files with a caller that starts at once: each file read once, by one side', async () => {
    const ahead = ScanAhead.start(root, files.slice(1), true);
    const { fromThread, here, left } = await takeAll(ahead!);
    expect(fromThread.length + left).toBe(COUNT);
    expect(fromThread).toEqual(here);
    // Left alone after the caller's last claim, the thread stops: nothing is left for it to claim.
    await ahead!.stopped;
  });

  // The thread is unreferenced so that a build done early never waits for it; a caller waiting for one of
  // its chunks must keep the process alive until the chunk comes.
  it('keeps a process alive while its caller waits for the thread', async () => {
    const repository = fileURLToPath(new URL('../..', import.meta.url));
    const outdir = `${repository}node_modules/.cache/testloop-scan-ahead-test`;
    mkdirSync(outdir, { recursive: true });
    const script = `${outdir}/take-all.mjs`;
    await bundleForNode(
      {
        stdin: {
          contents: `
          import { readFileSync } from 'node:fs';
          import { ScanAhead } from ${JSON.stringify(`${repository}src/graph/scan-ahead.ts`)};
          import { lexerReady, scanImports } from ${JSON.stringify(`${repository}src/graph/scan-imports.ts`)};
          const [root, list] = process.argv.slice(2);
          const files = JSON.parse(list);
          const ahead = ScanAhead.start(root, files, true);
          await lexerReady();
          let fromThread = 0;
          // As a build does: the files of the chunks it claims are read here, which lets the thread start.
          for (const file of files) {
            if ((await ahead.take(file)) !== undefined) fromThread++;
            else scanImports(file, readFileSync(root + '/' + file, 'utf8'));
          }
          console.log(JSON.stringify({ fromThread }));
        `,
          resolveDir: repository,
          loader: 'ts',
        },
      },
      script,
    );
    // Large files: the thread is still reading a chunk when the caller, taking the chunks it has, gets to it.
    const big = mkdtempSync(join(tmpdir(), 'testloop-scan-ahead-big-'));
    try {
      const line = `export const value = ${'1 + '.repeat(20)}1;\n`;
      // As many as a build hands a thread at least.
      const bigFiles = Array.from({ length: 1500 }, (_, i) => `b${i}.ts`);
      for (const file of bigFiles) writeFileSync(join(big, file), line.repeat(150));
      // The bundle finds dist/graph/scan-worker.js from where it is: through node_modules as spelled.
      const child = spawnSync(
        process.execPath,
        ['--preserve-symlinks', '--preserve-symlinks-main', script, big, JSON.stringify(bigFiles)],
        { encoding: 'utf8' },
      );
      expect(child.stderr).toBe('');
      expect(child.status).toBe(0);
      expect(JSON.parse(child.stdout).fromThread).toBeGreaterThan(0);
    } finally {
      rmSync(big, { recursive: true, force: true });
    }
  });

  // With a core to spare the build hands files to the thread; on a busy machine it reads them all itself.
  it('builds the same edges as when every file is read on the main thread', async () => {
    const graph = await buildGraph({ root, files, cache: false });
    expect(graph.stats.parsed).toBe(COUNT);
    for (let i = 1; i < COUNT; i++) expect(importersOf(graph, name(i - 1))).toEqual([name(i)]);
    expect(importersOf(graph, name(COUNT - 1))).toEqual([]);
  });
});
