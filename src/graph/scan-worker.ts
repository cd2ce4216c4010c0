// The thread a cold graph build hands its files to (see scan-ahead.ts): it claims chunks of the list from
// the counter it shares with the build, reads each file and scans its imports with the lexer, and posts
// each chunk's results back.
import { parentPort, workerData } from 'node:worker_threads';
import { readSource } from './read-source.ts';
import { CLAIMED_BY, type ScannedChunk, type ScanRequest, type ScanResult } from './scan-ahead.ts';
import { lexerReady, scanImports } from './scan-imports.ts';

const { root, files, chunk: size, claims } = workerData as ScanRequest;
const count = Math.ceil(files.length / size);
const next = new Int32Array(claims, 0, 1);
const owner = new Uint8Array(claims, 4, count);
await lexerReady();
for (;;) {
  const chunk = Atomics.add(next, 0, 1);
  if (chunk >= count) break;
  Atomics.store(owner, chunk, CLAIMED_BY.thread);
  const results: ScanResult[] = [];
  for (const file of files.slice(chunk * size, (chunk + 1) * size)) {
    const read = readSource(`${root}/${file}`);
    if (read === undefined) results.push({ missing: true });
    else {
      const parsed = scanImports(file, read.text);
      // The full parser's files go back with their text, for the main thread to parse.
      results.push(parsed === undefined ? { text: read.text } : { parsed });
    }
  }
  parentPort!.postMessage({ chunk, results } satisfies ScannedChunk);
}
