// The thread a cold graph build hands part of its files to (see scan-ahead.ts): it reads each file and
// scans its imports with the lexer, and posts the results back in batches, in the order it was given.
import { parentPort, workerData } from 'node:worker_threads';
import { readSource } from './read-source.ts';
import type { ScanRequest, ScanResult } from './scan-ahead.ts';
import { lexerReady, scanImports } from './scan-imports.ts';

const BATCH = 128;

const { root, files } = workerData as ScanRequest;
await lexerReady();
let batch: ScanResult[] = [];
for (const file of files) {
  const read = readSource(`${root}/${file}`);
  if (read === undefined) batch.push({ missing: true });
  else {
    const parsed = scanImports(file, read.text);
    // The full parser's files go back with their text, for the main thread to parse.
    batch.push(parsed === undefined ? { text: read.text } : { parsed });
  }
  if (batch.length === BATCH) {
    parentPort!.postMessage(batch);
    batch = [];
  }
}
parentPort!.postMessage(batch);
