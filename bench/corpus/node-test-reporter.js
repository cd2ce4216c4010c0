// A node:test reporter that writes what bench/corpus/lib.js reads from vitest and jest: `{ testResults: [{
// name, status }] }`, one entry per test file (absolute path), `failed` when any test of it failed or the
// file itself did (it did not load, or exited non-zero). Use: `node --test
// --test-reporter={bench}/node-test-reporter.js --test-reporter-destination={out}`.
export default async function* corpusReporter(source) {
  const files = new Map(); // file → failed?
  for await (const event of source) {
    const file = event.data?.file;
    if (!file) continue;
    if (event.type === 'test:fail') {
      // A todo or skipped test that fails does not fail its file.
      if (!event.data.todo && !event.data.skip) files.set(file, true);
    } else if (!files.has(file)) files.set(file, false);
  }
  const testResults = [...files].map(([name, failed]) => ({ name, status: failed ? 'failed' : 'passed' }));
  yield `${JSON.stringify({ testResults }, null, 2)}\n`;
}
