// Ingests every run of a manifest (JSON: [{ dir, runId, commit, startedAt }]) in this one process with
// the library's ingestReports and one open store: ingest throughput without a Node start per run. Used by
// bench/triage.js. A process ingesting run after run reads on one reader thread kept between calls
// (`readInWorker`), which a single run's 5 MiB would not start on its own.
import { readFileSync } from 'node:fs';
import { ingestReports, openHistoryStore } from '../dist/index.js';

const [manifest, history] = process.argv.slice(2);
const runs = JSON.parse(readFileSync(manifest, 'utf8'));
const store = await openHistoryStore({ env: {}, path: history });
try {
  for (const run of runs) {
    await ingestReports({
      env: {},
      reports: [run.dir],
      store,
      readInWorker: true,
      run: {
        runId: run.runId,
        commit: run.commit,
        startedAt: run.startedAt,
        branch: 'main',
        job: 'test',
        attempt: 1,
      },
    });
  }
} finally {
  await store.close();
}
