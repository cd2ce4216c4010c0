import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { IngestResult } from '../../src/history/types.ts';
import { bundleForNode } from '../helpers/bundle.ts';
import type { WriterJob } from './writer-worker.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const outdir = `${root}node_modules/.cache/testloop-history-test`;
let bundled: Promise<string> | undefined;

/** Worker threads cannot load TypeScript: bundle the worker once, its packages resolved from the repository. */
function workerFile(): Promise<string> {
  bundled ??= (async () => {
    mkdirSync(outdir, { recursive: true });
    const outfile = `${outdir}/writer-worker.mjs`;
    await bundleForNode({ entry: `${root}test/history/writer-worker.ts` }, outfile);
    return outfile;
  })();
  return bundled;
}

/** Runs every job in its own thread, all released at once; resolves with each job's outcome. */
export async function runWriters(jobs: WriterJob[]): Promise<IngestResult[]> {
  const file = await workerFile();
  const workers = jobs.map((job) => new Worker(file, { workerData: job }));
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise((resolve, reject) => {
            worker.once('message', resolve);
            worker.once('error', reject);
          }),
      ),
    );
    const outcomes = workers.map(
      (worker) =>
        new Promise<IngestResult>((resolve, reject) => {
          worker.once('message', (message: { result?: IngestResult; error?: { message: string } }) =>
            message.error ? reject(new Error(message.error.message)) : resolve(message.result!),
          );
          worker.once('error', reject);
        }),
    );
    for (const worker of workers) worker.postMessage('go');
    return await Promise.all(outcomes);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
